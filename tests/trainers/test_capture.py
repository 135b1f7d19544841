"""The captured training step (lamina/trainers/capture.py): same results as eager steps.

Compiling takes seconds, so only two tests compile (both the same graph: inductor's cache helps
the second). Behaviour only: no timed assertions.
"""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina.trainers import capture
from lamina.trainers.capture import Captured


def _seed_mlp(jit_compile):
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(32, activation="relu", kernel_constraint="non_neg"),
                              keras.layers.Dropout(0.3), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile=jit_compile)
    return model


def _data():
    rng = np.random.default_rng(0)
    x = rng.random((32 * 12 + 7, 20)).astype("float32")  # a smaller last batch: runs eagerly
    return x, rng.integers(0, 10, len(x))


def _fit(model):
    x, y = _data()
    keras.utils.set_random_seed(11)  # the same dropout masks and shuffles for both runs
    history = model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    return history.history, [w.copy() for w in model.get_weights()]


def test_jit_compile_true_captures_the_step_and_equals_eager_training(monkeypatch):
    monkeypatch.delenv("LAMINA_JIT_BACKEND", raising=False)
    eager_logs, eager_weights = _fit(_seed_mlp(False))
    model = _seed_mlp(True)
    logs, weights = _fit(model)
    captured = model.__dict__["_captured"]
    assert captured is not None and captured.fn is not None and captured.failed is None
    assert captured.describe() == "captured"
    # Dropout draws from torch's generator inside the compiled step too: identical masks.
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(logs[key], eager_logs[key], rtol=1e-5, atol=1e-6)
    for a, b in zip(weights, eager_weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert (weights[0] >= 0).all()  # the constraint still runs after the update
    assert model.jit_compile is True


def test_auto_captures_only_when_the_run_is_long_enough(monkeypatch):
    monkeypatch.delenv("LAMINA_JIT_BACKEND", raising=False)
    model = _seed_mlp("auto")
    assert model.jit_compile is False  # as Keras on torch: "auto" is not jit_compile=True
    _fit(model)  # 26 steps of a tiny model: far below AUTO_TRACE_SECONDS of eager time
    captured = model.__dict__["_captured"]
    assert captured.key is None and captured.fn is None and captured.describe() == "not captured"

    # Any run is "long"; no package in this session's cache and no child compiles (conftest):
    # inductor compiles in this process.
    monkeypatch.setattr(capture, "AUTO_TRACE_SECONDS", 0.0)
    monkeypatch.setattr(capture, "AUTO_MIN_SECONDS", 0.0)
    eager_logs, eager_weights = _fit(_seed_mlp(False))
    model = _seed_mlp("auto")
    logs, weights = _fit(model)
    captured = model.__dict__["_captured"]
    assert captured.fn is not None  # built after 8 measured eager steps
    assert captured.kept is not None  # compared with the eager steps and decided, either way
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(logs[key], eager_logs[key], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case, reason", [
    ("regularizer", "regularizers"),
    ("batchnorm", "non-trainable weights or buffers"),
    ("sample_weight", "sample weights"),
    ("train_step", "overrides train_step"),
])
def test_steps_that_a_trace_would_freeze_are_not_captured(case, reason):
    class Custom(keras.Sequential):
        def train_step(self, data):
            return super().train_step(data)

    layers = [keras.Input((4,)), keras.layers.Dense(3, kernel_regularizer="l2" if case == "regularizer" else None)]
    if case == "batchnorm":
        layers.append(keras.layers.BatchNormalization())
    model = (Custom if case == "train_step" else keras.Sequential)(layers + [keras.layers.Dense(1)])
    model.compile("sgd", "mse", jit_compile="auto")
    x, y = np.random.rand(16, 4).astype("float32"), np.random.rand(16, 1).astype("float32")
    sw = np.ones(16, "float32") if case == "sample_weight" else None
    model.fit(x, y, sample_weight=sw, batch_size=8, verbose=0)
    assert model.__dict__["_captured"] is None
    batch = (torch.from_numpy(x), torch.from_numpy(y), None if sw is None else torch.from_numpy(sw))
    assert reason in Captured.supports(model, *batch)


def test_optimizers_that_scale_the_loss_are_not_captured():
    for optimizer in (keras.optimizers.SGD(loss_scale_factor=8.0),
                      keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD())):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.compile(optimizer=optimizer, loss="mse")
        reason = Captured.supports(model, torch.zeros(2, 3), torch.zeros(2, 1), None)
        assert reason is not None and "scales the loss" in reason
