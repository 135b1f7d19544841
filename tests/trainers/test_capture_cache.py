"""Compiled steps on disk (lamina/trainers/capture_cache.py, capture_worker.py).

One test compiles a package in a child process (~30-60 s on 2 cores); the others work on the
cache's files without compiling. Behaviour only: no timed assertions.
"""

import os
import time

import numpy as np
import pytest
import torch

import lamina as keras
from lamina.trainers import capture, capture_cache
from lamina.trainers.capture_cache import BackgroundCompile


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMINA_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("LAMINA_JIT_BACKEND", raising=False)
    return tmp_path / "captured_steps"


def _model(jit_compile, units=16):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(units, activation="relu"),
                              keras.layers.Dropout(0.25), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile=jit_compile)
    return model


def _fit(model, epochs=2):
    rng = np.random.default_rng(0)
    x, y = rng.random((16 * 10, 6)).astype("float32"), rng.integers(0, 3, 16 * 10)
    keras.utils.set_random_seed(9)
    return model.fit(x, y, batch_size=16, epochs=epochs, verbose=0).history


def _traced(units=16, batch=16):
    """A Captured with its step traced (no compiling)."""
    model = _model("auto", units)
    x, y = torch.rand(batch, 6), torch.randint(0, 3, (batch,))
    model._prepare_for((x, y, None), "fit")  # the compiled loss, as fit sets it up
    captured = capture.Captured(model, auto=True)
    assert captured.trace(x, y)
    return captured


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


def test_the_key_names_what_the_compiled_code_depends_on(cache):
    first, again = _traced(), _traced()
    assert first.package_key == again.package_key  # a fresh, identical model: the same package
    assert _traced(units=8).package_key != first.package_key
    assert _traced(batch=8).package_key != first.package_key
    assert capture_cache.package_path(first.package_key).startswith(str(cache))


def test_a_package_compiled_in_a_child_process_is_used_by_the_next_model(cache, monkeypatch):
    eager = _fit(_model(False))
    monkeypatch.setenv("LAMINA_BACKGROUND_COMPILE", "1")
    model = _model(True)
    compiled = _fit(model)
    first = model.__dict__["_captured"]
    assert first.source == "compiled" and first.background is not None  # inductor here; a package for later
    assert first.background.process.wait(timeout=900) == 0, (cache / f"{first.package_key}.pt2.log").read_text()
    assert first.background.poll() == "done"
    # Lock, graph and log gone; the model's fingerprint points at the package (capture_fingerprint.py).
    assert sorted(p.suffix for p in cache.iterdir()) == [".json", ".pt2"]
    assert (cache / f"{first.package_key}.pt2").exists()

    # "auto" on a new model: traced once the (patched) threshold is reached, the package loaded.
    monkeypatch.setattr(capture, "AUTO_TRACE_SECONDS", 0.0)
    model = _model("auto")
    logs = _fit(model)
    captured = model.__dict__["_captured"]
    assert captured.source == "package" and captured.package_key == first.package_key
    assert captured.traced is False  # found by the model's fingerprint: no trace in this process
    assert captured.describe().startswith("captured (package from the cache, found by the model's fingerprint)")
    # Dropout draws from torch's generator in the package too: the eager run's losses.
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(compiled[key], eager[key], rtol=1e-5, atol=1e-6)
        if captured.kept:
            np.testing.assert_allclose(logs[key], eager[key], rtol=1e-5, atol=1e-6)


def test_a_failed_compile_is_remembered_and_reported(cache, monkeypatch):
    monkeypatch.setenv("LAMINA_BACKGROUND_COMPILE", "1")
    captured = _traced()
    _write(capture_cache.package_path(captured.package_key) + ".failed", "CalledProcessError: g++ not found\n")
    captured.start_background()
    assert captured.background.poll() == "failed" and captured.background.process is None
    captured._eager_times = [1.0] * 8
    captured.consider(None, None, steps_left=10)
    assert captured.describe() == ("not captured: compiling the step failed in an earlier run "
                                   "(CalledProcessError: g++ not found)")


def test_one_process_compiles_a_key_others_wait_for_its_package(cache, monkeypatch):
    monkeypatch.setenv("LAMINA_BACKGROUND_COMPILE", "1")
    captured = _traced()
    path = capture_cache.package_path(captured.package_key)
    _write(path + ".lock", str(os.getpid()))  # held by a running process
    waiting = BackgroundCompile(captured.graph, captured.specs, captured.package_key, 1)
    assert waiting.poll() == "elsewhere" and waiting.process is None
    open(path, "wb").close()  # the other process finished
    assert waiting.poll() == "done"


def test_a_stale_lock_is_taken_over(cache, monkeypatch):
    captured = _traced()
    path = capture_cache.package_path(captured.package_key)
    _write(path + ".lock", "12345")
    old = time.time() - 2 * capture_cache._STALE_LOCK_SECONDS
    os.utime(path + ".lock", (old, old))
    monkeypatch.setattr(capture_cache.subprocess, "Popen", lambda *a, **k: _Exited(0))
    job = BackgroundCompile(captured.graph, captured.specs, captured.package_key, 1)
    assert job.state == "running"
    assert job.poll() == "failed" and "status 0" in job.error  # exited without writing the package
    assert not os.path.exists(path + ".lock") and not os.path.exists(path + ".graph")


class _Exited:
    pid = 2 ** 22 + 12345  # no such process

    def __init__(self, code):
        self.code = code

    def poll(self):
        return self.code


def test_background_compiles_can_be_turned_off(cache, monkeypatch):
    monkeypatch.setenv("LAMINA_BACKGROUND_COMPILE", "0")
    captured = _traced()
    captured.start_background()
    assert captured.background is None
    assert not cache.exists() or not any(cache.iterdir())


def test_a_damaged_package_is_removed_with_a_warning(cache):
    captured = _traced()
    path = capture_cache.package_path(captured.package_key)
    _write(path, "not a zip file")
    with pytest.warns(RuntimeWarning, match="could not be loaded .* removed and the step compiled again"):
        assert captured.use_package() is False
    assert not os.path.exists(path)


@pytest.mark.parametrize("tiny_bound, started", [(20e6, True), (0.0, False)])
def test_auto_starts_a_child_compile_only_for_a_step_that_runs_on_one_thread(cache, monkeypatch, tiny_bound,
                                                                              started):
    from lamina.trainers import threads

    monkeypatch.setenv("LAMINA_BACKGROUND_COMPILE", "1")
    monkeypatch.setattr(capture, "AUTO_TRACE_SECONDS", 0.0)
    monkeypatch.setattr(threads, "TINY_STEP_FLOPS", tiny_bound)
    calls = []
    monkeypatch.setattr(capture_cache.subprocess, "Popen", lambda args, **k: calls.append(args) or _Running())
    model = _model("auto")
    _fit(model, epochs=1)
    captured = model.__dict__["_captured"]
    assert captured.fn is None  # no package, nothing compiled here
    assert bool(calls) is started
    # A bigger step is not even traced: only a fit with AUTO_MIN_SECONDS of eager steps left would be.
    assert (captured.key is not None) is started
    if started:
        assert calls[0][1].endswith("capture_worker.py") and calls[0][3] == capture_cache.package_path(
            captured.package_key)
        assert captured.describe() == "compiling in the background"
    else:
        assert captured.background is None and captured.describe() == "not captured"


class _Running:
    pid = os.getpid()

    def poll(self):
        return None


def test_one_compile_at_a_time_on_the_machine_others_queue(cache, monkeypatch):
    monkeypatch.setattr(capture_cache.subprocess, "Popen", lambda *a, **k: _Running())
    first, second = _traced(units=16), _traced(units=8)
    running = BackgroundCompile(first.graph, first.specs, first.package_key, 1)
    assert running.poll() == "running"
    queued = BackgroundCompile(second.graph, second.specs, second.package_key, 1)
    assert queued.poll() == "queued" and queued.process is None
    assert not os.path.exists(capture_cache.package_path(second.package_key) + ".lock")
    os.remove(cache / "compiling.lock")  # the running compile finished (its child removes the slot)
    for _ in range(BackgroundCompile._RETRY_EVERY):
        state = queued.poll()
    assert state == "running"


def test_a_lock_left_by_a_dead_process_is_taken_over(cache, monkeypatch):
    monkeypatch.setattr(capture_cache.subprocess, "Popen", lambda *a, **k: _Running())
    captured = _traced()
    path = capture_cache.package_path(captured.package_key)
    for lock in (path + ".lock", str(cache / "compiling.lock")):
        _write(lock, str(_Exited.pid))  # a compile whose process died
    job = BackgroundCompile(captured.graph, captured.specs, captured.package_key, 1)
    assert job.poll() == "running"
