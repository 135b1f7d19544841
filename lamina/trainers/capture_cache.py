"""Captured training steps kept on disk as AOTInductor packages, and compiled in a child process.

A captured step (capture.py) is a `make_fx` graph of aten ops. Its package is stored under a key
made of everything the compiled code depends on: the graph's code and constants, each input's
shape/stride/dtype/device, the thread count, torch's version and the CPU's instruction set. A
later process that traces the same step finds the package and loads it in milliseconds.

Where a package is missing, `jit_compile="auto"` compiles it in a child process at low priority
(`BackgroundCompile`) while the training goes on eagerly, and switches to it when it is ready; a
child still compiling when the program ends finishes its work (for the next run) and exits.

Settings (environment variables):
    LAMINA_CACHE_DIR: where packages go (default `~/.cache/lamina`; packages under
        `captured_steps/`). Delete the folder to clear it.
    LAMINA_BACKGROUND_COMPILE: `0` stops `"auto"` from starting child compiles (it then uses only
        packages already on disk, or compiles in-process when a run is long enough).
"""

import functools
import hashlib
import os
import pickle
import platform
import subprocess
import sys
import time

import torch

__all__ = ["BackgroundCompile", "background_allowed", "cache_dir", "environment", "load_package", "mark_failed",
           "package_path", "step_key"]

# A lock older than this belongs to a compile that died without cleaning up.
_STALE_LOCK_SECONDS = 30 * 60
_FORMAT = "lamina-captured-step-1"  # bump when what a package contains changes


def cache_dir():
    """The folder packages are kept in (`$LAMINA_CACHE_DIR/captured_steps`)."""
    root = os.environ.get("LAMINA_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "lamina")
    return os.path.join(root, "captured_steps")


def background_allowed():
    return os.environ.get("LAMINA_BACKGROUND_COMPILE", "1") != "0"


@functools.lru_cache(maxsize=1)
def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith(("flags", "Features")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def environment(threads):
    """What compiled code depends on besides its graph: torch's build, the machine, its CPU's
    instruction set and the thread count (strings, in a fixed order)."""
    return [torch.__version__, str(torch.version.git_version), platform.machine(), _cpu_flags(), str(threads)]


def step_key(graph, specs, threads):
    """A hex digest of what the compiled step depends on (see the module docstring)."""
    digest = hashlib.sha256()
    for part in (_FORMAT, *environment(threads), graph.code, repr(specs)):
        digest.update(part.encode())
        digest.update(b"\0")
    for name, value in sorted(graph.named_buffers()) + sorted(graph.named_parameters()):
        digest.update(name.encode())
        digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    for name in sorted(vars(graph)):  # constants make_fx stored as plain attributes
        value = getattr(graph, name)
        if isinstance(value, torch.Tensor):
            digest.update(name.encode())
            digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:40]


def package_path(key):
    return os.path.join(cache_dir(), f"{key}.pt2")


def load_package(path, device):
    """The compiled step in `path` as a function of its flat inputs (returning a list), or raises."""
    index = -1 if device.type == "cpu" else (device.index if device.index is not None else
                                             torch.cuda.current_device())
    loader = torch._C._aoti.AOTIModelPackageLoader(path, "model", True, 1, index)
    run = loader.run

    def step(*tensors):
        return run(list(tensors))

    return step


def mark_failed(key, reason):
    """Records that the package of `key` does not work here and removes it: later runs neither load
    nor compile it again (the `.failed` file says why; delete it to try again)."""
    path = package_path(key)
    try:
        with open(path + ".failed", "w") as handle:
            handle.write(reason + "\n")
    except OSError:
        pass
    _remove(path)


class BackgroundCompile:
    """One child process compiling a traced step into its package.

    Two lock files keep the machine usable: one per key (only one process compiles a given step;
    others see `"elsewhere"` and wait for its package) and one slot for the whole cache
    (`compiling.lock`: one child compile at a time on the machine, so that a test suite or a
    notebook trying many small models does not start dozens at once; the others are `"queued"`
    and start when the slot frees). A lock whose process no longer runs, or older than
    `_STALE_LOCK_SECONDS`, is taken over.

    Args:
        graph: the `make_fx` GraphModule of the step.
        specs: `(shape, stride, dtype, device)` of each input.
        key: `step_key(graph, specs, threads)`.
        threads: the intra-op thread count the step runs with.
    """

    _RETRY_EVERY = 64  # polls between attempts to start a queued compile

    def __init__(self, graph, specs, key, threads):
        self.path = package_path(key)
        self.process = None
        self.error = None
        self._graph, self._specs, self._threads = graph, specs, threads
        self._lock = self.path + ".lock"
        self._slot = os.path.join(cache_dir(), "compiling.lock")
        self._graph_file = self.path + ".graph"
        self._polls = 0
        os.makedirs(cache_dir(), exist_ok=True)
        self.state = "queued"
        self._try_start()

    def _try_start(self):
        if os.path.exists(self.path):
            self.state = "done"
            return
        if os.path.exists(self.path + ".failed"):
            self.state = "failed"
            self.error = f"compiling the step failed in an earlier run ({_read(self.path + '.failed')})"
            return
        if not _take_lock(self._lock):
            self.state = "elsewhere"
            return
        if not _take_lock(self._slot):
            _remove(self._lock)  # not holding a key we are not compiling
            self.state = "queued"
            return
        try:
            with open(self._graph_file, "wb") as handle:
                pickle.dump((self._graph, [(tuple(s), tuple(st), d, str(dev)) for s, st, d, dev in self._specs]),
                            handle)
            worker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "capture_worker.py")
            log = open(self.path + ".log", "wb")  # noqa: SIM115 - the child writes it after we return
            env = {**os.environ, "OMP_NUM_THREADS": str(self._threads), "TORCHINDUCTOR_COMPILE_THREADS": "1"}
            # A session of its own: Ctrl-C in the terminal stops the training, not the compile.
            self.process = subprocess.Popen(
                [sys.executable, worker, self._graph_file, self.path, str(self._threads), self._slot],
                stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
            log.close()
            for lock in (self._lock, self._slot):  # the child holds them now (and removes them)
                _write_pid(lock, self.process.pid)
            self.state = "running"
            self._graph = None  # written to the graph file; not kept in memory
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as error:
            self._release()
            self.state = "failed"
            self.error = f"could not start the background compile ({type(error).__name__}: {error})"

    def _release(self):
        for name in (self._lock, self._slot, self._graph_file):
            _remove(name)

    def poll(self):
        """`"running"`, `"done"` (the package is there), `"elsewhere"` (another process compiles it),
        `"queued"` (another compile has the machine's slot) or `"failed"` (`self.error` says why)."""
        if self.state == "running":
            code = self.process.poll()
            if code is None:
                return "running"
            self._release()
            if code == 0 and os.path.exists(self.path):
                self.state = "done"
            else:
                self.state = "failed"
                self.error = (f"the background compile exited with status {code}: "
                              f"{_read(self.path + '.failed')} (log: {self.path}.log)")
        elif self.state == "elsewhere":
            if os.path.exists(self.path):
                self.state = "done"
            elif os.path.exists(self.path + ".failed"):
                self.state = "failed"
                self.error = f"compiling the step failed in another process ({_read(self.path + '.failed')})"
            elif not os.path.exists(self._lock):  # the other process gave up without a package
                self.state = "queued"
        elif self.state == "queued":
            self._polls += 1
            if self._polls % self._RETRY_EVERY == 0:
                self._try_start()
        return self.state


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: alive
        return True
    return True


def _take_lock(path):
    """Creates the lock file `path` holding this process's id; takes over a stale one."""
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if not _stale(path):
                return False
            _remove(path)
            continue
        except OSError:
            return False
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        return True
    return False


def _stale(path):
    try:
        if time.time() - os.path.getmtime(path) >= _STALE_LOCK_SECONDS:
            return True
        with open(path) as handle:
            text = handle.read().strip()
    except OSError:
        return False
    return text.isdigit() and not _pid_alive(int(text))


def _write_pid(path, pid):
    try:
        with open(path, "w") as handle:
            handle.write(str(pid))
    except OSError:
        pass


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def _read(path):
    try:
        with open(path) as handle:
            return handle.read().strip()[-500:]
    except OSError:
        return "no error recorded"
