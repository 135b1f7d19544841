"""clone_model(model, input_tensors, clone_function, call_function, recursive, **kwargs) as Keras 3.15:
Sequential, Functional and subclassed models."""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers


def _same_shapes_new_weights(a, b):
    assert [tuple(w.shape) for w in a.weights] == [tuple(w.shape) for w in b.weights]
    assert all(x is not y for x, y in zip(a.weights, b.weights))


def _sequential():
    return keras.Sequential([keras.Input((5,), name="feats"), layers.Dense(4, activation="relu", name="d1"),
                             layers.Dense(2, name="d2")], name="seq")


def test_sequential_default_clone():
    model = _sequential()
    model.compile(optimizer="adam", loss="mse")
    clone = keras.models.clone_model(model)
    assert isinstance(clone, keras.Sequential) and clone.name == "seq"
    assert [l.name for l in clone.layers] == ["d1", "d2"]
    assert clone.inputs[0].shape == (None, 5) and clone.layers[0].input.name == "feats"
    _same_shapes_new_weights(model, clone)
    assert clone.get_config() == model.get_config()
    assert clone.compiled and clone.get_compile_config() == model.get_compile_config()
    clone.fit(np.ones((4, 5), "float32"), np.zeros((4, 2), "float32"), verbose=0)


def test_sequential_clone_function_and_input_tensors():
    model = _sequential()
    seen = []

    def clone_function(layer):
        seen.append(layer.name)
        config = layer.get_config()
        config["units"] = config["units"] * 2
        return layer.__class__.from_config(config)

    new_input = keras.Input((5,), name="other")
    clone = keras.models.clone_model(model, input_tensors=[new_input], clone_function=clone_function)
    assert seen == ["d1", "d2"]
    assert [l.units for l in clone.layers] == [8, 4]
    assert clone(torch.ones(3, 5)).shape == (3, 4)
    # Sharing every layer: the clone computes exactly what the model does.
    shared = keras.models.clone_model(model, clone_function=lambda layer: layer)
    assert all(a is b for a, b in zip(shared.weights, model.weights))
    with pytest.raises(ValueError, match="call_function.*not supported with Sequential"):
        keras.models.clone_model(model, call_function=lambda layer, *a, **k: layer(*a, **k))
    with pytest.raises(ValueError, match="one input tensor"):
        keras.models.clone_model(model, input_tensors=[keras.Input((5,)), keras.Input((5,))])
    with pytest.raises(ValueError, match="must be a KerasTensor"):
        keras.models.clone_model(model, input_tensors=np.ones((1, 5)))


def _functional():
    a = keras.Input((6,), name="a")
    b = keras.Input((6,), name="b")
    shared = layers.Dense(3, name="shared")
    x = layers.Concatenate(name="cat")([shared(a), shared(b)])
    x = x * 2.0 + keras.ops.sum(x, axis=-1, keepdims=True)  # graph ops (operators and a keras.ops op)
    out1 = layers.Dense(2, name="head1")(x)
    out2 = layers.Dense(1, name="head2")(x)
    return keras.Model({"a": a, "b": b}, [out1, out2], name="fn")


def test_functional_default_clone_keeps_structure_and_sharing():
    model = _functional()
    clone = keras.models.clone_model(model)
    assert clone.name == "fn" and [l.name for l in clone.layers] == [l.name for l in model.layers]
    _same_shapes_new_weights(model, clone)
    assert len([w for w in clone.weights]) == len(model.weights)  # the shared layer is cloned once
    assert clone.get_config() == model.get_config()
    data = {"a": torch.randn(2, 6), "b": torch.randn(2, 6)}
    clone.set_weights(model.get_weights())
    for x, y in zip(model(data), clone(data)):
        torch.testing.assert_close(x, y)


def test_functional_call_function_inserts_layers_and_reuses_them():
    model = _functional()

    def call_function(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        if isinstance(layer, layers.Dense) and layer.name.startswith("head"):
            out = layers.Activation("sigmoid", name=f"{layer.name}_sigmoid")(out)
        return out

    clone = keras.models.clone_model(model, clone_function=lambda layer: layer, call_function=call_function)
    names = [l.name for l in clone.layers]
    assert "head1_sigmoid" in names and "head2_sigmoid" in names
    assert all(any(w is v for v in model.weights) for w in clone.weights)  # layers reused
    data = {"a": torch.randn(2, 6), "b": torch.randn(2, 6)}
    for x, y in zip(model(data), clone(data)):
        torch.testing.assert_close(torch.sigmoid(x), y)


def test_functional_input_tensors_and_errors():
    model = _functional()
    new_inputs = {"a": keras.Input((6,), name="x1"), "b": keras.Input((6,), name="x2")}
    clone = keras.models.clone_model(model, input_tensors=new_inputs)
    assert [t.name for t in clone.inputs] == ["x1", "x2"]
    with pytest.raises(ValueError, match="structure of model.input"):
        keras.models.clone_model(model, input_tensors=[keras.Input((6,))])
    with pytest.raises(ValueError, match="must be a KerasTensor"):
        keras.models.clone_model(model, input_tensors={"a": np.ones(6), "b": np.ones(6)})
    with pytest.raises(ValueError, match="unexpected keyword argument"):
        keras.models.clone_model(model, foo=1)
    with pytest.raises(ValueError, match="`clone_function` must be a callable"):
        keras.models.clone_model(model, clone_function=3)


def test_torch_functions_in_the_graph_are_cloned():
    inputs = keras.Input((4,))
    x = torch.tanh(layers.Dense(4)(inputs)).permute(0, 1)
    model = keras.Model(inputs, torch.sum(x, dim=-1))
    clone = keras.models.clone_model(model)
    assert [type(l).__name__ for l in clone.layers] == [type(l).__name__ for l in model.layers]
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    clone.set_weights(model.get_weights())
    data = torch.randn(3, 4)
    torch.testing.assert_close(model(data), clone(data))


def test_masks_survive_cloning():
    inputs = keras.Input((4,), dtype="int64")
    x = layers.Embedding(10, 3, mask_zero=True)(inputs)
    outputs = layers.LSTM(2)(x)
    model = keras.Model(inputs, outputs)
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    data = torch.tensor([[1, 2, 0, 0], [3, 0, 0, 0]])
    torch.testing.assert_close(model(data), clone(data))


def _nested():
    inner = keras.Sequential([keras.Input((3,)), layers.Dense(3, name="inner_dense")], name="inner")
    inputs = keras.Input((3,))
    return keras.Model(inputs, layers.Dense(1, name="outer_dense")(inner(inputs)), name="outer"), inner


@pytest.mark.parametrize("recursive", [False, True])
def test_recursive(recursive):
    model, inner = _nested()
    seen = []

    def clone_function(layer):
        seen.append(layer.name)
        return layer.__class__.from_config(layer.get_config())

    clone = keras.models.clone_model(model, clone_function=clone_function, recursive=recursive)
    _same_shapes_new_weights(model, clone)
    if recursive:
        assert seen == ["inner_dense", "outer_dense"]  # the nested model's layers went through it
    else:
        assert seen == ["inner", "outer_dense"]  # the nested model as one layer
    assert isinstance(clone.layers[1], keras.Sequential) and clone.layers[1] is not inner


@keras.saving.register_keras_serializable(package="test_cloning")
class Sub(keras.Model):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = layers.Dense(units)

    def call(self, x):
        return self.dense(x)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_subclassed_model():
    model = Sub(units=4, name="sub")
    model(torch.ones(2, 3))
    clone = keras.models.clone_model(model)
    assert type(clone) is Sub and clone.units == 4 and clone is not model
    with pytest.raises(ValueError, match="only supported for Sequential and Functional"):
        keras.models.clone_model(model, clone_function=lambda layer: layer)
    with pytest.raises(ValueError, match="only supported for Sequential and Functional"):
        keras.models.clone_model(model, input_tensors=keras.Input((3,)))
    with pytest.raises(ValueError, match="call_function.*only supported for Functional"):
        keras.models.clone_model(model, call_function=lambda layer, *a, **k: layer(*a, **k))


# ------------------------------------------------------------------ against Keras's clones

def _without_general_config_gaps(value):
    """Drops two things lamina's config writer leaves out for any model, cloned or not: the empty
    `compile_config` Keras writes in nested model entries and `"mask": None` in call kwargs."""
    if isinstance(value, dict):
        return {k: _without_general_config_gaps(v) for k, v in value.items()
                if not (k == "compile_config" and v == {}) and not (k == "mask" and v is None)}
    if isinstance(value, list):
        return [_without_general_config_gaps(v) for v in value]
    return value


def test_clone_configs_equal_keras():
    import json
    import os
    import sys

    tools = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "keras_crosscheck")
    sys.path.insert(0, tools)
    try:
        from clone_model_configs import cases
    finally:
        sys.path.remove(tools)
    stored = json.load(open(os.path.join(os.path.dirname(__file__), "keras_clones", "configs.json")))
    assert stored["keras_version"].startswith("3.15")
    ours = cases(keras)
    assert sorted(ours) == sorted(stored["configs"])
    for name, model in ours.items():
        config = json.loads(json.dumps(model.get_config()))
        assert _without_general_config_gaps(config) == _without_general_config_gaps(stored["configs"][name]), name
