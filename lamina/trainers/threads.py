"""The intra-op thread count of `fit`/`evaluate`/`predict` on CPU, chosen by measuring.

Why: torch's parallel regions wait for every one of their threads. When another process keeps
one core busy, a region run with as many threads as cores waits for a descheduled thread at
every op, and a small model's step gets 10-20x slower; with one thread fewer it does not. No
count is right everywhere, so the loops time the first steps with each candidate count
(taking turns, so machine noise hits them alike), keep the fastest, and measure again when the
step time drifts (another program started or stopped).

What the user set always wins, and then nothing here changes the count:
- `lamina.config.set_num_threads(n)` or the environment variable `LAMINA_NUM_THREADS=n`
  (`"auto"` or unset: measure); the count is set for the run and restored after;
- `OMP_NUM_THREADS` or `MKL_NUM_THREADS` in the environment, or `torch.set_num_threads` called
  after lamina was imported (the count differs from the one seen at import): left alone.

The process's count is restored when the run ends; runs nested in a callback leave it alone.

Example:
    >>> lamina.config.set_num_threads(1)   # pin; or LAMINA_NUM_THREADS=1
    >>> lamina.config.set_num_threads("auto")
"""

import contextlib
import os
import statistics
import time

import torch

__all__ = ["set_num_threads", "num_threads", "ThreadChooser", "thread_scope"]

_SETTING = "LAMINA_NUM_THREADS"
# The count torch had when lamina was imported: a different count later means the user called
# torch.set_num_threads (lamina only changes it inside a run and restores it after).
_COUNT_AT_IMPORT = torch.get_num_threads()
_configured = None  # None: follow LAMINA_NUM_THREADS; "auto" or an int: set_num_threads
_active = False  # a run is choosing; nested runs (callbacks calling evaluate) leave the count alone


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _validate(value, setting):
    """'auto' or an int in 1..cores; an error naming `setting` otherwise."""
    cores = _cpu_count()
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "auto":
            return "auto"
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{setting}={value!r} is not valid: expected 'auto' or a whole number of threads "
                             f"from 1 to {cores} (the CPUs this process may use).") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{setting}={value!r} is not valid: expected 'auto' or a whole number of threads "
                         f"from 1 to {cores}.")
    if not 1 <= value <= cores:
        raise ValueError(f"{setting}={value} is not valid: the number of threads must be from 1 to {cores} "
                         f"(the CPUs this process may use); use 'auto' to let lamina measure.")
    return value


def set_num_threads(value="auto") -> None:
    """Sets the intra-op thread count used by `fit`/`evaluate`/`predict` on CPU.

    Args:
        value: `"auto"` (measure the candidate counts during the first steps and keep the
            fastest; the default), an int from 1 to the number of CPUs (pin), or None (follow
            the environment variable `LAMINA_NUM_THREADS`).

    Example:
        >>> lamina.config.set_num_threads(2)
    """
    global _configured
    _configured = None if value is None else _validate(value, "set_num_threads")


def num_threads():
    """The setting: `"auto"`, a pinned int, or `"user"` when the user fixed torch's count another way."""
    return _setting()


def _setting():
    if _configured is not None:
        return _configured
    env = os.environ.get(_SETTING)
    if env is not None and env.strip():
        return _validate(env, _SETTING)
    if os.environ.get("OMP_NUM_THREADS") or os.environ.get("MKL_NUM_THREADS"):
        return "user"
    if torch.get_num_threads() != _COUNT_AT_IMPORT:
        return "user"
    return "auto"


class ThreadChooser:
    """Chooses among candidate thread counts by timing steps; re-checks when the step time drifts.

    Feed it the duration of every step with `record(seconds)`; set `count` before each step.
    Trial: `rounds` rounds; in each, every candidate runs `block` steps, the first of which is
    dropped (it pays for the switch). The fastest median wins; the first candidate (torch's
    default) keeps the place unless another is faster by `margin`. Then the median of the last
    `window` steps is compared with the winner's trial median: off by more than `drift` either
    way (slower: the machine got busier; faster: it got freer), the trial runs again.

    Args:
        candidates: thread counts to try, the default first.
        rounds, block, window, drift, margin: as above.

    Example:
        >>> chooser = ThreadChooser([2, 1])
        >>> for seconds in step_times: torch.set_num_threads(chooser.count); chooser.record(seconds)
    """

    def __init__(self, candidates, rounds=3, block=3, window=32, drift=1.6, margin=0.05, give_up=3.0):
        if block < 2:
            raise ValueError(f"ThreadChooser: block must be at least 2 (its first step is dropped); received {block}.")
        self.candidates = list(dict.fromkeys(candidates))
        self.rounds, self.block, self.window, self.drift, self.margin = rounds, block, window, drift, margin
        self.give_up = give_up
        self.chosen = None
        self.reference = None
        self.trials = 0  # completed trials (1 + re-checks)
        self.medians = {}
        self._start_trial()

    def _start_trial(self):
        self._samples = {c: [] for c in self.candidates}
        self._alive = list(self.candidates)
        self._round = 0
        self._plan = self._round_plan()
        self._position = 0
        self._recent = []

    def _round_plan(self):
        return [c for c in self._alive for _ in range(self.block)]

    @property
    def deciding(self) -> bool:
        return self._position < len(self._plan)

    @property
    def count(self) -> int:
        """The thread count for the next step."""
        if self.deciding:
            return self._plan[self._position]
        return self.chosen

    def record(self, seconds) -> None:
        """The duration of the step just run with `count` threads."""
        if self.deciding:
            count = self._plan[self._position]
            first_of_block = self._position % self.block == 0
            if not first_of_block:
                self._samples[count].append(seconds)
            self._position += 1
            if not self.deciding:
                self._end_round()
            return
        self._recent.append(seconds)
        if len(self._recent) >= self.window:
            median = statistics.median(self._recent)
            self._recent = []
            if median > self.reference * self.drift or median * self.drift < self.reference:
                self._start_trial()

    def _end_round(self):
        self._round += 1
        medians = {c: statistics.median(self._samples[c]) for c in self._alive if self._samples[c]}
        if medians:
            # A count far slower than the best (e.g. 50x beside a busy core) is not tried again:
            # the trial itself must not cost what it is there to avoid.
            best = min(medians.values())
            self._alive = [c for c in self._alive if c not in medians or medians[c] <= best * self.give_up]
        if self._round < self.rounds and len(self._alive) > 1:
            self._plan = self._round_plan()
            self._position = 0
        else:
            self._decide()

    def _decide(self):
        self.medians = {c: statistics.median(s) for c, s in self._samples.items() if s}
        default = self.candidates[0]
        best = min((c for c in self._alive if c in self.medians), key=self.medians.get)
        if default in self.medians and self.medians[best] > self.medians[default] * (1 - self.margin):
            best = default
        self.chosen, self.reference = best, self.medians[best]
        self.trials += 1

    def describe(self) -> str:
        timing = ", ".join(f"{c}: {m * 1e3:.3g} ms" for c, m in sorted(self.medians.items()))
        return f"intra-op threads: {self.chosen} (measured median step time per count: {timing})"


def _candidates(default):
    counts = [default, 1]
    if default >= 4:
        counts.append(default // 2)
    return counts


class _Pacer:
    """Sets the thread count before each batch and times the steps; `wrap` the loop's batches."""

    def __init__(self, chooser, clock):
        self.chooser, self.clock = chooser, clock

    def wrap(self, batches):
        chooser, clock = self.chooser, self.clock
        iterator = iter(batches)
        first = True  # the run's first step builds/warms up: never a sample
        while True:
            count = chooser.count
            if torch.get_num_threads() != count:
                torch.set_num_threads(count)
            start = clock()
            try:
                batch = next(iterator)
            except StopIteration:
                return
            yield batch  # the step runs here
            if first:
                first = False
            else:
                chooser.record(clock() - start)


class _Passthrough:
    chooser = None

    @staticmethod
    def wrap(batches):
        return batches


@contextlib.contextmanager
def thread_scope(device, verbose=0, clock=time.perf_counter, print_fn=print):
    """The thread policy of one `fit`/`evaluate`/`predict` run; yields an object whose `wrap(batches)`
    the loops iterate over.

    Args:
        device: the model's device; only CPU models are measured (elsewhere the count is left alone).
        verbose: when not 0, a line says what was chosen at the end of the run.
        clock: seconds, for tests.
    """
    global _active
    setting = _setting()
    if _active or setting == "user" or (setting == "auto" and getattr(device, "type", "cpu") != "cpu"):
        yield _Passthrough()
        return
    previous = torch.get_num_threads()
    _active = True
    try:
        if setting == "auto":
            pacer = _Pacer(ThreadChooser(_candidates(max(1, min(previous, _cpu_count())))), clock)
        else:
            torch.set_num_threads(setting)
            pacer = _Passthrough()
        yield pacer
        chooser = pacer.chooser
        if verbose and chooser is not None and chooser.chosen is not None:
            print_fn(chooser.describe())
    finally:
        _active = False
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)
