"""Op nodes in `.keras` files: written as Keras writes them, read back from the op registry only.

The mechanism is checked here with ops defined in the test; files written by real Keras 3
(tests/ops/keras_written/) are checked in test_keras_written_ops.py against lamina's real ops.
"""

import json
import zipfile

import pytest
import torch

import lamina as keras
from lamina.ops._op import keras_op
from lamina.saving.errors import LoadError, SavingError


@pytest.fixture
def toy_ops(scratch_registry):
    @keras_op("ToySum", config=("axis", "keepdims"), module="numpy")
    def toy_sum(x, axis=None, keepdims=False):
        axis = tuple(axis) if isinstance(axis, list) else axis
        return torch.sum(x, dim=axis, keepdim=keepdims)

    @keras_op("ToyStack", config=("axis",), module="numpy")
    def toy_stack(x, axis=0):
        return torch.stack(list(x), dim=axis)

    @keras_op("ToyMap", config=("f",), module="core")
    def toy_map(x, f):
        return f(x)

    @keras_op("ToyAttention", config=("scale",), module="nn")
    def toy_attention(query, key, mask=None, scale=1.0):
        scores = torch.einsum("bqd,bkd->bqk", query, key) * scale
        return scores if mask is None else scores.masked_fill(~mask, -1e9)

    return {"sum": toy_sum, "stack": toy_stack, "map": toy_map, "attention": toy_attention}


def _config(path):
    return json.loads(zipfile.ZipFile(path).read("config.json"))


def test_written_as_keras_writes_ops(toy_ops, tmp_path):
    a, b = keras.Input((3, 4), name="a"), keras.Input((3, 4), name="b")
    s = toy_ops["sum"](toy_ops["stack"]([a, b], axis=1), axis=[1, 2], keepdims=True)
    keras.Model([a, b], s).save(tmp_path / "m.keras")
    layers = {entry["class_name"]: entry for entry in _config(tmp_path / "m.keras")["config"]["layers"]}
    assert layers["ToySum"]["module"] == "keras.src.ops.numpy"
    assert layers["ToySum"]["registered_name"] == "ToySum"
    assert layers["ToySum"]["config"] == {"name": layers["ToySum"]["name"], "axis": [1, 2], "keepdims": True}
    assert list(layers["ToySum"]["config"])[0] == "name"
    stack_args = layers["ToyStack"]["inbound_nodes"][0]["args"]
    # One call argument, the list of tensors (as Keras records `ops.stack([a, b])`).
    assert len(stack_args) == 1 and [t["config"]["keras_history"] for t in stack_args[0]] == [["a", 0, 0], ["b", 0, 0]]


def test_round_trip_replays_the_registered_ops(toy_ops, tmp_path):
    a, b = keras.Input((3, 4)), keras.Input((3, 4))
    s = toy_ops["sum"](toy_ops["stack"]([a, b], axis=1), axis=[1, 2], keepdims=True)
    model = keras.Model([a, b], s)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    x, y = torch.randn(2, 3, 4), torch.randn(2, 3, 4)
    torch.testing.assert_close(loaded([x, y]), model([x, y]))
    assert [getattr(layer, "summary_class_name", None) for layer in loaded.layers][-2:] == ["ToyStack", "ToySum"]
    loaded.save(tmp_path / "again.keras")
    assert _config(tmp_path / "again.keras")["config"]["layers"] == _config(tmp_path / "m.keras")["config"]["layers"]


def test_named_call_arguments_from_a_file_are_bound_to_their_positions(toy_ops, tmp_path):
    q, k = keras.Input((2, 4)), keras.Input((3, 4))
    m = keras.Input((2, 3), dtype="bool")
    out = toy_ops["attention"](q, k, m, scale=0.5)
    model = keras.Model([q, k, m], out)
    model.save(tmp_path / "m.keras")
    config = _config(tmp_path / "m.keras")
    entry = next(e for e in config["config"]["layers"] if e["class_name"] == "ToyAttention")
    # Keras writes some op calls with named arguments (`mask=`): the loader accepts both forms.
    node = entry["inbound_nodes"][0]
    node["kwargs"] = {"mask": node["args"].pop(2)}
    loaded = keras.models.model_from_json(json.dumps(config))
    data = [torch.randn(1, 2, 4), torch.randn(1, 3, 4), torch.rand(1, 2, 3) > 0.5]
    torch.testing.assert_close(loaded(data), model(data))


def test_config_values_json_cannot_store_are_refused_on_save(toy_ops, tmp_path):
    x = keras.Input((3,))
    model = keras.Model(x, toy_ops["map"](x, torch.relu))
    with pytest.raises(SavingError, match=r"op node 'toy_map(_\d+)?' \(ToyMap\).*cannot be saved"):
        model.save(tmp_path / "m.keras")


def _file_with_op(tmp_path, class_name, config, module="keras.src.ops.numpy"):
    x = keras.Input((3,), name="x")
    model = keras.Model(x, keras.layers.Dense(2, name="d")(x))
    model.save(tmp_path / "m.keras")
    full = _config(tmp_path / "m.keras")
    full["config"]["layers"].append({
        "module": module, "class_name": class_name, "config": {"name": "op", **config},
        "registered_name": class_name, "name": "op", "inbound_nodes": [{"args": [
            {"class_name": "__keras_tensor__", "config": {"shape": [None, 2], "dtype": "float32",
                                                          "keras_history": ["d", 0, 0]}}], "kwargs": {}}]})
    full["config"]["output_layers"] = [["op", 0, 0]]
    return json.dumps(full)


def test_loading_reaches_only_registered_ops(toy_ops, tmp_path):
    for class_name, module in (("system", "os"), ("ToySumm", "keras.src.ops.numpy"), ("eval", "keras.src.ops.builtins")):
        with pytest.raises(Exception, match="cannot rebuild|not one of lamina.ops|Unknown|unknown|not found|module"):
            keras.models.model_from_json(_file_with_op(tmp_path, class_name, {}, module=module))


def test_unknown_config_keys_are_named(toy_ops, tmp_path):
    with pytest.raises(LoadError, match=r"ToySum \(node 'op'\) has config keys \['where'\] that lamina's "
                                        r"ops.toy_sum does not take"):
        keras.models.model_from_json(_file_with_op(tmp_path, "ToySum", {"where": 1}))


def test_a_file_op_entry_rebuilds_with_its_config(toy_ops, tmp_path):
    model = keras.models.model_from_json(_file_with_op(tmp_path, "ToySum", {"axis": -1, "keepdims": True}))
    x = torch.randn(4, 3)
    torch.testing.assert_close(model(x)[0], model.get_layer("d")(x).sum(-1, keepdim=True))
