"""Optimizer state in `.keras` files: Keras 3's `optimizer/vars` both ways.

A Keras-written file has only `optimizer/vars` (Keras's order, layouts and units). These tests
make such files from lamina's own saves by deleting `optimizer/lamina_state`, so loading must go
through the Keras mapping alone. The same mapping was checked against real Keras 3.15 (JAX) in
both directions: a lamina file continued in Keras, and a Keras file continued in lamina, end
within 3e-7 of the uninterrupted run for every optimizer below (see CHANGELOG).
"""

import io
import warnings
import zipfile

import h5py
import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers, optimizers
from lamina.saving import CorruptFileError, load_model
from lamina.saving.optimizer_state import keras_optimizer_variables, load_optimizer_state

OPTIMIZERS = {
    "adam": lambda: optimizers.Adam(0.01),
    "adam_amsgrad": lambda: optimizers.Adam(0.01, amsgrad=True),
    "adamw": lambda: optimizers.AdamW(0.01),
    "sgd_momentum": lambda: optimizers.SGD(0.05, momentum=0.9),
    "sgd_nesterov": lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "sgd_ema": lambda: optimizers.SGD(0.05, momentum=0.9, use_ema=True),
    "rmsprop": lambda: optimizers.RMSprop(0.01),
    "rmsprop_centered_momentum": lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "nadam": lambda: optimizers.Nadam(0.01),
    "adagrad": lambda: optimizers.Adagrad(0.1),
    "adamax": lambda: optimizers.Adamax(0.01),
    "lion": lambda: optimizers.Lion(0.001),
    "adadelta": lambda: optimizers.Adadelta(1.0),
    "lamb": lambda: optimizers.Lamb(0.01),
    "accumulating": lambda: optimizers.Adam(0.01, gradient_accumulation_steps=2),
}


def _model():
    # Conv1D kernels are stored in torch layout, so their slots are permuted on the way to the file.
    inputs = keras.Input((6,))
    h = layers.Dense(5, activation="tanh")(inputs)
    h = layers.Reshape((5, 1))(h)
    h = layers.Conv1D(3, 2, use_bias=False)(h)
    h = layers.BatchNormalization()(layers.Flatten()(h))
    return keras.Model(inputs, layers.Dense(2)(h))


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(64, 6)).astype("float32"), rng.normal(size=(64, 2)).astype("float32")


def _rewrite_weights(path, out, edit):
    """Copies the archive at `path` to `out`, applying `edit(h5file)` to model.weights.h5."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    buffer = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buffer, "r+") as h5:
        edit(h5)
    members["model.weights.h5"] = buffer.getvalue()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out


def _as_keras_written(h5):
    del h5["optimizer/lamina_state"]


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_keras_layout_variables_alone_resume_training_exactly(name, tmp_path):
    x, y = _data()
    torch.manual_seed(0)
    model = _model()
    model.compile(OPTIMIZERS[name](), "mse")
    model.fit(x[:32], y[:32], batch_size=8, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "mid.keras")
    keras_file = _rewrite_weights(tmp_path / "mid.keras", tmp_path / "k.keras", _as_keras_written)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a state that was dropped must not pass silently
        loaded = load_model(keras_file)
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations)
    assert int(keras_optimizer_variables(loaded, loaded.optimizer)[0]) == 4  # Keras's raw step counter
    model.fit(x[32:], y[32:], batch_size=8, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x[32:], y[32:], batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def _tiny_dense():
    inputs = keras.Input((3,))
    return keras.Model(inputs, layers.Dense(2, name="d")(inputs))


def _one_step(model, optimizer):
    x, y = torch.ones(4, 3), torch.zeros(4, 2)
    model.compile(optimizer, "mse")
    kernel, bias = (torch.as_tensor(w) for w in model.get_weights())
    pred = x @ kernel + bias
    grad_out = 2 * pred / pred.numel()  # d mse / d pred
    grads = [(x.T @ grad_out).numpy(), grad_out.sum(0).numpy()]
    model.train_on_batch(x, y)
    return grads


def test_adam_variables_are_keras_ordered_and_valued():
    model = _tiny_dense()
    grads = _one_step(model, optimizers.Adam(0.1))
    variables = keras_optimizer_variables(model, model.optimizer)
    # Keras: iterations, learning_rate, then (momentum, velocity) per weight in trainable_weights order.
    assert [v.shape for v in variables] == [(), (), (3, 2), (3, 2), (2,), (2,)]
    assert int(variables[0]) == 1 and float(variables[1]) == pytest.approx(0.1)
    for grad, m, v in ((grads[0], variables[2], variables[3]), (grads[1], variables[4], variables[5])):
        np.testing.assert_allclose(m, 0.1 * grad, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(v, 0.001 * grad ** 2, rtol=1e-5, atol=1e-9)


def test_sgd_momentum_is_stored_in_keras_units():
    # Keras keeps m = momentum * m - lr * g; after one step from zero, m = -lr * g.
    model = _tiny_dense()
    grads = _one_step(model, optimizers.SGD(0.1, momentum=0.9))
    variables = keras_optimizer_variables(model, model.optimizer)
    np.testing.assert_allclose(variables[2], -0.1 * grads[0], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(variables[3], -0.1 * grads[1], rtol=1e-5, atol=1e-7)


def test_rmsprop_slots_follow_keras_creation_order():
    # Keras: velocities for all weights, then momentums, then average gradients.
    model = _tiny_dense()
    grads = _one_step(model, optimizers.RMSprop(0.1, momentum=0.5, centered=True, rho=0.9))
    variables = keras_optimizer_variables(model, model.optimizer)
    assert [v.shape for v in variables[2:]] == [(3, 2), (2,)] * 3
    velocity_kernel, average_grad_kernel = variables[2], variables[6]
    np.testing.assert_allclose(velocity_kernel, 0.1 * grads[0] ** 2, rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(average_grad_kernel, 0.1 * grads[0], rtol=1e-5, atol=1e-8)


def test_variables_of_another_optimizer_warn_and_start_afresh(tmp_path):
    x, y = _data()
    model = _model()
    model.compile(optimizers.Adam(0.01), "mse")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    keras_file = _rewrite_weights(tmp_path / "m.keras", tmp_path / "k.keras", _as_keras_written)
    loaded = load_model(keras_file, compile=False)
    loaded.compile(optimizers.SGD(0.05, momentum=0.9), "mse")  # Adam's variables, an SGD to fill
    with zipfile.ZipFile(keras_file) as archive:
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as h5:
            with pytest.warns(UserWarning, match=r"do not match this SGD .*starts afresh"):
                load_optimizer_state(loaded, h5, "k.keras")
    assert int(loaded.optimizer.iterations) == 0


def test_badly_numbered_keras_variables_are_refused(tmp_path):
    model = _model()
    model.compile("adam", "mse")
    model.fit(*_data(), batch_size=32, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")

    def renumber(h5):
        _as_keras_written(h5)
        h5.move("optimizer/vars/3", "optimizer/vars/x")

    bad = _rewrite_weights(tmp_path / "m.keras", tmp_path / "bad.keras", renumber)
    with pytest.raises(CorruptFileError, match="not numbered 0..n-1"):
        load_model(bad)
