"""Recurrent layers: fused kernels vs the step loop, Keras formulas, masks, states, wrappers, errors."""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers


def _x(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


def _keras_lstm(x, kernel, rec, bias):
    """Keras's LSTM recurrence in NumPy, from Keras-layout weights (gates i, f, c, o)."""
    units = rec.shape[0]
    h = np.zeros((x.shape[0], units), np.float32)
    c = np.zeros_like(h)
    outs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ rec + bias
        i, f, g, o = (z[:, k * units:(k + 1) * units] for k in range(4))
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        outs.append(h)
    return np.stack(outs, 1), h, c


def _keras_gru(x, kernel, rec, bias, reset_after):
    """Keras's GRU recurrence in NumPy (gates z, r, h)."""
    units = rec.shape[0]
    h = np.zeros((x.shape[0], units), np.float32)
    b_in, b_rec = (bias[0], bias[1]) if reset_after else (bias, np.zeros_like(bias))
    for t in range(x.shape[1]):
        mx = x[:, t] @ kernel + b_in
        x_z, x_r, x_h = np.split(mx, 3, axis=-1)
        if reset_after:
            inner = h @ rec + b_rec
            r_z, r_r, r_h = np.split(inner, 3, axis=-1)
            z, r = _sigmoid(x_z + r_z), _sigmoid(x_r + r_r)
            hh = np.tanh(x_h + r * r_h)
        else:
            z = _sigmoid(x_z + h @ rec[:, :units])
            r = _sigmoid(x_r + h @ rec[:, units:2 * units])
            hh = np.tanh(x_h + (r * h) @ rec[:, 2 * units:])
        h = z * h + (1 - z) * hh
    return h


def test_lstm_matches_keras_formula_and_layout():
    layer = layers.LSTM(4, return_sequences=True, return_state=True)
    x = _x(3, 5, 2)
    seq, h, c = layer(x)
    kernel, rec, bias = layer.get_weights()
    assert kernel.shape == (2, 16) and rec.shape == (4, 16) and bias.shape == (16,)
    np.testing.assert_allclose(bias[4:8], 1.0)  # unit_forget_bias
    ref_seq, ref_h, ref_c = _keras_lstm(x.numpy(), kernel, rec, bias)
    np.testing.assert_allclose(seq.detach().numpy(), ref_seq, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.detach().numpy(), ref_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c.detach().numpy(), ref_c, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_keras_formula(reset_after):
    layer = layers.GRU(3, reset_after=reset_after, bias_initializer="glorot_uniform")
    x = _x(2, 6, 4)
    out = layer(x).detach().numpy()
    kernel, rec, bias = layer.get_weights()
    assert bias.shape == ((2, 9) if reset_after else (9,))
    np.testing.assert_allclose(out, _keras_gru(x.numpy(), kernel, rec, bias, reset_after), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls,kwargs", [
    (layers.LSTM, {}), (layers.GRU, {}), (layers.SimpleRNN, {}), (layers.SimpleRNN, {"activation": "relu"}),
    (layers.GRU, {"use_bias": False}), (layers.LSTM, {"go_backwards": True}),
])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_fused_kernel_equals_step_loop(cls, kwargs, return_sequences):
    layer = cls(4, return_sequences=return_sequences, return_state=True, **kwargs)
    x = _x(3, 7, 5)
    init = [s * 0.5 for s in layer(x)[1:]]  # non-zero initial states
    fused = layer(x, initial_state=init)
    last, sequence, states = layer._loop(x, init, None, False)
    looped = [sequence if return_sequences else last] + states
    for a, b in zip(fused, looped):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU, layers.SimpleRNN])
@pytest.mark.parametrize("zero_output", [False, True])
def test_right_padded_mask_packed_kernel_equals_step_loop(cls, zero_output):
    layer = cls(4, return_sequences=True, return_state=True, zero_output_for_mask=zero_output)
    x = _x(3, 6, 5)
    init = [s * 0.5 for s in layer(x)[1:]]
    for mask in (torch.tensor([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1], [1, 0, 0, 0, 0, 0]], dtype=torch.bool),
                 torch.tensor([[1, 0, 1, 0, 0, 1], [1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]], dtype=torch.bool)):
        packed = layer(x, initial_state=init, mask=mask)
        last, sequence, states = layer._loop(x, init, mask, False)
        for a, b in zip(packed, [sequence] + states):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(packed[0][:, -1], last)


def test_mask_semantics_carry_state_and_output():
    layer = layers.LSTM(3, return_sequences=True, return_state=True)
    x = _x(2, 5, 4)
    mask = torch.tensor([[True, True, False, True, False], [True, True, True, True, True]])
    seq, h, c = layer(x, mask=mask)
    # Masked step: output (and state) of the previous step.
    torch.testing.assert_close(seq[0, 2], seq[0, 1])
    torch.testing.assert_close(seq[0, 4], seq[0, 3])
    torch.testing.assert_close(h[0], seq[0, 3])
    # Skipping a masked step = removing it from the sequence.
    dense = layers.LSTM.from_config(layer.get_config())
    dense(x)
    dense.set_weights(layer.get_weights())
    short = dense(x[:1, [0, 1, 3]])
    torch.testing.assert_close(short[0][0, -1], h[0])
    # zero_output_for_mask zeroes masked steps.
    zeroed = layers.LSTM(3, return_sequences=True, zero_output_for_mask=True)
    zeroed(x)
    zeroed.set_weights(layer.get_weights())
    out = zeroed(x, mask=mask)
    assert torch.all(out[0, 2] == 0) and torch.all(out[0, 4] == 0)
    torch.testing.assert_close(out[0, 3], seq[0, 3])


def test_mask_of_wrong_shape_is_a_clear_error():
    layer = layers.GRU(2)
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, timesteps\) = \(2, 5\)"):
        layer(_x(2, 5, 3), mask=torch.ones(2, 4, dtype=torch.bool))


def test_masking_layer_feeds_rnn_in_functional_and_sequential():
    x = _x(2, 5, 3)
    x[0, 3:] = 0.0
    lstm = layers.LSTM(4)
    inputs = keras.Input(shape=(5, 3))
    functional = keras.Model(inputs, lstm(layers.Masking()(inputs)))
    sequential = keras.Sequential([keras.Input(shape=(5, 3)), layers.Masking(), lstm])
    expected = lstm(x, mask=(x != 0).any(-1))
    with torch.no_grad():
        torch.testing.assert_close(functional(x), expected)
        torch.testing.assert_close(sequential(x), expected)
    torch.testing.assert_close(expected[0], lstm(x[:1, :3])[0])


def test_stateful_continues_from_last_batch():
    layer = layers.SimpleRNN(3, stateful=True)
    x = _x(2, 6, 2)
    first = layer(x[:, :3])
    second = layer(x[:, 3:])
    layer.reset_states()
    whole = layer(x)
    torch.testing.assert_close(second, whole)
    assert not torch.allclose(first, whole)
    with pytest.raises(ValueError, match="stateful with batch size 2"):
        layer(_x(3, 2, 2))


def test_initial_state_in_functional_model():
    x_in = keras.Input(shape=(4, 3))
    h_in, c_in = keras.Input(shape=(5,)), keras.Input(shape=(5,))
    lstm = layers.LSTM(5)
    model = keras.Model([x_in, h_in, c_in], lstm(x_in, initial_state=[h_in, c_in]))
    x, h, c = _x(2, 4, 3), _x(2, 5, seed=1), _x(2, 5, seed=2)
    with torch.no_grad():
        torch.testing.assert_close(model([x, h, c]), lstm(x, initial_state=[h, c]))
        assert not torch.allclose(model([x, h, c]), lstm(x))
    with pytest.raises(ValueError, match="expects 2 initial state tensor"):
        lstm(x, initial_state=[h])


def test_dropout_paths_run_in_training():
    x = _x(4, 6, 3)
    for layer in (layers.LSTM(3, dropout=0.5), layers.GRU(3, recurrent_dropout=0.5),
                  layers.SimpleRNN(3, dropout=0.3, recurrent_dropout=0.3)):
        inference = layer(x)
        torch.testing.assert_close(layer(x), inference)
        assert not torch.allclose(layer(x, training=True), inference)


class MinimalRNNCell(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="recurrent_kernel")

    def call(self, inputs, states):
        output = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        return output, [output]


def test_user_cell_and_stacked_cells():
    x = _x(2, 4, 3)
    layer = layers.RNN(MinimalRNNCell(5), return_sequences=True)
    out = layer(x)
    kernel, rec = layer.get_weights()
    h = np.zeros((2, 5), np.float32)
    for t in range(4):
        h = x[:, t].numpy() @ kernel + h @ rec
    np.testing.assert_allclose(out[:, -1].detach().numpy(), h, rtol=1e-5, atol=1e-5)

    stacked = layers.RNN([layers.LSTMCell(4), layers.GRUCell(2)], return_state=True)
    output, h1, c1, h2 = stacked(x)
    assert output.shape == (2, 2) and h1.shape == c1.shape == (2, 4)
    first = layers.RNN(layers.LSTMCell(4), return_sequences=True)
    second = layers.RNN(layers.GRUCell(2))
    first(x), second(first(x))
    first.set_weights(stacked.get_weights()[:3])
    second.set_weights(stacked.get_weights()[3:])
    torch.testing.assert_close(second(first(x)), output)
    assert stacked.compute_output_shape((None, 4, 3)) == [(None, 2), (None, 4), (None, 4), (None, 2)]
    clone = layers.RNN.from_config(stacked.get_config())
    assert isinstance(clone.cell, layers.StackedRNNCells) and len(clone.cell.cells) == 2


@pytest.mark.parametrize("mode", ["sum", "mul", "ave", "concat", None])
def test_bidirectional_merge_modes(mode):
    x = _x(2, 5, 3)
    layer = layers.Bidirectional(layers.GRU(4, return_sequences=True), merge_mode=mode)
    out = layer(x)
    fwd = layer.forward_layer(x)
    bwd = torch.flip(layer.backward_layer(x), dims=(1,))
    expected = {"sum": fwd + bwd, "mul": fwd * bwd, "ave": (fwd + bwd) / 2,
                "concat": torch.cat([fwd, bwd], -1), None: [fwd, bwd]}[mode]
    if mode is None:
        for a, b in zip(out, expected):
            torch.testing.assert_close(a, b)
    else:
        torch.testing.assert_close(out, expected)
    assert layer.forward_layer.name.startswith("forward_") and layer.backward_layer.go_backwards


def test_bidirectional_return_state_backward_layer_and_errors():
    layer = layers.Bidirectional(layers.LSTM(3, return_state=True),
                                 backward_layer=layers.LSTM(3, return_state=True, go_backwards=True))
    outputs = layer(_x(2, 4, 2))
    assert len(outputs) == 5 and outputs[0].shape == (2, 6)
    assert layer.compute_output_shape((None, 4, 2)) == [(None, 6)] + [(None, 3)] * 4
    clone = layers.Bidirectional.from_config(layer.get_config())
    assert clone.backward_layer.go_backwards
    with pytest.raises(ValueError, match="invalid merge_mode 'max'"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="must be a recurrent layer"):
        layers.Bidirectional(layers.Dense(2))


def test_time_distributed():
    x = _x(2, 4, 5)
    layer = layers.TimeDistributed(layers.Dense(3))
    out = layer(x)
    torch.testing.assert_close(out, layer.layer(x.reshape(8, 5)).reshape(2, 4, 3))
    assert layer.compute_output_shape((None, 4, 5)) == (None, 4, 3)
    assert layers.TimeDistributed.from_config(layer.get_config()).layer.units == 3
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        layers.TimeDistributed(layers.Dense(3))(torch.ones(2, 5))
    with pytest.raises(ValueError, match="with a `keras.layers.Layer` instance"):
        layers.TimeDistributed(torch.nn.Linear(2, 2))


def test_symbolic_shapes_and_config_round_trip():
    inputs = keras.Input(shape=(7, 3))
    assert layers.LSTM(4, return_sequences=True)(inputs).shape == (None, 7, 4)
    out, h = layers.GRU(2, return_state=True)(inputs)
    assert out.shape == h.shape == (None, 2)
    for layer in (layers.LSTM(4, dropout=0.1), layers.GRU(3, reset_after=False), layers.SimpleRNN(2)):
        config = layer.get_config()
        assert "cell" not in config and config["units"] == layer.units
        assert type(layer).from_config(config).get_config() == config


@pytest.mark.parametrize("make,match", [
    (lambda: layers.LSTM(0), "`units` must be a positive int"),
    (lambda: layers.GRU(3, dropout=1.5), "`dropout` must be a float between 0 and 1"),
    (lambda: layers.RNN(layers.Dense(3)), "must have a `state_size` attribute"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_rnn_rejects_2d_input():
    with pytest.raises(ValueError, match=r"expects inputs of shape \(batch, timesteps, features\)"):
        layers.LSTM(2)(keras.Input(shape=(3,)))


def test_gru_gate_reorder_cache_follows_weight_updates():
    layer = layers.GRU(3)
    x = _x(2, 4, 5)
    with torch.no_grad():
        before = layer(x)
        weights = layer.get_weights()
        layer.set_weights([weights[0] * 2] + weights[1:])
        after = layer(x)
    last, _, _ = layer._loop(x, [torch.zeros(2, 3)], None, False)
    assert not torch.allclose(before, after)
    torch.testing.assert_close(after, last, rtol=1e-5, atol=1e-6)


class _OneRNN(keras.Model):
    """A subclassed model around one RNN layer: its `build` traces `call` on fake tensors."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def call(self, inputs):
        return self.rnn(inputs)


@pytest.mark.parametrize("cls,grad_enabled,caches", [
    (layers.GRU, False, ("_rzn_index", "_torch_gate_cache")),
    (layers.GRU, True, ("_rzn_index",)),
    (layers.LSTM, True, ("_zero_hidden_bias",)),
])
def test_rnn_built_by_tracing_caches_nothing_from_the_fake_tensors(cls, grad_enabled, caches):
    # The fused kernels keep a few tensors between calls (GRU's gate-order index and inference
    # weights, LSTM's zero second bias); a trace must not leave fake tensors there, or real calls
    # would compute with them.
    model = _OneRNN(cls(3))
    with torch.set_grad_enabled(grad_enabled):
        model.build((None, 4, 5))
    cell = model.rnn.cell
    assert all(cell.__dict__.get(name) is None for name in caches)
    x = _x(2, 4, 5)
    states = [torch.zeros(2, 3)] * len(cell.state_size if isinstance(cell.state_size, list) else [0])
    with torch.set_grad_enabled(grad_enabled):
        out = model(x)
        last, _, _ = model.rnn._loop(x, states, None, False)
    assert all(type(cell.__dict__[name]) is torch.Tensor for name in caches if name != "_torch_gate_cache")
    torch.testing.assert_close(out, last, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU, layers.SimpleRNN])
def test_fused_last_output_is_the_last_step_of_the_sequence(cls):
    # The fused path returns the kernel's final state as the last output: it must be exactly
    # the sequence's last step, forwards and backwards, and gradients must match.
    for go_backwards in (False, True):
        layer = cls(4, go_backwards=go_backwards)
        full = cls.from_config({**layer.get_config(), "return_sequences": True, "name": None})
        x = _x(3, 5, 2).requires_grad_(True)
        layer(x)
        full(x)
        full.set_weights(layer.get_weights())
        last, sequence = layer(x), full(x)
        assert torch.equal(last, sequence[:, -1])
        grad_last, = torch.autograd.grad(last.sum(), x)
        grad_sequence, = torch.autograd.grad(sequence[:, -1].sum(), x)
        torch.testing.assert_close(grad_last, grad_sequence)


def test_bidirectional_receives_embedding_mask():
    ids = torch.tensor([[3, 1, 2, 0, 0], [1, 2, 3, 4, 5]])
    tokens = keras.Input(shape=(5,), dtype="int32")
    embedding = layers.Embedding(6, 3, mask_zero=True)
    bidi = layers.Bidirectional(layers.LSTM(2, return_sequences=True))
    model = keras.Model(tokens, bidi(embedding(tokens)))
    with torch.no_grad():
        out = model(ids)
        emb, mask = embedding(ids).clone(), ids != 0
        fwd = bidi.forward_layer(emb, mask=mask)
        bwd = torch.flip(bidi.backward_layer(emb, mask=mask), dims=(1,))
    torch.testing.assert_close(out, torch.cat([fwd, bwd], -1))
    assert torch.all(out[0, 3:] == 0)  # zero_output_for_mask in both directions


def test_cell_hyper_parameters_and_initial_state():
    layer = layers.GRU(3, dropout=0.2, reset_after=False)
    assert layer.units == 3 and layer.dropout == 0.2 and layer.reset_after is False
    with pytest.raises(AttributeError):
        layer.not_an_attribute
    layer(_x(2, 4, 5))
    assert [tuple(s.shape) for s in layer.get_initial_state(6)] == [(6, 3)]
