"""`compile(jit_compile=True)`: the whole training step under torch.compile equals eager training."""

import numpy as np
import pytest

import lamina as keras
from lamina.trainers import jit


def _model(jit_compile):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input(shape=(8,)),
                              keras.layers.Dense(16, activation="relu", kernel_constraint="non_neg"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(learning_rate=0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=jit_compile)
    return model


def _train(model, steps=4):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 8)).astype("float32")
    y = rng.integers(0, 3, 32)
    logs = [model.train_on_batch(x, y, return_dict=True) for _ in range(steps)]
    return [d["loss"] for d in logs], [d["accuracy"] for d in logs], model.get_weights()


@pytest.mark.parametrize("backend", ["aot_eager", "inductor"])
def test_whole_step_compiled_equals_eager(monkeypatch, backend):
    monkeypatch.setenv("LAMINA_JIT_BACKEND", backend)
    eager_loss, eager_acc, eager_weights = _train(_model(False))
    model = _model(True)
    jit_loss, jit_acc, jit_weights = _train(model)
    assert model._jit_full_step is True  # forward, loss, backward and update ran in the compiled step
    assert len(set(np.round(eager_loss, 6))) > 1  # the steps did train
    np.testing.assert_allclose(jit_loss, eager_loss, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(jit_acc, eager_acc)
    for a, b in zip(jit_weights, eager_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert (jit_weights[0] >= 0).all()  # the constraint ran inside the compiled step


def test_fallback_compiles_forward_only_with_warning(monkeypatch):
    monkeypatch.setenv("LAMINA_JIT_BACKEND", "aot_eager")
    monkeypatch.setattr(jit, "full_step_blocker", lambda model: "a test says so")
    eager_loss, _, _ = _train(_model(False))
    model = _model(True)
    with pytest.warns(UserWarning, match=r"jit_compile=True on model '.*': compiling forward \+ loss \(and their backward\) only, .*"
                                         r"because a test says so"):
        jit_loss, _, _ = _train(model)
    assert model._jit_full_step is False
    np.testing.assert_allclose(jit_loss, eager_loss, rtol=1e-5, atol=1e-6)
