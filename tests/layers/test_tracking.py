"""Sub-layers kept in lists and dicts (lamina/layers/tracking.py): real child modules, found by path."""

import copy
import pickle

import numpy as np
import pytest
import torch

import lamina as keras
from lamina.layers.tracking import TrackedDict, TrackedList


class Blocks(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2)]
        self.heads = {"score": keras.layers.Dense(1)}

    def call(self, x):
        for block in self.blocks:
            x = block(x)
        return self.heads["score"](x)


def _built():
    keras.utils.set_random_seed(0)
    model = Blocks()
    model(torch.rand(3, 5))
    return model


def test_the_containers_read_as_list_and_dict_and_are_the_modules_holding_their_items():
    model = _built()
    assert isinstance(model.blocks, list) and isinstance(model.blocks, TrackedList)
    assert isinstance(model.heads, dict) and isinstance(model.heads, TrackedDict)
    assert isinstance(model.blocks, torch.nn.Module) and model._modules["blocks"] is model.blocks
    assert [n for n, _ in model.named_parameters()] == [
        "blocks.0.kernel", "blocks.0.bias", "blocks.1.kernel", "blocks.1.bias", "heads.score.kernel", "heads.score.bias"]
    assert model.get_submodule("blocks.1") is model.blocks[1]
    assert model.get_submodule("heads.score") is model.heads["score"]
    assert model.blocks == [model.blocks[0], model.blocks[1]]  # list equality, identity hash
    assert len({model.blocks, model.heads}) == 2


def test_torch_func_functional_call_reaches_listed_layers():
    model = _built()
    x = torch.rand(3, 5)
    doubled = {name: param * 2 for name, param in model.named_parameters()}
    out = torch.func.functional_call(model, doubled, (x,))
    # The same network computed by hand with the doubled weights (Dense: F.linear on torch's layout).
    linear = torch.nn.functional.linear
    hidden = torch.relu(linear(x, doubled["blocks.0.kernel"], doubled["blocks.0.bias"]))
    hidden = linear(hidden, doubled["blocks.1.kernel"], doubled["blocks.1.bias"])
    torch.testing.assert_close(out, linear(hidden, doubled["heads.score.kernel"], doubled["heads.score.bias"]))
    assert not torch.allclose(out, model(x))  # the model's own weights are back afterwards


def test_mutations_keep_the_module_tree_in_step():
    model = _built()
    model.blocks.append(keras.layers.Dense(3))
    assert model.get_submodule("blocks.2") is model.blocks[2]
    model.blocks.pop(0)
    assert [n for n, _ in model.blocks.named_children()] == ["0", "1"]
    model.heads["other"] = keras.layers.Dense(2)
    assert model.get_submodule("heads.other") is model.heads["other"]
    del model.heads["other"]
    assert [n for n, _ in model.heads.named_children()] == ["score"]


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_copies_keep_the_containers_tracked(how):
    model = _built()
    x = torch.rand(3, 5)
    clone = copy.deepcopy(model) if how == "deepcopy" else pickle.loads(pickle.dumps(model))
    assert isinstance(clone.blocks, TrackedList) and clone._modules["blocks"] is clone.blocks
    assert clone.blocks[0] is clone.get_submodule("blocks.0") and clone.blocks[0] is not model.blocks[0]
    torch.testing.assert_close(clone(x), model(x))
    clone.blocks.append(keras.layers.Dense(3))  # still synced after the copy
    assert clone.get_submodule("blocks.2") is clone.blocks[2]


def test_a_listed_model_trains_its_weights_and_saves_them(tmp_path):
    model = _built()
    model.compile("adam", "mse")
    before = [w.copy() for w in model.get_weights()]
    model.fit(np.random.rand(16, 5).astype("float32"), np.random.rand(16, 1).astype("float32"), verbose=0)
    assert all(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    path = str(tmp_path / "blocks.weights.h5")
    model.save_weights(path)
    other = _built()
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_calling_the_container_itself_says_what_to_do():
    model = _built()
    with pytest.raises(TypeError, match="tracked list of sub-layers is not callable; call its items"):
        model.blocks(torch.rand(3, 5))
