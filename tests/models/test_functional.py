"""Functional API: graphs, dict inputs, shared and nested models, errors at construction."""

import io

import pytest
import torch

import lamina as keras
from lamina import layers


def _multi_task():
    text_input = keras.Input(shape=(100,), name="text_features")
    meta_input = keras.Input(shape=(10,), name="metadata")
    merged = layers.Concatenate()([layers.Dense(64, activation="relu")(text_input),
                                   layers.Dense(16, activation="relu")(meta_input)])
    merged = layers.Dense(32, activation="relu")(merged)
    sentiment = layers.Dense(1, activation="sigmoid", name="sentiment")(merged)
    topic = layers.Dense(5, activation="softmax", name="topic")(merged)
    return keras.Model(inputs={"text_features": text_input, "metadata": meta_input},
                       outputs={"sentiment": sentiment, "topic": topic})


def test_dict_inputs_and_outputs():
    model = _multi_task()
    out = model({"metadata": torch.randn(4, 10), "text_features": torch.randn(4, 100)})
    assert list(out) == ["sentiment", "topic"]
    assert out["sentiment"].shape == (4, 1) and out["topic"].shape == (4, 5)


def test_dict_inputs_with_wrong_keys_are_an_error_listing_both():
    model = _multi_task()
    with pytest.raises(ValueError, match=r"expects inputs with keys \['text_features', 'metadata'\].*"
                                         r"missing: \['metadata'\]; unexpected: \['meta'\]"):
        model({"text_features": torch.randn(2, 100), "meta": torch.randn(2, 10)})
    with pytest.raises(ValueError, match="call it with a dict"):
        model([torch.randn(2, 100), torch.randn(2, 10)])


def test_swapped_inputs_cannot_be_silently_reordered():
    a, b = keras.Input(shape=(3,), name="a"), keras.Input(shape=(3,), name="b")
    model = keras.Model({"a": a, "b": b}, layers.Subtract()([a, b]))
    x, y = torch.ones(1, 3), torch.zeros(1, 3)
    assert torch.equal(model({"b": y, "a": x}), model({"a": x, "b": y}))
    assert model({"b": y, "a": x}).sum() == 3


def test_list_inputs_multiple_outputs_and_skip_connections():
    x1, x2 = keras.Input(shape=(4,)), keras.Input(shape=(6,))
    h = layers.Dense(4)(x2)
    skip = layers.Add()([x1, h])
    model = keras.Model([x1, x2], [skip, layers.Dense(2)(skip)])
    out = model([torch.ones(3, 4), torch.ones(3, 6)])
    assert [tuple(o.shape) for o in out] == [(3, 4), (3, 2)]
    assert model.input_shape == [(None, 4), (None, 6)]
    assert model.output_shape == [(None, 4), (None, 2)]


def test_shared_layer_has_one_node_per_call():
    encoder = layers.Dense(4, name="encoder")
    left, right = keras.Input(shape=(8,)), keras.Input(shape=(8,))
    model = keras.Model([left, right], layers.Subtract()([encoder(left), encoder(right)]))
    assert len(encoder._inbound_nodes) == 2
    assert sum(1 for layer in model.layers if layer is encoder) == 1
    x = torch.randn(2, 8)
    assert torch.allclose(model([x, x]), torch.zeros(2, 4))


def test_nested_model_as_a_layer():
    inner_in = keras.Input(shape=(5,))
    inner = keras.Model(inner_in, layers.Dense(3)(inner_in), name="inner")
    outer_in = keras.Input(shape=(5,))
    outer = keras.Model(outer_in, layers.Dense(1)(inner(outer_in)), name="outer")
    assert outer(torch.ones(2, 5)).shape == (2, 1)
    assert "inner.dense.kernel" in outer.state_dict()
    assert outer.count_params() == 5 * 3 + 3 + 4


def test_layers_order_get_layer_and_names():
    model = _multi_task()
    assert [layer.name for layer in model.layers][:2] == ["text_features", "metadata"]
    assert model.get_layer("topic").units == 5
    assert model.get_layer(index=-1).name == "topic"
    with pytest.raises(ValueError, match=r"no layer named 'nope'.*Existing layers are"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="exactly one of name= or index="):
        model.get_layer()


def test_state_dict_keys_are_readable_and_round_trip_through_torch_save():
    model = _multi_task()
    keys = list(model.state_dict())
    assert "sentiment.kernel" in keys and "dense.bias" in keys
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    keras.clear_session(free_memory=False)
    other = _multi_task()
    buffer.seek(0)
    other.load_state_dict(torch.load(buffer))
    x = {"text_features": torch.randn(2, 100), "metadata": torch.randn(2, 10)}
    assert torch.equal(model(x)["topic"], other(x)["topic"])


def test_disconnected_graph_names_layer_and_missing_input():
    a, b = keras.Input(shape=(3,), name="a"), keras.Input(shape=(3,), name="b")
    out = layers.Add(name="joiner")([a, b])
    with pytest.raises(ValueError, match=r"Graph disconnected: layer 'joiner' needs the input 'b'"):
        keras.Model(a, out)


def test_duplicate_layer_names_are_rejected():
    x = keras.Input(shape=(3,))
    y = layers.Dense(2, name="same")(layers.Dense(3, name="same")(x))
    with pytest.raises(ValueError, match='The name "same" is used 2 times in the model'):
        keras.Model(x, y)


def test_seed_residual_block_adding_32_channels_to_3_fails_naming_add_and_shapes():
    class ResidualBlock(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(units)
            self.add = layers.Add()

        def call(self, x):
            return self.add([self.dense(x), x])

    x = keras.Input(shape=(32, 32, 3))
    with pytest.raises(ValueError, match=r"Add layer 'add' received inputs with incompatible shapes "
                                         r"\(None, 32, 32, 32\) and \(None, 32, 32, 3\)"):
        ResidualBlock(32)(x)
    with pytest.raises(ValueError, match=r"(?s)Add layer 'add_1' .*\(None, 4\) and \(None, 3\).*came from"):
        layers.Add()([layers.Dense(4)(keras.Input(shape=(2,))), keras.Input(shape=(3,))])


def test_symbolic_shape_errors_name_the_layer():
    x = keras.Input(shape=(4,))
    dense = layers.Dense(2)
    dense(x)
    with pytest.raises(ValueError, match=r"Input 0 of layer 'dense' is incompatible.*value 4.*\(None, 5\)"):
        dense(keras.Input(shape=(5,)))


def test_tensor_ops_and_torch_functions_become_nodes():
    x = keras.Input(shape=(4,))
    y = (x * 2 + 1)[:, :2]
    z = torch.cat([y, torch.relu(x).mean(dim=1, keepdim=True)], dim=-1)
    model = keras.Model(x, z)
    assert z.shape == (None, 3)
    data = torch.randn(5, 4)
    expected = torch.cat([(data * 2 + 1)[:, :2], torch.relu(data).mean(dim=1, keepdim=True)], dim=-1)
    torch.testing.assert_close(model(data), expected)
    assert any(type(layer).__name__ == "TorchOp" for layer in model.layers)


def test_unknown_dimensions_are_inferred_as_none():
    tokens = keras.Input(shape=(None, 8))
    pooled = tokens.mean(dim=1)
    assert tokens.shape == (None, None, 8) and pooled.shape == (None, 8)
    flat = layers.Flatten()(keras.Input(shape=(None, 3)))
    assert flat.shape == (None, None)


def test_symbolic_tensors_refuse_python_control_flow():
    x = keras.Input(shape=(2,))
    with pytest.raises(TypeError, match="cannot be used as a Python bool"):
        bool(x)
    with pytest.raises(TypeError, match="cannot be iterated"):
        a, b = x
    with pytest.raises(TypeError, match="cannot be converted to a NumPy array"):
        import numpy as np
        np.asarray(x)


def test_intermediate_tensors_as_inputs_get_new_inputs_as_keras():
    # Keras 3 (clone_graph_nodes): the keras.io FeatureSpace example trains on encoded features.
    import numpy as np

    x = keras.Input(shape=(4,))
    h = layers.Dense(3, name="encoder")(x)
    head = layers.Dense(2, name="head")
    model = keras.Model(h, head(h))
    assert [type(l).__name__ for l in model.layers] == ["InputLayer", "Dense"]
    assert model.inputs[0].shape == (None, 3) and model.get_layer("head") is head  # same layer, shared weights
    data = torch.randn(5, 3)
    torch.testing.assert_close(model(data), head(data))
    full = keras.Model(x, head(h))  # the original graph still works beside the new one
    assert [l.name for l in full.layers][1:] == ["encoder", "head"]
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 3), "float32"), np.ones((8, 2), "float32"), verbose=0)
    with pytest.raises(ValueError, match="Graph disconnected|cannot be computed"):
        other = keras.Input(shape=(3,))
        keras.Model(h, layers.Add()([head(h), layers.Dense(2)(other)]))


def test_inputs_must_be_symbolic_tensors_with_a_history():
    from lamina.graph.keras_tensor import KerasTensor

    with pytest.raises(ValueError, match="was not made by keras.Input"):
        keras.Model(KerasTensor((None, 2)), layers.Dense(1)(keras.Input((2,))))


def test_functional_subclass_pattern():
    class Wrapped(keras.Model):
        def __init__(self):
            inputs = keras.Input(shape=(3,))
            super().__init__(inputs, layers.Dense(2)(inputs))

    model = Wrapped()
    assert isinstance(model, Wrapped) and isinstance(model, keras.Model)
    assert model(torch.ones(1, 3)).shape == (1, 2)


def test_mc_dropout_explicit_training_in_graph_wins():
    x = keras.Input(shape=(100,))
    model = keras.Model(x, layers.Dropout(0.5)(x, training=True))
    data = torch.ones(4, 100)
    assert not torch.equal(model(data), data)


def test_training_argument_reaches_dropout_in_graph():
    x = keras.Input(shape=(100,))
    model = keras.Model(x, layers.Dropout(0.5)(x))
    data = torch.ones(4, 100)
    assert torch.equal(model(data), data)
    assert not torch.equal(model(data, training=True), data)


def test_numpy_inputs_match_input_dtypes():
    import numpy as np

    ids = keras.Input(shape=(3,), dtype="int64")
    model = keras.Model(ids, ids * 2)
    assert model(np.array([[1, 2, 3]])).dtype == torch.int64
