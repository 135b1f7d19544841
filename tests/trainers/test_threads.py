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
    # The first step of each block pays the switch: make it slow (not slow enough to drop the count),
    # it must not count.
    used = drive(chooser, lambda c, s: 0.005 if s % 3 == 0 else {2: 0.002, 1: 0.001}[c], 18)
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
    # No load probe (as where /proc/stat cannot be read) and no model: the counts are measured.
    with threads.thread_scope(torch.device("cpu"), verbose=1, clock=FakeClock(), probe=None) as pacer:
        for _ in pacer.wrap(range(40)):
            seen.append(torch.get_num_threads())
    # The run's first step is a warm-up, then 1 thread, then 2 threads until a step of 2 is more
    # than 3x the best of 1 (a block's first step has twice the slack: it pays for the switch).
    assert seen[:7] == [2, 1, 1, 1, 2, 2, 1]
    assert set(seen[6:]) == {1}
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


def test_a_count_far_slower_than_the_best_is_dropped_at_its_first_slow_step():
    chooser = ThreadChooser([1, 2], prefer=2, rounds=3, block=3, give_up=3.0)
    used = drive(chooser, {1: 0.001, 2: 0.176}, 8)
    # 2 threads: its first step is over 2 x 3 x the best step of 1: dropped after one step.
    assert used == [1, 1, 1, 2, 1, 1, 1, 1]
    assert chooser.chosen == 1 and chooser.trials == 1


class FakeProbe:
    """A load probe reporting a fixed load of other processes."""

    def __init__(self, others):
        self.load, self.starts = others, 0

    def start(self):
        self.starts += 1

    def others(self):
        return self.load


def test_a_tiny_step_runs_with_one_thread_from_the_start_without_a_trial():
    policy = threads.ThreadPolicy(default=2, cores=2, probe=FakeProbe(1.0), estimate=2e6)
    assert policy.count == 1  # the estimate already says tiny: even the first step
    policy.set_flops(2.1e6)
    assert drive(policy, {1: 0.001, 2: 0.001}, 50) == [1] * 50
    assert policy.chooser is None and "tiny step" in policy.describe()


def test_counted_flops_override_a_small_estimate():
    probe = FakeProbe(0.0)
    policy = threads.ThreadPolicy(default=2, cores=2, probe=probe, estimate=1e6)  # few parameters...
    policy.set_flops(2e9)  # ...but a convolution's worth of work
    assert policy.count == 2 and probe.starts == 1


def test_an_idle_machine_keeps_the_default_count_without_a_trial():
    policy = threads.ThreadPolicy(default=2, cores=2, probe=FakeProbe(0.1), probe_seconds=0.1)
    policy.set_flops(2e9)
    used = drive(policy, {1: 0.06, 2: 0.03}, 20)
    assert used == [2] * 20 and policy.chooser is None and policy.chosen == 2
    assert "leaving enough for 2" in policy.describe()


def test_a_busy_machine_measures_the_counts():
    policy = threads.ThreadPolicy(default=2, cores=2, probe=FakeProbe(1.0), probe_seconds=0.1)
    policy.set_flops(2e9)
    used = drive(policy, {1: 0.03, 2: 0.06}, 30)
    assert used[:4] == [2, 2, 2, 1]  # the probe's 0.1 s at the default count, then the trial
    assert policy.chosen == 1 and set(used[-5:]) == {1}
    assert "busy machine" in policy.describe() and "1.0 of 2 cores" in policy.describe()


def test_a_drifting_step_time_checks_the_machine_again():
    probe = FakeProbe(0.0)
    policy = threads.ThreadPolicy(default=2, cores=2, probe=probe, probe_seconds=0.1, window=4)
    policy.set_flops(2e9)
    drive(policy, {1: 0.06, 2: 0.03}, 8)
    assert policy.chosen == 2 and probe.starts == 1
    probe.load = 1.0
    drive(policy, {1: 0.06, 2: 0.30}, 4)  # another program started
    assert probe.starts == 2 and policy.rechecks == 1 and policy.deciding


def test_fit_counts_the_flops_once_and_keeps_results_equal_to_a_pinned_run():
    torch.set_num_threads(2)
    threads._COUNT_AT_IMPORT = 2
    x, y = np.random.RandomState(0).rand(64, 4).astype("float32"), np.random.RandomState(1).rand(64, 1)
    losses = []
    for setting in ("auto", 1):
        lamina.config.set_num_threads(setting)
        lamina.utils.set_random_seed(3)
        model = small_model()
        seen = []
        history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=[
            lamina.callbacks.LambdaCallback(on_batch_end=lambda b, l: seen.append(torch.get_num_threads()))])
        losses.append(history.history["loss"])
        assert set(seen) == {1}  # tiny: one thread from the first step
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-6)
    lamina.config.set_num_threads("auto")
    model = small_model()
    model.fit(x, y, batch_size=8, verbose=0)
    # Counted on the first step and kept on the model: a few FLOPs per parameter per sample.
    assert 0 < model.__dict__["_lamina_flops_per_sample"]["train"] < 1000
    model.predict(x, batch_size=8, verbose=0)
    assert 0 < model.__dict__["_lamina_flops_per_sample"]["predict"] < 1000


def test_load_probe_subtracts_this_process_own_cpu_time():
    ticks = iter([10.0, 13.0])  # 3 s of busy CPU time on this process's cores...
    own = iter([1.0, 2.5])  # ...1.5 s of it this process's own
    clock = iter([0.0, 2.0])  # over 2 s
    probe = threads.LoadProbe(lambda: next(ticks), lambda: next(own), lambda: next(clock))
    probe.start()
    assert probe.others() == pytest.approx(0.75)  # other processes kept 0.75 cores busy


def test_load_probe_reads_this_machine_where_proc_stat_exists():
    import os

    probe = threads.LoadProbe.create()
    if not os.path.exists("/proc/stat"):
        assert probe is None
        return
    probe.start()
    sum(i * i for i in range(200_000))
    assert probe.others() >= 0.0


def test_load_probe_reads_proc_stat_only_inside_its_window(monkeypatch):
    import os

    if not os.access("/proc/stat", os.R_OK):
        assert threads.LoadProbe.create() is None
        return
    opened = []

    def counting_open(path, *args, **kwargs):
        opened.append(path)
        return open(path, *args, **kwargs)

    monkeypatch.setattr(threads, "open", counting_open, raising=False)
    probe = threads.LoadProbe.create()
    assert opened == []  # created at every run: no read until a window opens
    assert probe.start() is True
    probe.others()
    assert opened == ["/proc/stat", "/proc/stat"]


def test_a_probe_that_cannot_read_the_load_falls_back_to_the_trial():
    def unreadable():
        raise OSError("no /proc/stat here")

    probe = threads.LoadProbe(unreadable, lambda: 0.0, lambda: 0.0)
    assert probe.start() is False
    policy = threads.ThreadPolicy(default=2, cores=2, probe=probe, probe_seconds=0.1)
    policy.set_flops(1e9)
    assert policy.chooser is not None and policy.deciding  # measuring the candidates, as with no probe
