"""A captured training step replayed as one CUDA graph.

Why: on a CUDA device the compiled step (capture.py) still launches each of its kernels from the
CPU, one after another; on a small model the launches, not the kernels, set the step time. A CUDA
graph records those launches once and replays the whole step with one call.

How (`CudaGraphStep`): the compiled step is a function of flat tensors. Two kinds of inputs:

- `mutated`: inputs read (and usually updated in place) from their own storage every call: the
  trained parameters, the optimizer's moments, metric states. The graph records their addresses,
  so they must be the same tensors (same `data_ptr`, shape, stride, dtype) at every replay; when
  one is not (weights replaced by `set_weights`, an optimizer state rebuilt) the step is captured
  again; after `max_recaptures` such recaptures the graph is given up.
- `per_step`: inputs that are new tensors every call (the hyperparameter tensor, the batch's
  leaves). They are copied into static buffers allocated at capture, which the graph reads. A call
  whose per-step inputs have another shape, stride, dtype or device than at capture (the last,
  smaller batch) calls the step directly.

The first call warms the step up (a few calls on a side stream, on clones of the mutated inputs:
the warm-up applies no optimizer update to the real weights, and the random generator's state is
put back), captures it with the real tensors (capture records kernels, runs none), then replays it
once: that replay is the real step. Outputs are the graph's static output tensors, overwritten by
the next replay (`clone_outputs=True` returns copies). A capture that fails (an op that
synchronises, such as `.item()`) gives the graph up: the step is called directly from then on,
`failed` says why, and one warning is issued.

Use it only where `cuda_graphs_allowed(inputs)`: CUDA available, every input a tensor on one CUDA
device, and `LAMINA_CUDA_GRAPHS` not set to `0` (which turns CUDA graphs off).

What is verified and what is not: the tests (tests/trainers/test_capture_cuda_graph.py) run on
CPU with a stand-in for `torch.cuda.CUDAGraph` (`graph_factory`). Its capture runs the step and
then restores the input tensors and the random generator and fills the outputs with garbage (a
real capture computes nothing) and refuses `.item()`; its replay re-runs the step on the captured
tensors and writes into the captured outputs. That checks the static-buffer plumbing: replays
equal direct calls over several steps with in-place updates, also for a lamina model's step (Adam
in the graph, Dropout) both as traced and as inductor compiles it, under the input layout of
`Captured`; the warm-up leaves the real state and the generator alone; other shapes go direct;
replaced tensors are recaptured; capture failures fall back with a warning. NOT verified (the
session that wrote this had no GPU): the real `torch.cuda.CUDAGraph` path, i.e. streams, the
private memory pool, the philox offsets of random ops, inductor's CUDA kernels and AOTInductor
packages (loaded with `run_single_threaded`, which records no CUDA events) under capture, and the
speed gained. `test_a_compiled_step_replays_as_called_with_fresh_dropout_masks` runs that path with
inductor's CUDA code where CUDA is available (on CPU, the same checks through the stand-in).
"""

import os
import warnings

import torch

__all__ = ["CudaGraphStep", "MAX_RECAPTURES", "WARMUP_CALLS", "cuda_graphs_allowed", "cuda_graphs_refusal"]

# Calls before the first capture. One is enough for most code (lazy cuBLAS/cuDNN handles, kernel
# loading, an AOTInductor package's constant folding); torch's documentation warms up with 3.
WARMUP_CALLS = 3

# Recaptures because the mutated inputs were replaced by new tensors: past this many their storage
# keeps changing, and capturing (a synchronisation, a warm-up-free capture) costs more than it saves.
MAX_RECAPTURES = 3


def cuda_graphs_refusal(inputs):
    """Why the step on `inputs` should not run as a CUDA graph (a sentence), or None."""
    if os.environ.get("LAMINA_CUDA_GRAPHS", "1") == "0":
        return "LAMINA_CUDA_GRAPHS=0 turns CUDA graphs off"
    if not hasattr(torch.cuda, "CUDAGraph") or not hasattr(torch.cuda, "graph"):
        return "this torch build has no torch.cuda.CUDAGraph"
    if not torch.cuda.is_available():
        return "no CUDA device is available"
    inputs = list(inputs)
    if not inputs or not all(isinstance(t, torch.Tensor) for t in inputs):
        return "the step's inputs are not all tensors"
    devices = {t.device for t in inputs}
    if len(devices) != 1 or next(iter(devices)).type != "cuda":
        return f"the step's inputs are not all on one CUDA device (found {sorted(str(d) for d in devices)})"
    if torch.cuda.is_current_stream_capturing():
        return "a CUDA graph is being captured on this stream already"
    return None


def cuda_graphs_allowed(inputs):
    """Whether the step on `inputs` may run as a CUDA graph (see `cuda_graphs_refusal`)."""
    return cuda_graphs_refusal(inputs) is None


def _spec(t):
    return t.shape, t.stride(), t.dtype, t.device


def _dense(t):
    """Whether `t`'s elements fill its memory once each in some dimension order (what a buffer
    made by `torch.empty_strided` with its strides can hold)."""
    expected = 1
    for size, stride in sorted(zip(t.shape, t.stride()), key=lambda pair: pair[1]):
        if size == 0:
            return True
        if size != 1:
            if stride != expected:
                return False
            expected *= size
    return True


def _cause(error):
    """`Type: first line` of the error that started it: an op refused under capture raises, and
    `capture_end` then raises again about the capture being invalidated."""
    if error.__context__ is not None and "captur" in str(error).lower():
        error = error.__context__
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"


class _TorchCudaGraph:
    """`torch.cuda.CUDAGraph` behind the interface `CudaGraphStep` uses (and tests replace):
    `capture(fn, args)` runs `fn(*args)` under capture and returns its result, `replay()`, `reset()`."""

    def __init__(self, device, pool, stream):
        self.device, self.pool, self.stream = device, pool, stream
        self.graph = torch.cuda.CUDAGraph()

    def capture(self, fn, args):
        previous = torch.cuda.current_stream(self.device)
        try:
            with torch.cuda.device(self.device):
                # An explicit stream: `torch.cuda.graph`'s shared default stream belongs to the
                # device current when it was first made. "thread_local": a data-loading thread's
                # CUDA calls during the capture neither fail nor break it.
                with torch.cuda.graph(self.graph, pool=self.pool, stream=self.stream,
                                      capture_error_mode="thread_local"):
                    # Random ops: `CUDAGraph.capture_begin` registers the default CUDA generator
                    # with the graph; the kernels then read the philox seed and offset from device
                    # memory that each `replay()` advances by the offsets the capture consumed, so
                    # every replay draws fresh numbers (e.g. new Dropout masks).
                    return fn(*args)
        except BaseException:
            # `torch.cuda.graph.__exit__` skips restoring the stream when `capture_end` raises.
            torch.cuda.set_stream(previous)
            raise

    def replay(self):
        self.graph.replay()

    def reset(self):
        self.graph.reset()


class CudaGraphStep:
    """A step function `fn(*inputs) -> outputs` replayed as one CUDA graph (module docstring).

    Args:
        fn: the compiled step; returns a list or tuple of tensors (or one tensor).
        mutated: indices of the inputs that keep their storage from call to call (and that the
            step may update in place): parameters, optimizer moments, metric states.
        per_step: indices of the inputs that are new tensors each call: copied into static
            buffers. Every input index must be in exactly one of `mutated` and `per_step`.
        graph_factory: `graph_factory(device)` returns an object with `capture(fn, args)` (runs
            `fn(*args)` under capture, returns its outputs), `replay()` and `reset()`. Default:
            `torch.cuda.CUDAGraph` with this object's private memory pool. Tests pass a CPU
            stand-in.
        warmup: calls on clones of the mutated inputs before the first capture.
        clone_outputs: return copies of the graph's output tensors instead of the tensors
            themselves (which the next replay overwrites).
        max_recaptures: captures again because mutated inputs were replaced, before the graph is
            given up (`release()` followed by a capture does not count).

    Attributes:
        failed: why the graph was given up or not used (a sentence), or None.
        captures, recaptures, replays, direct_calls: counts, for tests and `describe`.

    Example:
        >>> if cuda_graphs_allowed(inputs):
        ...     step = CudaGraphStep(fn, mutated=range(n_state), per_step=range(n_state, len(inputs)))
        >>> outputs = step(*inputs)   # valid until the next call
    """

    def __init__(self, fn, mutated, per_step, graph_factory=None, warmup=WARMUP_CALLS, clone_outputs=False,
                 max_recaptures=MAX_RECAPTURES):
        self.fn = fn
        self.mutated = tuple(int(i) for i in mutated)
        self.per_step = tuple(int(i) for i in per_step)
        overlap = set(self.mutated) & set(self.per_step)
        if overlap:
            raise ValueError(f"CudaGraphStep: an input is either mutated or per-step, not both; received indices "
                             f"{sorted(overlap)} in both. Put each input index in exactly one of the two.")
        if not isinstance(warmup, int) or warmup < 0:
            raise ValueError(f"CudaGraphStep: `warmup` must be an integer >= 0 (calls before capture); "
                             f"received {warmup!r}.")
        if not isinstance(max_recaptures, int) or max_recaptures < 0:
            raise ValueError(f"CudaGraphStep: `max_recaptures` must be an integer >= 0; received {max_recaptures!r}.")
        self.warmup = warmup
        self.clone_outputs = clone_outputs
        self.max_recaptures = max_recaptures
        self._graph_factory = graph_factory if graph_factory is not None else self._torch_graph
        self._pool = self._stream = None  # the default factory's private pool and capture stream
        self.failed = None
        if os.environ.get("LAMINA_CUDA_GRAPHS", "1") == "0":
            self.failed = "LAMINA_CUDA_GRAPHS=0 turns CUDA graphs off"
        self.captures = self.recaptures = self.replays = self.direct_calls = 0
        self._warmed = False
        self._graph = None
        self._args = None  # the inputs the graph was captured with (keeps their storage alive)
        self._static = None  # per-step static buffers, in `per_step` order
        self._specs = None  # (shape, stride, dtype, device) of each per-step input at capture
        self._keys = None  # (address, shape, stride, dtype) of each mutated input at capture
        self._outputs = None

    # ---------------------------------------------------------------- calling

    def __call__(self, *inputs):
        if self.failed is not None:
            return self.fn(*inputs)
        if self._graph is None:
            return self._capture(inputs)
        per_step = self.per_step
        if len(inputs) != len(self._args) or [_spec(inputs[i]) for i in per_step] != self._specs:
            self.direct_calls += 1  # e.g. the last, smaller batch: the graph is for another shape
            return self.fn(*inputs)
        # ~0.6 us a tensor on a 2-core CPU; shape and stride too: a view of the same memory
        # (`.data = t.view(...)`) is indexed otherwise than the graph's kernels do.
        if [(t.data_ptr(), t.shape, t.stride(), t.dtype) for t in map(inputs.__getitem__, self.mutated)] \
                != self._keys:
            if self.recaptures >= self.max_recaptures:
                self._give_up(f"the parameters or optimizer/metric state were replaced by new tensors "
                              f"{self.recaptures + 1} times (each needs a new capture)")
                return self.fn(*inputs)
            self.recaptures += 1
            self._drop_graph()
            return self._capture(inputs)
        for buffer, i in zip(self._static, per_step):
            buffer.copy_(inputs[i], non_blocking=True)
        return self._replay()

    def _replay(self):
        self._graph.replay()
        self.replays += 1
        outputs = self._outputs
        if isinstance(outputs, torch.Tensor):
            return outputs.clone() if self.clone_outputs else outputs
        if self.clone_outputs:
            return type(outputs)(t.clone() if isinstance(t, torch.Tensor) else t for t in outputs)
        return outputs if isinstance(outputs, tuple) else list(outputs)  # the caller may change its list

    # ---------------------------------------------------------------- capturing

    def _check_indices(self, count):
        covered = sorted(self.mutated + self.per_step)
        if covered != list(range(count)):
            raise ValueError(f"CudaGraphStep: `mutated` and `per_step` must together name each of the step's {count} "
                             f"inputs exactly once; received mutated={list(self.mutated)}, "
                             f"per_step={list(self.per_step)}. Add the missing indices or remove the extra ones.")

    def _capture(self, inputs):
        """Warms up (first capture only), captures with the real mutated tensors and static copies
        of the per-step ones, and replays once (the real step)."""
        self._check_indices(len(inputs))
        refusal = self._refusal(inputs)
        if refusal is not None:
            self._give_up(refusal)
            return self.fn(*inputs)
        device = inputs[0].device
        try:
            static = [torch.empty_strided(inputs[i].shape, inputs[i].stride(), dtype=inputs[i].dtype, device=device)
                      for i in self.per_step]
            for buffer, i in zip(static, self.per_step):
                buffer.copy_(inputs[i], non_blocking=True)
            args = list(inputs)
            for buffer, i in zip(static, self.per_step):
                args[i] = buffer
        except Exception as error:  # noqa: BLE001 - e.g. out of memory for the buffers: call the step directly
            self._give_up(f"preparing the capture failed ({_cause(error)})")
            return self.fn(*inputs)
        if not self._warmed:
            try:
                self._warm_up(args, device)
            except Exception as error:  # noqa: BLE001 - the direct call below raises it again if it is the step's
                self._give_up(f"the step failed in its warm-up before capture ({_cause(error)})")
                return self.fn(*inputs)
            self._warmed = True
        try:
            graph = self._graph_factory(device)
            outputs = graph.capture(self.fn, args)
        except Exception as error:  # noqa: BLE001 - anything the capture refuses: call the step directly
            self._give_up(f"capturing the step failed ({_cause(error)})")
            return self.fn(*inputs)
        self._graph, self._args, self._static, self._outputs = graph, args, static, outputs
        self._specs = [_spec(inputs[i]) for i in self.per_step]
        self._keys = [(t.data_ptr(), t.shape, t.stride(), t.dtype) for t in map(inputs.__getitem__, self.mutated)]
        self.captures += 1
        return self._replay()

    def _refusal(self, inputs):
        if not all(isinstance(t, torch.Tensor) for t in inputs):
            return "the step's inputs are not all tensors"
        if len({t.device for t in inputs}) != 1:
            return "the step's inputs are on more than one device"
        for i in self.per_step:
            if not _dense(inputs[i]):
                # A static buffer with these strides could not hold the values (e.g. an expanded tensor).
                return f"per-step input {i} overlaps itself or has gaps (strides {inputs[i].stride()})"
        return None

    def _warm_up(self, args, device):
        """`self.warmup` calls on clones of the mutated inputs (the real ones keep their values),
        on a side stream where the device is CUDA (as torch requires before capturing)."""
        if not self.warmup:
            return
        clones = list(args)
        for i in self.mutated:
            clones[i] = args[i].clone(memory_format=torch.preserve_format)
        rng = _get_rng(device)
        try:
            if device.type == "cuda":
                side = torch.cuda.Stream(device)
                side.wait_stream(torch.cuda.current_stream(device))
                with torch.cuda.stream(side):
                    for _ in range(self.warmup):
                        self.fn(*clones)
                torch.cuda.current_stream(device).wait_stream(side)
            else:
                for _ in range(self.warmup):
                    self.fn(*clones)
        finally:
            _set_rng(device, rng)  # the warm-up's random draws do not shift the user's sequence

    def _torch_graph(self, device):
        if self._pool is None:
            self._pool = torch.cuda.graph_pool_handle()  # this step's private memory pool
            self._stream = torch.cuda.Stream(device)
        return _TorchCudaGraph(device, self._pool, self._stream)

    # ---------------------------------------------------------------- ending

    def _give_up(self, reason):
        self.failed = reason
        self.release()
        warnings.warn(f"lamina: the training step does not run as a CUDA graph: {reason}. Each step launches its "
                      f"kernels from the CPU instead (slower on small models, same results).", RuntimeWarning,
                      stacklevel=4)

    def _drop_graph(self):
        if self._graph is not None:
            self._graph.reset()
        self._graph = self._args = self._static = self._specs = self._keys = self._outputs = None

    def release(self):
        """Frees the graph and its static buffers (outputs already returned stay valid tensors);
        a later call captures again unless the graph was given up."""
        self._drop_graph()

    def describe(self):
        if self.failed is not None:
            return f"no CUDA graph: {self.failed}"
        if self._graph is None:
            return "CUDA graph not captured yet"
        return (f"CUDA graph ({self.captures} capture(s), {self.recaptures} for replaced tensors, {self.replays} "
                f"replays, {self.direct_calls} direct calls)")


def _get_rng(device):
    if device.type == "cuda":
        return torch.cuda.get_rng_state(device)
    if device.type == "cpu":
        return torch.get_rng_state()
    return None


def _set_rng(device, state):
    if state is None:
        return
    if device.type == "cuda":
        torch.cuda.set_rng_state(state, device)
    else:
        torch.set_rng_state(state)
