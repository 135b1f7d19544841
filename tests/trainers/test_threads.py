"""The intra-op thread policy of fit/evaluate/predict (lamina/trainers/threads.py).

The decision logic is driven with made-up step times (no real timing); the integration tests check
only behaviour: which count each step ran with, that a user's setting is kept, that the process's
count comes back.
"""

import numpy as np
import pytest
import torch

import lamina
from lamina.trainers import threads
from lamina.trainers.threads import ThreadChooser


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    for name in ("LAMINA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(threads, "_COUNT_AT_IMPORT", torch.get_num_threads())
    monkeypatch.setattr(threads, "_cpu_count", lambda: 4)
    before = torch.get_num_threads()
    yield
    threads.set_num_threads(None)
    torch.set_num_threads(before)


def drive(chooser, times_by_count, steps):
    """Runs `steps` steps whose duration depends on the count; returns the counts used."""
    used = []
    for step in range(steps):
        count = chooser.count
        used.append(count)
        duration = times_by_count(count, step) if callable(times_by_count) else times_by_count[count]
        chooser.record(duration)
    return used


def test_keeps_the_fastest_count_and_drops_the_first_step_of_each_block():
    chooser = ThreadChooser([2, 1], rounds=3, block=3)
    # The first step of each block pays the switch: make it huge, it must not count.
    used = drive(chooser, lambda c, s: 9.0 if s % 3 == 0 else {2: 0.002, 1: 0.001}[c], 18)
    assert used == [2, 2, 2, 1, 1, 1] * 3
    assert chooser.chosen == 1 and not chooser.deciding and chooser.trials == 1
    assert chooser.medians == {2: 0.002, 1: 0.001}
    assert drive(chooser, {2: 0.004, 1: 0.001}, 5) == [1] * 5


def test_default_wins_ties_within_the_margin():
    chooser = ThreadChooser([2, 1], margin=0.05)
    drive(chooser, {2: 0.0100, 1: 0.0097}, 18)
    assert chooser.chosen == 2
    chooser = ThreadChooser([2, 1], margin=0.05)
    drive(chooser, {2: 0.0100, 1: 0.0090}, 18)
    assert chooser.chosen == 1


def test_a_far_slower_count_is_not_tried_again():
    chooser = ThreadChooser([2, 1], rounds=3, block=3, give_up=3.0)
    used = drive(chooser, {2: 0.028, 1: 0.0014}, 6)
    assert used == [2, 2, 2, 1, 1, 1]
    assert chooser.chosen == 1 and not chooser.deciding  # one round was enough


def test_rechecks_when_the_step_time_drifts_either_way():
    chooser = ThreadChooser([2, 1], window=4, drift=1.5)
    drive(chooser, {2: 0.004, 1: 0.001}, 18)
    assert chooser.chosen == 1
    drive(chooser, {2: 0.004, 1: 0.0012}, 4)  # within the drift: no new trial
    assert not chooser.deciding
    drive(chooser, {2: 0.004, 1: 0.010}, 4)  # the machine got busier
    assert chooser.deciding
    drive(chooser, {2: 0.004, 1: 0.010}, 18)
    assert chooser.chosen == 2 and chooser.trials == 2
    drive(chooser, {2: 0.001, 1: 0.010}, 4)  # now freer
    assert chooser.deciding


def test_block_below_two_is_an_error():
    with pytest.raises(ValueError, match="block must be at least 2"):
        ThreadChooser([2, 1], block=1)


class FakeClock:
    """Each step with 2 threads takes 5 units, with 1 thread 1 unit."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        self.now += {1: 1.0, 2: 5.0}.get(torch.get_num_threads(), 3.0) / 2  # two reads per step
        return self.now


def small_model():
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(3), lamina.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def test_scope_chooses_with_a_fake_clock_and_restores_the_count(capsys):
    torch.set_num_threads(2)
    threads._COUNT_AT_IMPORT = 2
    seen = []
    with threads.thread_scope(torch.device("cpu"), verbose=1, clock=FakeClock()) as pacer:
        for _ in pacer.wrap(range(40)):
            seen.append(torch.get_num_threads())
    assert seen[:7] == [2, 2, 2, 2, 1, 1, 1]  # the run's first step is a warm-up, then the trial
    assert set(seen[10:]) == {1}
    assert torch.get_num_threads() == 2
    assert "intra-op threads: 1" in capsys.readouterr().out


@pytest.mark.parametrize("how", ["config", "env"])
def test_a_lamina_setting_pins_the_count_for_the_run_and_restores_after(monkeypatch, how):
    torch.set_num_threads(2)
    threads._COUNT_AT_IMPORT = 2
    if how == "config":
        lamina.config.set_num_threads(1)
    else:
        monkeypatch.setenv("LAMINA_NUM_THREADS", "1")
    seen = []
    model = small_model()
    model.fit(np.ones((64, 4)), np.ones((64, 1)), batch_size=2, verbose=0,
              callbacks=[lamina.callbacks.LambdaCallback(on_batch_end=lambda b, l: seen.append(torch.get_num_threads()))])
    assert set(seen) == {1}
    assert torch.get_num_threads() == 2


def test_a_count_set_with_torch_or_omp_is_left_alone(monkeypatch):
    threads._COUNT_AT_IMPORT = 2
    torch.set_num_threads(1)  # the user's own call after importing lamina
    assert lamina.config.num_threads() == "user"
    seen = []
    small_model().fit(np.ones((64, 4)), np.ones((64, 1)), batch_size=2, verbose=0, callbacks=[
        lamina.callbacks.LambdaCallback(on_batch_end=lambda b, l: seen.append(torch.get_num_threads()))])
    assert set(seen) == {1} and torch.get_num_threads() == 1
    torch.set_num_threads(2)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert lamina.config.num_threads() == "user"


def test_auto_fit_evaluate_predict_restore_the_process_count():
    torch.set_num_threads(2)
    threads._COUNT_AT_IMPORT = 2
    model = small_model()
    x, y = np.random.rand(200, 4), np.random.rand(200, 1)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert torch.get_num_threads() == 2
    model.evaluate(x, y, batch_size=4, verbose=0)
    model.predict(x, batch_size=4, verbose=0)
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize("value", [0, -1, 5, "many", 1.5, True])
def test_settings_that_make_no_sense_are_errors_naming_the_setting(monkeypatch, value):
    with pytest.raises(ValueError, match="set_num_threads=.*not valid"):
        lamina.config.set_num_threads(value)
    monkeypatch.setenv("LAMINA_NUM_THREADS", str(value))
    with pytest.raises(ValueError, match="LAMINA_NUM_THREADS=.*not valid"):
        small_model().fit(np.ones((4, 4)), np.ones((4, 1)), verbose=0)
