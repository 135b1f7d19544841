"""Parity of the embedding, recurrent, attention and merge layers with Keras 3 fixtures."""

import pytest
import torch

import lamina as keras
from fixture_utils import assert_close, load_fixture


def _layer(fx, index=0):
    class_name, config = fx.layer_configs[index]
    return getattr(keras.layers, class_name).from_config(config)


def _inputs(fx):
    return [keras.Input(batch_shape=s, dtype="int32" if fx.inputs[i].dtype.kind == "i" else "float32")
            for i, s in enumerate(fx.input_shapes)]


def _predict(model, fx):
    with torch.no_grad():
        arrays = [torch.from_numpy(a) for a in fx.inputs]
        out = model(arrays if len(arrays) > 1 else arrays[0])
    return out.numpy()


# fixture -> h5 groups holding the layer's weights, in Keras weight order
SINGLE_RNN = {
    "simple_rnn": ["simple_rnn/cell"],
    "lstm_last": ["lstm/cell"],
    "lstm_sequences": ["lstm/cell"],
    "gru_reset_after": ["gru/cell"],
    "gru_sequences_backwards": ["gru/cell"],
    "bidirectional_lstm": ["bidirectional/forward_layer/cell", "bidirectional/backward_layer/cell"],
    "time_distributed_dense": ["time_distributed/layer"],
    "embedding": ["embedding"],
    "mha_self": [f"multi_head_attention/{n}_dense" for n in ("query", "key", "value", "output")],
    "mha_causal": [f"multi_head_attention/{n}_dense" for n in ("query", "key", "value", "output")],
}


@pytest.mark.parametrize("name", sorted(SINGLE_RNN))
def test_single_layer_fixture(name):
    fx = load_fixture(name)
    layer = _layer(fx)
    inputs = _inputs(fx)
    node = fx.config["config"]["layers"][-1]["inbound_nodes"][0]
    kwargs = {k: v for k, v in node["kwargs"].items() if k in ("use_causal_mask",)}
    if len(node["args"]) == 2:  # MultiHeadAttention(query, value)
        outputs = layer(inputs[0], inputs[0], **kwargs)
    else:
        outputs = layer(inputs[0], **kwargs)
    model = keras.Model(inputs, outputs)
    layer.set_weights([w for group in SINGLE_RNN[name] for w in fx.weights_for(group)])
    assert_close(_predict(model, fx), fx.outputs[0], name)
    # Eager call on the layer itself agrees with the model.
    with torch.no_grad():
        args = [torch.from_numpy(fx.inputs[0])] * len(node["args"])
        eager = layer(*args, **kwargs).numpy()
    assert_close(eager, fx.outputs[0], name)


def test_embedding_mask_lstm_fixture():
    fx = load_fixture("embedding_mask_lstm")
    (_, emb_config), _, (_, lstm_config) = fx.layer_configs
    embedding = keras.layers.Embedding.from_config(emb_config)
    lstm = keras.layers.LSTM.from_config(lstm_config)
    inputs = keras.Input(batch_shape=(None, 6), dtype="int32")
    model = keras.Model(inputs, lstm(embedding(inputs)))
    embedding.set_weights(fx.weights_for("embedding"))
    lstm.set_weights(fx.weights_for("lstm/cell"))
    assert (fx.inputs[0] == 0).any(), "fixture should contain padding"
    assert_close(_predict(model, fx), fx.outputs[0], "embedding_mask_lstm")
    # Sequential: the mask flows through the call loop too.
    seq = keras.Sequential([keras.Input(shape=(6,), dtype="int32"), embedding, lstm])
    assert_close(_predict(seq, fx), fx.outputs[0], "embedding_mask_lstm (Sequential)")


def test_embedding_mask_subclassed_model():
    fx = load_fixture("embedding_mask_lstm")
    (_, emb_config), _, (_, lstm_config) = fx.layer_configs

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.embedding = keras.layers.Embedding.from_config(emb_config)
            self.lstm = keras.layers.LSTM.from_config(lstm_config)

        def call(self, x):
            return self.lstm(self.embedding(x))

    net = Net()
    with torch.no_grad():
        net(torch.from_numpy(fx.inputs[0]))
    net.embedding.set_weights(fx.weights_for("embedding"))
    net.lstm.set_weights(fx.weights_for("lstm/cell"))
    with torch.no_grad():
        out = net(torch.from_numpy(fx.inputs[0])).numpy()
    assert_close(out, fx.outputs[0], "embedding_mask_lstm (subclassed)")


def test_dot_attention_fixture():
    fx = load_fixture("dot_attention")
    layer = _layer(fx)
    inputs = _inputs(fx)
    model = keras.Model(inputs, layer(inputs))
    assert_close(_predict(model, fx), fx.outputs[0], "dot_attention")


def test_merge_ops_fixture():
    fx = load_fixture("merge_ops")
    inputs = _inputs(fx)
    outputs = [_layer(fx, i)(inputs) for i in range(len(fx.layer_configs))]
    model = keras.Model(inputs, outputs)
    with torch.no_grad():
        results = model([torch.from_numpy(a) for a in fx.inputs])
    assert len(results) == len(fx.outputs)
    for index, (actual, expected) in enumerate(zip(results, fx.outputs)):
        assert_close(actual.numpy(), expected, f"merge_ops output {index}")


@pytest.mark.parametrize("name", ["lstm_last", "gru_reset_after", "bidirectional_lstm", "mha_self", "embedding"])
def test_fixture_config_round_trip(name):
    fx = load_fixture(name)
    class_name, config = fx.layer_configs[0]
    layer = getattr(keras.layers, class_name).from_config(config)
    ours = layer.get_config()
    for key, value in config.items():
        if key in ("layer", "backward_layer"):
            assert ours[key]["class_name"] == value["class_name"]
            continue
        assert key in ours, f"{name}: config key {key!r} missing"
        if not isinstance(value, dict) and key != "attention_axes":
            assert ours[key] == value, f"{name}: {key}: {ours[key]!r} != {value!r}"
