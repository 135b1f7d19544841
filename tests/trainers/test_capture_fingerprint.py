"""Packages found by a model's fingerprint, without a trace (lamina/trainers/capture_fingerprint.py).

No compiling here: a recorded step's traced graph stands in for its package (the loader is
patched to run it), which checks what the fingerprint path rebuilds without a trace (the input
order, the in-graph update and metrics, the prediction structure). A real package loaded by
fingerprint is checked in test_capture_cache.py. Tolerances: rtol 1e-5 / atol 1e-6.
"""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina.trainers import capture, capture_cache, capture_fingerprint
from lamina.trainers.capture import Captured
from tests.trainers._custom_metrics import CallCount


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMINA_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("LAMINA_JIT_BACKEND", raising=False)
    return tmp_path / "captured_steps"


def _model(units=16, rate=0.25, metrics=("accuracy",), optimizer="adam", outputs=1, layer=None):
    keras.utils.set_random_seed(3)
    inputs = keras.Input((6,), name="features")
    hidden = keras.layers.Dense(units, activation="relu")(inputs)
    hidden = keras.layers.Dropout(rate)(hidden)
    if layer is not None:
        hidden = layer(hidden)
    if outputs == 1:
        model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
        model.compile(optimizer, "sparse_categorical_crossentropy", metrics=list(metrics), jit_compile="auto")
    else:
        model = keras.Model(inputs, {"kind": keras.layers.Dense(3, activation="softmax", name="kind")(hidden),
                                     "score": keras.layers.Dense(1, name="score")(hidden)})
        model.compile(optimizer, {"kind": "sparse_categorical_crossentropy", "score": "mse"},
                      metrics={"kind": list(metrics)}, jit_compile="auto")
    return model


def _batch(outputs=1, batch=16):
    x, y = torch.rand(batch, 6), torch.randint(0, 3, (batch,))
    return (x, y) if outputs == 1 else (x, {"kind": y, "score": torch.rand(batch, 1)})


def _captured(model, outputs=1, batch=16):
    x, y = _batch(outputs, batch)
    model._prepare_for((x, y, None), "fit")
    return Captured(model, auto=True), x, y


def _fingerprint(model, outputs=1, batch=16):
    captured, x, y = _captured(model, outputs, batch)
    spec = captured._set_up(x, y)
    return capture_fingerprint.fingerprint(captured, captured._flat_inputs(x, y), spec)


def test_identical_models_share_a_fingerprint_and_what_changes_the_step_changes_it():
    base = _fingerprint(_model())
    assert base is not None and base == _fingerprint(_model())
    others = [_fingerprint(_model(units=8)), _fingerprint(_model(rate=0.5)),
              _fingerprint(_model(metrics=("accuracy", "sparse_top_k_categorical_accuracy"))),
              _fingerprint(_model(optimizer=keras.optimizers.AdamW(weight_decay=0.1))),
              _fingerprint(_model(), batch=8), _fingerprint(_model(outputs=2), outputs=2)]
    assert len({base, *others}) == 1 + len(others)


def test_settings_threads_and_lamina_source_are_part_of_it(monkeypatch):
    base = _fingerprint(_model())
    previous = keras.config.epsilon()
    keras.config.set_epsilon(1e-5)
    try:
        assert _fingerprint(_model()) != base
    finally:
        keras.config.set_epsilon(previous)
    threads = torch.get_num_threads()
    torch.set_num_threads(threads + 1)
    try:
        assert _fingerprint(_model()) != base
    finally:
        torch.set_num_threads(threads)
    monkeypatch.setattr(capture_fingerprint, "_lamina_source_digest", lambda: "an edited lamina")
    assert _fingerprint(_model()) != base


def _user_loss(y_true, y_pred):
    return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)


def _user_metric(y_true, y_pred):
    return keras.metrics.sparse_categorical_accuracy(y_true, y_pred)


def test_models_with_code_no_config_describes_have_no_fingerprint():
    assert _fingerprint(_model(layer=keras.layers.Lambda(lambda t: t * 2))) is None
    # A user's function in lamina's MeanMetricWrapper is traced into the graph, and no config holds its code.
    assert _fingerprint(_model(metrics=(keras.metrics.MeanMetricWrapper(_user_metric, name="mine"),))) is None
    model = _model()
    model.compile("adam", _user_loss, metrics=["accuracy"], jit_compile="auto")
    assert _fingerprint(model) is None

    class Subclassed(keras.Sequential):
        pass

    subclassed = Subclassed([keras.Input((6,)), keras.layers.Dense(3, activation="softmax")])
    subclassed.compile("adam", "sparse_categorical_crossentropy")
    assert _fingerprint(subclassed) is None
    # Custom Metric subclasses and plain metric functions stay eager (capture_metrics.py): the
    # graph does not run their code.
    assert _fingerprint(_model(metrics=("accuracy", CallCount()))) is not None
    assert _fingerprint(_model(metrics=("accuracy", _user_metric))) is not None


@pytest.mark.parametrize("outputs", [1, 2])
def test_a_step_found_by_fingerprint_runs_as_the_traced_one(outputs, cache, monkeypatch):
    x = np.random.default_rng(0).random((16 * 6, 6)).astype("float32")
    labels = np.random.default_rng(1).integers(0, 3, len(x))
    y = labels if outputs == 1 else {"kind": labels, "score": x[:, :1] * 2}

    def fit(model):
        keras.utils.set_random_seed(9)
        return model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history

    # A first process: traced during its fit (no package yet, none compiled), fingerprint recorded.
    monkeypatch.setattr(capture, "AUTO_TRACE_SECONDS", 0.0)
    first = _model(outputs=outputs, metrics=("accuracy", CallCount()))
    fit(first)
    traced = first.__dict__["_captured"]
    assert traced.traced is True and traced.fn is None
    assert not cache.exists() or not any(cache.iterdir())  # no package is coming: nothing recorded
    graph = traced.graph
    monkeypatch.setattr(capture_cache, "load_package", lambda path, device: graph)
    cache.mkdir(parents=True, exist_ok=True)
    (cache / f"{traced.package_key}.pt2").write_bytes(b"stand-in")
    assert traced.use_package()  # a package there: recorded under the model's fingerprint
    assert (cache / f"{traced._fingerprint}.json").exists()

    eager_model = _model(outputs=outputs, metrics=("accuracy", CallCount()))
    eager_model.compile(eager_model.optimizer, eager_model._compile_args["loss"],
                        metrics=eager_model._compile_args["metrics"], jit_compile=False)
    eager = fit(eager_model)
    model = _model(outputs=outputs, metrics=("accuracy", CallCount()))
    logs = fit(model)
    captured = model.__dict__["_captured"]
    assert captured.traced is False and captured.graph is None and captured.fn is graph
    assert captured.package_key == traced.package_key
    assert [e[3] for e in captured.metrics.eager_entries] == [e[3] for e in traced.metrics.eager_entries]
    assert list(logs) == list(eager)
    for key in logs:
        np.testing.assert_allclose(logs[key], eager[key], rtol=1e-5, atol=1e-6)


def test_a_missing_package_or_an_unreadable_record_means_a_trace(cache):
    traced, x, y = _captured(_model())
    assert traced.trace(x, y)
    traced._remember()
    again, x, y = _captured(_model())
    assert not again.load_by_fingerprint(x, y)  # recorded, but no package on disk
    assert again.key is None and again.fn is None
    (cache / f"{traced._fingerprint}.json").write_text("{not json")
    assert capture_fingerprint.lookup(traced._fingerprint) is None
    # A record naming anything but a package key never leads outside the cache folder.
    (cache / f"{traced._fingerprint}.json").write_text(
        '{"package": "../../elsewhere/model", "out_spec": "", "terms": 0, "metrics": null}')
    assert capture_fingerprint.lookup(traced._fingerprint) is None
