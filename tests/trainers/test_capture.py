"""The captured training step (lamina/trainers/capture.py): same results as eager steps.

Compiling takes seconds, so only two tests compile (both the same graph: inductor's cache helps
the second). Behaviour only: no timed assertions.
"""

import os

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
    assert captured.update is not None  # Adam's update is part of the compiled step
    assert int(model.optimizer.iterations) == 2 * 13  # every step counted, captured or eager
    # Dropout draws from torch's generator inside the compiled step too: identical masks.
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(logs[key], eager_logs[key], rtol=1e-5, atol=1e-6)
    for a, b in zip(weights, eager_weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert (weights[0] >= 0).all()  # the constraint still runs after the update
    # Compiled code reads memory as traced: a batch with other strides runs eagerly.
    labels = torch.zeros(32, dtype=torch.int64)
    assert captured.ready_for(torch.rand(32, 20), labels)
    assert not captured.ready_for(torch.rand(20, 32).t(), labels)
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


def test_adamw_with_a_schedule_and_excluded_weights_updates_inside_the_graph_as_eagerly(monkeypatch):
    monkeypatch.delenv("LAMINA_JIT_BACKEND", raising=False)

    def run(jit_compile):
        keras.utils.set_random_seed(2)
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(7, activation="tanh"),
                                  keras.layers.Dense(1)])
        schedule = keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=3, decay_rate=0.5)
        optimizer = keras.optimizers.AdamW(learning_rate=schedule, weight_decay=0.1, beta_1=0.8)
        optimizer.exclude_from_weight_decay(var_names=["bias"])
        model.compile(optimizer, "mse", jit_compile=jit_compile)
        rng = np.random.default_rng(1)
        x, y = rng.random((8 * 6, 5)).astype("float32"), rng.random((8 * 6, 1)).astype("float32")
        history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
        return model, history

    eager_model, eager = run(False)
    model, compiled = run(True)
    assert model.__dict__["_captured"].update is not None
    np.testing.assert_allclose(compiled["loss"], eager["loss"], rtol=1e-5)
    for a, b in zip(model.get_weights(), eager_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    state, eager_state = model.optimizer.torch_optimizer.state, eager_model.optimizer.torch_optimizer.state
    for p, q in zip(model.optimizer._params, eager_model.optimizer._params):
        torch.testing.assert_close(state[p]["exp_avg_sq"], eager_state[q]["exp_avg_sq"], rtol=1e-5, atol=1e-8)
        assert float(state[p]["step"]) == float(eager_state[q]["step"]) == 12.0


def test_other_optimizers_keep_their_eager_update_after_the_captured_backward():
    from lamina.trainers.capture_update import InGraphAdam

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    for optimizer, reason in ((keras.optimizers.SGD(), "only Adam and AdamW"),
                              (keras.optimizers.Adam(clipnorm=1.0), "gradient clipping"),
                              (keras.optimizers.Adam(amsgrad=True), "amsgrad")):
        optimizer.build(list(model.parameters()))
        assert reason in InGraphAdam.reason(optimizer, list(model.parameters()))


def _raises(*args):
    raise RuntimeError("Expected a proper Tensor but got None for argument #22 'workspace'")


def test_a_compiled_step_failing_on_its_first_run_falls_back_to_eager_with_a_warning(monkeypatch):
    monkeypatch.delenv("LAMINA_JIT_BACKEND", raising=False)
    monkeypatch.setattr(Captured, "compile_in_process", lambda self: setattr(self, "fn", _raises))
    eager_logs, eager_weights = _fit(_seed_mlp(False))
    model = _seed_mlp(True)
    with pytest.warns(RuntimeWarning, match=r"jit_compile=True: the compiled step failed on its first run "
                                            r"\(RuntimeError: Expected a proper Tensor.*training continues eagerly"):
        logs, weights = _fit(model)
    assert model.__dict__["_captured"].describe().startswith("not captured: the compiled step failed")
    np.testing.assert_allclose(logs["loss"], eager_logs["loss"], rtol=1e-6)  # nothing was half-applied
    for a, b in zip(weights, eager_weights):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_a_package_failing_on_its_first_run_is_not_loaded_again(tmp_path, monkeypatch):
    from lamina.trainers import capture_cache

    monkeypatch.setenv("LAMINA_CACHE_DIR", str(tmp_path))
    model = _seed_mlp("auto")
    x, y = torch.rand(32, 20), torch.randint(0, 10, (32,))
    model._prepare_for((x, y, None), "fit")
    captured = Captured(model, auto=True)
    assert captured.trace(x, y)
    path = capture_cache.package_path(captured.package_key)
    os.makedirs(os.path.dirname(path), exist_ok=True)  # the trace recorded the model's fingerprint there
    open(path, "wb").close()
    captured.fn, captured.source = _raises, "package"
    assert captured.run_checked(x, y) is None and captured.fn is None
    assert not os.path.exists(path) and "failed on its first run" in open(path + ".failed").read()
    assert captured.use_package() is False


def test_tracing_a_step_leaves_no_fake_tensor_in_layer_caches():
    from torch._subclasses.fake_tensor import FakeTensor

    # The LSTM keeps a zero hidden bias between calls; kept from the trace, it broke every later
    # eager step ("Please convert all Tensors to FakeTensors first").
    model = keras.Sequential([keras.Input((6,), dtype="int32"), keras.layers.Embedding(20, 4),
                              keras.layers.LSTM(5, use_bias=True), keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = torch.randint(0, 20, (8, 6)), torch.randint(0, 2, (8,))
    model.fit(x.numpy(), y.numpy(), batch_size=8, verbose=0)
    captured = Captured(model, auto=True)
    assert captured.trace(x, y)
    kept = [v for layer in model.modules() for v in vars(layer).values() if isinstance(v, torch.Tensor)]
    assert not any(isinstance(v, FakeTensor) for v in kept)
    model.fit(x.numpy(), y.numpy(), batch_size=8, verbose=0)  # eager steps after the trace


def test_a_two_output_model_logs_its_per_output_losses_from_the_captured_step(monkeypatch):
    monkeypatch.delenv("LAMINA_JIT_BACKEND", raising=False)
    rng = np.random.default_rng(0)
    x = rng.random((64, 4)).astype("float32")
    y = {"score": rng.random((64, 1)).astype("float32"), "kind": rng.integers(0, 3, 64)}

    def run(jit_compile):
        keras.utils.set_random_seed(1)
        inputs = keras.Input((4,), name="features")
        hidden = keras.layers.Dense(5, activation="relu")(inputs)
        model = keras.Model(inputs, {"score": keras.layers.Dense(1, name="score")(hidden),
                                     "kind": keras.layers.Dense(3, activation="softmax", name="kind")(hidden)})
        model.compile("adam", loss={"score": "mse", "kind": "sparse_categorical_crossentropy"},
                      metrics={"kind": ["accuracy"]}, jit_compile=jit_compile)
        return model, model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history

    _, eager = run(False)
    model, compiled = run(True)
    assert model.__dict__["_captured"].describe() == "captured"
    assert set(compiled) == {"loss", "score_loss", "kind_loss", "kind_accuracy"}
    for key in compiled:
        np.testing.assert_allclose(compiled[key], eager[key], rtol=1e-5)


class ListedBlocks(keras.Model):
    """Sub-layers in a list: the captured step swaps the parameters in each module's own table
    (torch.func.functional_call's path walk fails on the list)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [keras.layers.Dense(16, activation="relu"), keras.layers.Dense(16, activation="relu")]
        self.out = keras.layers.Dense(5, activation="softmax")

    def call(self, x):
        for block in self.blocks:
            x = block(x)
        return self.out(x)


def test_a_model_with_a_list_of_sub_layers_is_captured_and_trains_as_eagerly(monkeypatch):
    monkeypatch.delenv("LAMINA_JIT_BACKEND", raising=False)
    # The traced graph stands in for the compiled step (what is checked is what was traced).
    monkeypatch.setattr(Captured, "compile_in_process", lambda self: setattr(self, "fn", self.graph))

    def fit(jit):
        keras.utils.set_random_seed(1)
        model = ListedBlocks()
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile=jit)
        rng = np.random.default_rng(0)
        x, y = rng.standard_normal((32 * 4, 12)).astype("float32"), rng.integers(0, 5, 32 * 4)
        return model, model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history

    _, eager = fit(False)
    model, captured_logs = fit(True)
    assert model.__dict__["_captured"].describe() == "captured"
    for key in eager:
        np.testing.assert_allclose(captured_logs[key], eager[key], rtol=1e-5, atol=1e-6)
