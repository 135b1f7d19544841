"""The intra-op thread count of `fit`/`evaluate`/`predict` on CPU, chosen from the work and the machine.

Why: torch's parallel regions wait for every one of their threads. When another process keeps
one core busy, a region run with as many threads as cores waits for a descheduled thread at
every op, and a small model's step gets 10-20x slower; with one thread fewer it does not.

How (`ThreadPolicy`), cheapest evidence first, so that no slow trial is paid where it is not needed:
1. What the work needs: the run's first step is counted with torch's FLOP counter (once per
   model and kind of run; before that, 6 x parameters x batch estimates it). A step under
   `TINY_STEP_FLOPS` (the seed MLP: ~2 MFLOP) is all framework overhead: one thread, no trial.
2. What the machine gives: the next steps (~0.2 s) run with torch's default count while the CPU
   time of *other* processes is read from `/proc/stat` (all CPU time of the cores this process
   may use, minus this process's own). Enough idle cores for the default count: keep it.
3. Only on a busy machine (or where `/proc/stat` cannot be read): time each candidate count for a
   few steps, taking turns, and keep the fastest (`ThreadChooser`); a candidate whose step takes
   far longer than the best seen is dropped at that step.
4. Afterwards the step time is watched; when it drifts (another program started or stopped),
   step 2 runs again.

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
import sys
import time

import torch

__all__ = ["set_num_threads", "num_threads", "ThreadChooser", "ThreadPolicy", "LoadProbe", "thread_scope",
           "TINY_STEP_FLOPS", "last_choice"]

# Below this many floating-point operations per step (forward + backward + update), a step is all
# framework overhead (~0.2 ms): a second thread only adds synchronisation, and beside a busy core it
# adds waits of whole scheduler slices. The seed MLP (batch 32) is ~2 MFLOP; the seed CNN ~2 GFLOP.
TINY_STEP_FLOPS = 20e6

_SETTING = "LAMINA_NUM_THREADS"
# The count torch had when lamina was imported: a different count later means the user called
# torch.set_num_threads (lamina only changes it inside a run and restores it after).
_COUNT_AT_IMPORT = torch.get_num_threads()
_configured = None  # None: follow LAMINA_NUM_THREADS; "auto" or an int: set_num_threads
_active = False  # a run is choosing; nested runs (callbacks calling evaluate) leave the count alone
_last = None  # what the last automatic run chose, as its verbose line says it


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


def last_choice():
    """What the last `fit`/`evaluate`/`predict` with the automatic choice chose and why (the line
    `verbose` prints), or None. For benchmarks and logs.

    Example:
        >>> model.fit(x, y, verbose=0); lamina.trainers.threads.last_choice()
        'intra-op threads: 1 (a tiny step (2.02 MFLOP) gains nothing from more threads)'
    """
    return _last


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
    dropped (it pays for the switch). The fastest median wins; `prefer` (default: the first
    candidate) keeps the place unless another is faster by `margin`. A step slower than `give_up`
    times the best step of another candidate (twice that for a block's first step) drops its
    candidate at once: beside a busy core the default count can cost 50x a step, and the trial
    must not cost what it is there to avoid. Then the median of the last
    `window` steps is compared with the winner's trial median: off by more than `drift` either
    way (slower: the machine got busier; faster: it got freer), the trial runs again.

    Args:
        candidates: thread counts to try, the default first.
        rounds, block, window, drift, margin, give_up: as above.
        prefer: the count kept on a tie (within `margin`).

    Example:
        >>> chooser = ThreadChooser([2, 1])
        >>> for seconds in step_times: torch.set_num_threads(chooser.count); chooser.record(seconds)
    """

    def __init__(self, candidates, rounds=3, block=3, window=32, drift=1.6, margin=0.05, give_up=3.0, prefer=None):
        if block < 2:
            raise ValueError(f"ThreadChooser: block must be at least 2 (its first step is dropped); received {block}.")
        self.candidates = list(dict.fromkeys(candidates))
        self.prefer = self.candidates[0] if prefer is None else prefer
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
            first_of_block = self._position == 0 or self._plan[self._position - 1] != count
            if not first_of_block:
                self._samples[count].append(seconds)
            self._position += 1
            others = [s for c, samples in self._samples.items() if c != count for s in samples]
            limit = self.give_up * (2 if first_of_block else 1) * min(others) if others else None
            if limit is not None and seconds > limit and len(self._alive) > 1:
                # Far slower than another count already is: stop trying this one now.
                self._alive.remove(count)
                self._samples[count].append(seconds)  # its median says why it lost
                self._plan = self._plan[:self._position] + [c for c in self._plan[self._position:] if c != count]
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
        default = self.prefer
        best = min((c for c in self._alive if c in self.medians), key=self.medians.get)
        if default in self.medians and self.medians[best] > self.medians[default] * (1 - self.margin):
            best = default
        self.chosen, self.reference = best, self.medians[best]
        self.trials += 1

    def describe(self) -> str:
        timing = ", ".join(f"{c}: {m * 1e3:.3g} ms" for c, m in sorted(self.medians.items()))
        return f"intra-op threads: {self.chosen} (measured median step time per count: {timing})"




class LoadProbe:
    """How many of this process's cores other processes kept busy over a window of time.

    Reads the busy and total CPU time of the cores in this process's affinity set from
    `/proc/stat` at `start()` and `others()`, and subtracts this process's own CPU time
    (`time.process_time`, all its threads): what remains is the other processes' load, in cores.
    Ticks are 10 ms, so a window of ~0.2 s is needed for a figure within ~0.1 core.

    Example:
        >>> probe = LoadProbe.create()
        >>> probe.start(); ...; probe.others()   # e.g. 1.02 beside one spinning process
    """

    def __init__(self, read_stat, own_time, clock):
        self._read, self._own, self._clock = read_stat, own_time, clock
        self._start = None

    @classmethod
    def create(cls, clock=time.perf_counter):
        """A probe of this machine, or None where `/proc/stat` cannot be read (not Linux)."""
        try:
            cpus = sorted(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            cpus = None
        try:
            ticks = os.sysconf("SC_CLK_TCK")
        except (AttributeError, ValueError, OSError):
            return None
        wanted = None if cpus is None else {f"cpu{c}" for c in cpus}

        def read_stat():
            busy = 0
            with open("/proc/stat") as stat:
                for line in stat:
                    if not line.startswith("cpu") or line.startswith("cpu "):
                        continue
                    fields = line.split()
                    if wanted is not None and fields[0] not in wanted:
                        continue
                    values = [int(v) for v in fields[1:9]]
                    busy += sum(values) - values[3] - values[4]  # all but idle and iowait
            return busy / ticks

        # No trial read here: `create` runs at every fit/evaluate/predict call, and most runs (tiny
        # steps, or one decided before any probe) never read the load. The first read is `start()`'s.
        if not os.access("/proc/stat", os.R_OK):
            return None
        return cls(read_stat, time.process_time, clock)

    def start(self):
        """Opens the window; returns False where `/proc/stat` could not be read or parsed."""
        try:
            self._start = (self._read(), self._own(), self._clock())
        except (OSError, ValueError, IndexError):
            self._start = None
            return False
        return True

    def others(self):
        """Cores kept busy by other processes since `start()` (0.0 or more)."""
        busy0, own0, wall0 = self._start
        busy, own, wall = self._read(), self._own(), self._clock()
        if wall <= wall0:
            return 0.0
        return max(0.0, (busy - busy0 - (own - own0)) / (wall - wall0))


class ThreadPolicy:
    """The thread count of each step of one run (see the module docstring for the steps).

    Drive it like `ThreadChooser`: read `count` before a step, `record(seconds)` after it (the
    run's first step is not recorded: it builds and warms up), and call `set_flops(flops)` once
    the first step's work is known (None: unknown).

    Args:
        default: torch's count for the process (and the most tried).
        cores: the CPUs this process may use.
        probe: a `LoadProbe` (or None: the machine's load is unknown, measure the candidates).
        estimate: a first guess of the step's FLOPs (before they are counted), or None.
        probe_seconds: how long the load is measured before deciding.

    Example:
        >>> policy = ThreadPolicy(default=2, cores=2, probe=LoadProbe.create(), estimate=2e6)
        >>> policy.count   # a tiny step: 1 from the start
        1
    """

    def __init__(self, default, cores, probe, estimate=None, probe_seconds=0.2, window=32, drift=1.6,
                 tiny=TINY_STEP_FLOPS, chooser_args=None):
        self.default, self.cores, self.probe = default, cores, probe
        self.probe_seconds, self.window, self.drift, self.tiny = probe_seconds, window, drift, tiny
        self.chooser_args = chooser_args or {}
        self.flops = None
        self.estimate = estimate
        self.others = None  # the other processes' load last measured, in cores
        self.reason = None
        self.chooser = None
        self.reference = None
        self.rechecks = 0
        self.chosen = 1 if default == 1 or (estimate is not None and estimate < tiny) else None
        self._phase = "first"
        self._count = 1 if self.chosen == 1 else default
        self._times = []

    @property
    def count(self) -> int:
        if self._phase == "trial":
            return self.chooser.count
        return self._count

    @property
    def deciding(self) -> bool:
        return self._phase in ("first", "probe", "trial")

    def set_flops(self, flops):
        """The first step's FLOPs (None: not countable); decides at once for tiny steps."""
        if flops is None and self.estimate is not None:  # not countable (e.g. compiled): the estimate
            flops = self.estimate
        self.flops = flops
        if self.default == 1:
            self._fix(1, "torch's count is 1")
        elif flops is not None and flops < self.tiny:
            self._fix(1, f"a tiny step ({flops / 1e6:.3g} MFLOP) gains nothing from more threads")
        else:
            self._start_probe(self.default)

    def _fix(self, count, reason):
        self.chosen, self._count, self.reason, self._phase = count, count, reason, "fixed"

    def _start_probe(self, count):
        self._count, self._times = count, []
        # No probe, or one that cannot read the machine's load: measure the candidates instead.
        if self.probe is None or self.probe.start() is False:
            self._start_trial()
            return
        self._phase = "probe"

    def _start_trial(self):
        candidates = [1, self.default] + ([self.default // 2] if self.default >= 4 else [])
        self.chooser = ThreadChooser(candidates, prefer=self.default, **self.chooser_args)
        self._phase = "trial"

    def record(self, seconds) -> None:
        if self._phase == "first":  # no set_flops: the work is unknown
            self.set_flops(None)
            if self._phase == "fixed":
                return
        if self._phase == "fixed":
            return
        if self._phase == "trial":
            self.chooser.record(seconds)
            if not self.chooser.deciding:
                self.chosen, self.reference = self.chooser.chosen, self.chooser.reference
                self._count = self.chosen
                self.reason = "fastest in a trial on a busy machine" + (
                    f" (other processes used {self.others:.1f} of {self.cores} cores)" if self.others is not None else "")
                self._phase, self._times = "watch", []
            return
        self._times.append(seconds)
        if self._phase == "probe":
            if sum(self._times) >= self.probe_seconds and len(self._times) >= 3:
                self.others = self.probe.others()
                free = self.cores - self.others
                if free >= self._count - 0.5:
                    self.chosen, self.reference = self._count, statistics.median(self._times)
                    self.reason = (f"other processes used {self.others:.1f} of {self.cores} cores, "
                                   f"leaving enough for {self._count}")
                    self._phase, self._times = "watch", []
                else:
                    self._start_trial()
            return
        if len(self._times) >= self.window:  # watch: re-check the machine when the step time drifts
            median = statistics.median(self._times)
            self._times = []
            if median > self.reference * self.drift or median * self.drift < self.reference:
                self.rechecks += 1
                self._start_probe(self.default if self.chosen == self.default else self.chosen)

    def describe(self) -> str:
        if self.chosen is None:  # the run ended while measuring
            return f"intra-op threads: {self.count} (the run ended before the choice was made; still measuring)"
        text = f"intra-op threads: {self.chosen} ({self.reason}"
        if self.chooser is not None and self.chooser.medians:
            timing = ", ".join(f"{c}: {m * 1e3:.3g} ms" for c, m in sorted(self.chooser.medians.items()))
            text += f"; measured median step time per count: {timing}"
        return text + ")"


def _rows(batch):
    """The number of samples in a batch `(x, y, sample_weight)` (None when it has no tensor)."""
    stack = [batch]
    while stack:
        item = stack.pop(0)
        if isinstance(item, torch.Tensor):
            return item.shape[0] if item.dim() else None
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return None


class _Pacer:
    """Sets the thread count before each batch and times the steps; `wrap` the loop's batches.

    The run's first step is counted with torch's FLOP counter (dispatch-level, the step's result
    is unchanged) unless the model's FLOPs per sample for this kind of run are already known.
    """

    def __init__(self, policy, clock, model, kind):
        self.chooser, self.clock, self.model, self.kind = policy, clock, model, kind

    def _known_flops(self, rows):
        known = getattr(self.model, "__dict__", {}).get("_lamina_flops_per_sample", {}).get(self.kind)
        return None if known is None or rows is None else known * rows

    def wrap(self, batches):
        policy, clock = self.chooser, self.clock
        iterator = iter(batches)
        first = True
        while True:
            count = policy.count
            if torch.get_num_threads() != count:
                torch.set_num_threads(count)
            start = clock()
            try:
                batch = next(iterator)
            except StopIteration:
                return
            if not first:
                yield batch  # the step runs here
                policy.record(clock() - start)
                continue
            first = False
            rows = _rows(batch)
            known = self._known_flops(rows)
            if known is not None or self.model is None or getattr(self.model, "jit_compile", False) or not rows:
                yield batch
                policy.set_flops(known)
                continue
            counter = _flop_counter()
            if counter is None:
                yield batch
                policy.set_flops(None)
                continue
            with counter:
                yield batch
            flops = counter.get_total_flops()
            self.model.__dict__.setdefault("_lamina_flops_per_sample", {})[self.kind] = flops / rows
            policy.set_flops(flops)


def _flop_counter():
    try:
        from torch.utils.flop_counter import FlopCounterMode
    except ImportError:
        return None
    return FlopCounterMode(display=False)


class _Passthrough:
    chooser = None

    @staticmethod
    def wrap(batches):
        return batches


def _estimate(model, kind):
    """6 x trainable parameters per sample for training (forward, backward, update), 2 x for inference;
    a guess for the first step only (a convolution does far more per parameter)."""
    if model is None:
        return None
    try:
        params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    except Exception:  # noqa: BLE001 - a guess only
        return None
    return (6 if kind == "train" else 2) * params


def _say(line):
    """Prints like the progress bar: to stdout, or to the "lamina" logger when
    `keras.config.disable_interactive_logging()` is in effect."""
    from lamina.backend.config import is_interactive_logging_enabled
    from lamina.callbacks.progbar import LoggerStream

    print(line, file=sys.stdout if is_interactive_logging_enabled() else LoggerStream())


@contextlib.contextmanager
def thread_scope(device, verbose=0, clock=time.perf_counter, print_fn=_say, model=None, kind="train",
                 batch_size=None, probe="auto"):
    """The thread policy of one `fit`/`evaluate`/`predict` run; yields an object whose `wrap(batches)`
    the loops iterate over.

    Args:
        device: the model's device; only CPU models are measured (elsewhere the count is left alone).
        verbose: when not 0, a line says what was chosen and why at the end of the run.
        clock: seconds, for tests.
        model: the model (its FLOPs per sample are counted on the first step and kept on it).
        kind: "train", "test" or "predict" (FLOPs are kept per kind).
        batch_size: samples per batch, for the first step's estimate.
        probe: a `LoadProbe`, None (unknown load: measure the candidates) or "auto" (this machine's).
    """
    global _active, _last
    setting = _setting()
    if _active or setting == "user" or (setting == "auto" and getattr(device, "type", "cpu") != "cpu"):
        yield _Passthrough()
        return
    previous = torch.get_num_threads()
    _active = True
    try:
        if setting == "auto":
            default = max(1, min(previous, _cpu_count()))
            per_sample = getattr(model, "__dict__", {}).get("_lamina_flops_per_sample", {}).get(kind)
            if per_sample is None:
                per_sample = _estimate(model, kind)
            estimate = per_sample * batch_size if per_sample is not None and batch_size else None
            policy = ThreadPolicy(default, _cpu_count(), LoadProbe.create(clock) if probe == "auto" else probe,
                                  estimate)
            pacer = _Pacer(policy, clock, model, kind)
        else:
            torch.set_num_threads(setting)
            pacer = _Passthrough()
        yield pacer
        chooser = pacer.chooser
        if isinstance(chooser, ThreadPolicy):
            _last = chooser.describe()
            if verbose:
                print_fn(_last)
    finally:
        _active = False
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)
