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


class _Penalized(keras.layers.Layer):
    """A custom layer calling `self.add_loss` in `call` (a tensor depending on its weights)."""

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], 4), initializer="glorot_uniform")

    def call(self, inputs):
        outputs = keras.ops.matmul(inputs, self.kernel)
        self.add_loss(0.05 * keras.ops.mean(keras.ops.square(outputs)))
        return outputs


def _add_loss_model(kind, jit_compile):
    keras.utils.set_random_seed(5)
    middle = (keras.layers.ActivityRegularization(l1=0.01) if kind == "activity"
              else _Penalized())
    layers = [keras.Input(shape=(8,)), keras.layers.Dense(4), middle, keras.layers.Dense(1)]
    model = keras.Sequential(layers)
    model.compile(optimizer="sgd", loss="mse", jit_compile=jit_compile)
    return model


def _fit_losses(model, steps=4):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8 * steps, 8)).astype("float32")
    y = rng.standard_normal((8 * steps, 1)).astype("float32")
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return history.history["loss"], model.get_weights()


@pytest.mark.parametrize("kind,full_step", [("activity", True), ("custom_add_loss", True), ("activity", False)])
def test_add_loss_terms_are_per_step_in_compiled_step(monkeypatch, kind, full_step):
    # Regression: the add_loss term of one step stayed on the layer into the next compiled step
    # ("Trying to backward through the graph a second time" at step 2), because torch.compile did
    # not replay the registration of the layer in the loss tracker. Both the whole compiled step
    # and the forward + loss fallback were affected.
    from lamina.layers.layer import _LOSS_TRACKER

    monkeypatch.setenv("LAMINA_JIT_BACKEND", "aot_eager")
    if not full_step:
        monkeypatch.setattr(jit, "full_step_blocker", lambda model: "a test says so")
    eager_loss, eager_weights = _fit_losses(_add_loss_model(kind, False))
    model = _add_loss_model(kind, True)
    if full_step:
        jit_loss, jit_weights = _fit_losses(model)
    else:
        with pytest.warns(UserWarning, match="because a test says so"):
            jit_loss, jit_weights = _fit_losses(model)
    assert model._jit_full_step is full_step  # the torch.compile path (capture.py refuses add_loss)
    assert model.__dict__.get("_captured") is None
    assert eager_loss[0] != eager_loss[1]  # it trained
    # Float rounding only: the compiled graph may reorder the reductions.
    np.testing.assert_allclose(jit_loss, eager_loss, rtol=1e-5, atol=1e-6)
    for a, b in zip(jit_weights, eager_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # The last step's term is the layer's only loss, and the tracker knows the layer (so the next
    # call clears it).
    middle = model.layers[1]
    assert len(middle.losses) == 1 and middle in _LOSS_TRACKER
