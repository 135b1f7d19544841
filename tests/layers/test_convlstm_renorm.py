"""ConvLSTM1D/2D/3D and BatchNormalization(renorm=True) against Keras 3.15.

Fixtures (`tests/layers/keras_written/`) come from `tools/keras_crosscheck/convlstm_renorm_files.py`
run with Keras (JAX backend): `.keras` files with their predictions, masked ConvLSTM calls and a
three-step SGD training of a model with a renorm BatchNormalization. Tolerance 1e-5 throughout.
"""

import inspect
import json
import os

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers as L
from lamina.layers.rnn import ConvLSTMCell

HERE = os.path.join(os.path.dirname(__file__), "keras_written")
TOL = 1e-5


def _io(family):
    io = np.load(os.path.join(HERE, f"{family}_io.npz"))
    n = int(io["n_inputs"])
    arrays = [io[f"arr_{i}"] for i in range(len(io.files) - 1)]
    return [torch.from_numpy(a) for a in arrays[:n]], arrays[n:]


@pytest.mark.parametrize("family", ["convlstm16", "renorm16"])
def test_keras_written_file_loads_with_equal_outputs_and_round_trips(family, tmp_path):
    model = keras.saving.load_model(os.path.join(HERE, f"{family}.keras"))
    xs, wants = _io(family)
    with torch.no_grad():
        got = model(xs)
    assert len(got) == len(wants)
    for g, want in zip(got, wants):
        np.testing.assert_allclose(g.numpy(), want, atol=TOL, rtol=0)
    path = tmp_path / f"{family}.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    with torch.no_grad():
        for a, b in zip(got, again(xs)):
            torch.testing.assert_close(a, b, atol=0, rtol=0)


def _masked_cases():
    f = np.load(os.path.join(HERE, "convlstm_masked.npz"))
    return f, range(int(f["n_cases"]))


@pytest.mark.parametrize("case", list(_masked_cases()[1]))
def test_masked_calls_equal_keras(case):
    f, _ = _masked_cases()
    spec = json.loads(str(f[f"c{case}_config"]))
    layer = getattr(L, spec["class_name"])(**spec["kwargs"])
    x = torch.from_numpy(f[f"c{case}_x"])
    layer(x)
    layer.set_weights([f[f"c{case}_w{j}"] for j in range(int(f[f"c{case}_nw"]))])
    outs = layer(x, mask=torch.from_numpy(f[f"c{case}_mask"]))
    outs = outs if isinstance(outs, list) else [outs]
    assert len(outs) == int(f[f"c{case}_nout"])
    for j, out in enumerate(outs):
        np.testing.assert_allclose(out.detach().numpy(), f[f"c{case}_out{j}"], atol=TOL, rtol=0)
    if f"c{case}_h0" in f.files:
        init = [torch.from_numpy(f[f"c{case}_h0"]), torch.from_numpy(f[f"c{case}_c0"])]
        outs = layer(x, mask=torch.from_numpy(f[f"c{case}_mask0"]), initial_state=init)
        for j, out in enumerate(outs):
            np.testing.assert_allclose(out.detach().numpy(), f[f"c{case}_init_out{j}"], atol=TOL, rtol=0)


def test_renorm_training_steps_equal_keras():
    f = np.load(os.path.join(HERE, "renorm_training.npz"))
    x_in = keras.Input((5,))
    h = L.Dense(4, name="d1")(x_in)
    h = L.BatchNormalization(renorm=True, renorm_clipping={"rmax": 1.3, "rmin": 0.7, "dmax": 0.5},
                             renorm_momentum=0.6, momentum=0.7, name="bn")(h)
    model = keras.Model(x_in, L.Dense(2, name="d2")(h))
    assert [w.path for w in model.weights] == json.loads(str(f["names"]))
    model.set_weights([f[f"initial_{i}"] for i in range(len(model.weights))])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    for step in range(3):
        loss = model.train_on_batch(f[f"x{step}"], f[f"y{step}"])
        np.testing.assert_allclose(loss, f[f"loss{step}"], atol=TOL, rtol=0)
        for i, w in enumerate(model.get_weights()):
            np.testing.assert_allclose(w, f[f"step{step}_{i}"], atol=TOL, rtol=0, err_msg=f"step {step} w{i}")
    np.testing.assert_allclose(model.predict(f["x_test"], verbose=0), f["pred"], atol=TOL, rtol=0)
    out = model(torch.from_numpy(f["x_test"]), training=True)
    np.testing.assert_allclose(out.detach().numpy(), f["train_out"], atol=TOL, rtol=0)


def test_renorm_r_and_d_are_constants_for_the_gradient_and_clipping_applies():
    bn = L.BatchNormalization(renorm=True, renorm_clipping={"rmax": 1.0, "rmin": 1.0, "dmax": 0.0})
    x = torch.randn(16, 3) * 4 + 2
    bn(x)
    out = bn(x, training=True)
    # r clipped to 1 and d to 0: plain batch normalization
    plain = (x - x.mean(0)) / torch.sqrt(x.var(0, unbiased=False) + bn.epsilon)
    torch.testing.assert_close(out, plain, atol=1e-5, rtol=0)
    assert bn.renorm_clipping == {"rmax": 1.0, "rmin": 1.0, "dmax": 0.0}
    assert [w.path.split("/")[-1] for w in bn.weights] == [
        "gamma", "beta", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev"]
    np.testing.assert_allclose(bn.moving_variance.numpy(),
                               np.maximum(bn.moving_stddev.numpy() ** 2 - bn.epsilon, 0), atol=1e-6)


def test_renorm_masked_training_uses_unmasked_positions_only():
    bn = L.BatchNormalization(renorm=True)
    x = torch.randn(2, 5, 3)
    mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    bn(x, training=True, mask=mask)
    valid = torch.cat([x[0], x[1, :2]])
    np.testing.assert_allclose(bn.renorm_mean.numpy(), 0.01 * valid.mean(0).numpy(), atol=1e-6)


def test_batch_normalization_positional_order_is_keras():
    names = list(inspect.signature(L.BatchNormalization.__init__).parameters)[1:-1]
    assert names[-4:] == ["renorm", "renorm_clipping", "renorm_momentum", "synchronized"]
    config = L.BatchNormalization(renorm=True).get_config()
    assert (config["renorm"], config["renorm_clipping"], config["renorm_momentum"]) == (True, {}, 0.99)


@pytest.mark.parametrize("clipping, match", [
    ({"rmax": 1.0, "other": 2}, "renorm_clipping.*keys among"),
    ({"rmax": 0.5, "rmin": 1.0}, "rmax >= rmin"),
    ({"dmax": -1.0}, "non-negative dmax"),
])
def test_bad_renorm_clipping_is_refused_clearly(clipping, match):
    with pytest.raises(ValueError, match=match):
        L.BatchNormalization(renorm=True, renorm_clipping=clipping)


# ---------------------------------------------------------------------- ConvLSTM behaviour

def _loop_reference(layer, x, mask=None, training=False, initial_state=None):
    """The generic step loop of `RNN` over the same cell (the fused path's reference)."""
    states = layer._initial_states(x, initial_state)
    last, sequence, states = layer._loop(x, states, mask, training)
    return (sequence if layer.return_sequences else last), states


@pytest.mark.parametrize("make, shape", [
    (lambda: L.ConvLSTM1D(3, 3, padding="same", return_sequences=True, go_backwards=True), (2, 5, 6, 2)),
    (lambda: L.ConvLSTM2D(2, (2, 3), strides=(2, 1), padding="same", return_sequences=True), (2, 4, 5, 5, 3)),
    (lambda: L.ConvLSTM2D(2, 2, dilation_rate=2, data_format="channels_first"), (2, 4, 3, 6, 5)),
    (lambda: L.ConvLSTM3D(2, 2, padding="same", return_sequences=True, go_backwards=True), (1, 3, 3, 4, 3, 2)),
])
def test_fused_path_equals_cell_loop_with_masks_and_dropout(make, shape):
    layer = make()
    x = torch.randn(*shape)
    layer(x)
    mask = torch.ones(shape[:2], dtype=torch.bool)
    mask[-1, 1] = False
    mask[0, -1] = False
    fused = layer(x, mask=mask)
    reference, _ = _loop_reference(layer, x, mask)
    torch.testing.assert_close(fused, reference, atol=1e-6, rtol=0)
    dropping = make()
    dropping.cell.dropout, dropping.cell.recurrent_dropout = 0.4, 0.3
    dropping(x)
    dropping.set_weights(layer.get_weights())
    torch.manual_seed(0)
    fused = dropping(x, mask=mask, training=True)
    torch.manual_seed(0)
    reference, _ = _loop_reference(dropping, x, mask, training=True)
    torch.testing.assert_close(fused, reference, atol=1e-6, rtol=0)
    assert not torch.allclose(fused, layer(x, mask=mask))


def test_stateful_layer_carries_states_between_calls():
    layer = L.ConvLSTM1D(2, 3, padding="same", stateful=True, return_state=True)
    x = torch.randn(2, 6, 5, 2)
    full = L.ConvLSTM1D(2, 3, padding="same", return_state=True)
    full(x)
    layer(x[:, :3])
    layer.set_weights(full.get_weights())
    layer.reset_states()
    layer(x[:, :3])
    out, h, c = layer(x[:, 3:])
    want, wh, wc = full(x)
    torch.testing.assert_close(out, want, atol=1e-6, rtol=0)
    torch.testing.assert_close(c, wc, atol=1e-6, rtol=0)
    layer.reset_states()
    torch.testing.assert_close(layer(x[:, 3:])[0], full(x[:, 3:])[0], atol=1e-6, rtol=0)


def test_weights_config_and_gradients():
    layer = L.ConvLSTM2D(4, (3, 2), padding="same", return_sequences=True, activity_regularizer="l2",
                         unroll=True, seed=3)
    x = torch.randn(2, 3, 5, 4, 2, requires_grad=True)
    mask = torch.tensor([[True, True, False], [True, False, True]])
    layer(x, mask=mask).sum().backward()
    assert [tuple(w.shape) for w in layer.get_weights()] == [(3, 2, 2, 16), (3, 2, 4, 16), (16,)]
    assert [w.path for w in layer.weights] == ["conv_lstm_cell/kernel", "conv_lstm_cell/recurrent_kernel",
                                               "conv_lstm_cell/bias"]
    np.testing.assert_array_equal(layer.get_weights()[2][4:8], np.ones(4))  # unit_forget_bias
    assert all(w.grad is not None for w in layer.trainable_weights) and x.grad is not None
    config = layer.get_config()
    assert config["seed"] == 3 and config["activity_regularizer"]["class_name"] == "L2"
    assert config["unroll"] is True and config["kernel_size"] == (3, 2)
    again = L.ConvLSTM2D.from_config(config)
    assert again.get_config() == config
    assert layer.filters == 4 and layer.padding == "same" and layer.recurrent_dropout == 0.0


# Keras 3.15's ConvLSTM2D(4, 3).get_config() keys, in order.
KERAS_CONFIG_KEYS = [
    "name", "trainable", "dtype", "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
    "zero_output_for_mask", "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
    "activation", "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
    "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
    "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
    "recurrent_dropout", "seed"]


def test_config_keys_are_keras():
    assert list(L.ConvLSTM2D(4, 3).get_config()) == KERAS_CONFIG_KEYS
    names = list(inspect.signature(L.ConvLSTM3D.__init__).parameters)[1:-1]
    assert names[:3] == ["filters", "kernel_size", "strides"] and names[-4:] == [
        "return_sequences", "return_state", "go_backwards", "stateful"]


def test_convlstm_output_shapes_in_functional_models():
    x = keras.Input((None, 8, 8, 3))
    out, h, c = L.ConvLSTM2D(5, 3, strides=2, return_state=True)(x)
    assert tuple(out.shape) == (None, 3, 3, 5) == tuple(h.shape) == tuple(c.shape)
    seq = L.ConvLSTM1D(2, 3, return_sequences=True, data_format="channels_first")(keras.Input((4, 3, 9)))
    assert tuple(seq.shape) == (None, 4, 2, 7)


@pytest.mark.parametrize("make, match", [
    (lambda: L.ConvLSTM2D(2, 3, strides=2, dilation_rate=2), "strides > 1.*dilation_rate > 1"),
    (lambda: L.ConvLSTM1D(2, 3, padding="causal"), "padding.*'valid', 'same'"),
    (lambda: L.ConvLSTM3D(0, 3), "filters.*strictly positive"),
    (lambda: L.ConvLSTM2D(2, (3, 3, 3)), "kernel_size.*tuple of 2 ints"),
    (lambda: L.ConvLSTM2D(2, 3, dropout=1.5), "dropout.*between 0 and 1"),
    (lambda: ConvLSTMCell(4, 2, 3), "rank.*1, 2 or 3"),
])
def test_bad_convlstm_arguments_are_refused_clearly(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_convlstm_inputs_are_refused_clearly():
    with pytest.raises(ValueError, match="ConvLSTM2D.*rank 5"):
        L.ConvLSTM2D(2, 3)(torch.randn(2, 3, 5, 5))
    with pytest.raises(ValueError, match="kernel_size=.*larger than the spatial input shape"):
        L.ConvLSTM1D(2, 5)(torch.randn(2, 3, 4, 1))


def test_mixed_precision_policy_keeps_states_in_the_compute_dtype():
    layer = L.ConvLSTM2D(2, 3, padding="same", dtype="mixed_bfloat16", return_state=True)
    outs = layer(torch.randn(2, 3, 5, 5, 2))
    assert [o.dtype for o in outs] == [torch.bfloat16] * 3
    assert layer.cell.kernel.dtype == torch.float32
