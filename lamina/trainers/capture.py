"""The training step's forward, loss, backward (and Adam's update) captured as one compiled graph.

Why: on a small model (the seed MLP: ~2 MFLOP a step) eager torch spends nearly all of a step in
Python and per-op dispatch: ~25 module calls, ~60 kernel launches, the autograd engine's
bookkeeping. Tracing forward + loss + `torch.autograd.grad` once with `make_fx` gives one flat
graph of aten ops (the backward included, no autograd engine at run time) that inductor compiles
into one call. For Adam/AdamW the update is traced into the same graph (capture_update.py): the
values that change every step (learning rate, schedule, bias corrections) enter as a tensor so
that the trace does not freeze them; other optimizers run their own eager update on the returned
gradients. The loss trackers and lamina's own compiled metrics are updated inside the graph too
(capture_metrics.py: their state tensors are inputs updated in place); custom `Metric` subclasses
are updated eagerly from the returned predictions.

What is captured must not depend on anything a trace would freeze, so `Captured.supports(model)`
allows only: the default `train_step`, no weight regularizers, no non-trainable weights or buffers
(BatchNorm statistics, seed generators), no loss scaling, no distribution, inputs/targets that
are tensors (in any nesting), no sample weights, and no `add_loss` terms. A batch of another shape
(e.g. the last, smaller one) runs eagerly instead of compiling again. Random ops (Dropout) use
torch's own generator (`fallback_random`), so a compiled step draws the same masks as an eager one
and the losses match the eager path to float rounding (`tests/trainers/test_capture.py`).

Compiled steps are kept on disk as AOTInductor packages (capture_cache.py): a process that traces
a step compiled before loads it in milliseconds. Compiling takes seconds (10-40 s on a busy 2-core
machine), so it runs:
- `jit_compile=True`: on the first step (the package if cached, else inductor in this process,
  and a package built in a child process for the next run);
- `jit_compile="auto"` (the default): once the model's eager steps (done, and expected in this
  `fit` at the measured step time) reach `AUTO_TRACE_SECONDS`, the step is traced; a cached
  package is used at once, else, for a step small enough to run on one thread (under the thread
  chooser's `TINY_STEP_FLOPS`), one is compiled in a low-priority child process while training
  goes on eagerly on the other core, and used when ready. Where no package can come and the `fit`'s remaining eager
  steps exceed `AUTO_MIN_SECONDS`, inductor compiles in this process. The compiled step is kept
  only if its measured time beats the eager one. (Compiling in a thread was tried and dropped:
  inductor holds the GIL for most of a compile, which made the eager steps 5-20x slower.)

For a model made only of lamina's parts, a package is also found by the model's fingerprint
(capture_fingerprint.py) before any trace: at the first eligible step (`jit_compile=True`) or
the 8th (`"auto"`), with no `AUTO_TRACE_SECONDS` wait, since loading costs milliseconds. On CUDA
inputs the compiled step is replayed as one CUDA graph (capture_cuda_graph.py, `_step_fn`).
"""

import contextlib
import os
import statistics

import torch
from torch.utils import _pytree as pytree

__all__ = ["Captured", "AUTO_MIN_SECONDS", "AUTO_TRACE_SECONDS"]

# A run whose remaining eager steps take less than this gains less from compiling than compiling
# costs: the seed MLP's compile takes ~5 s on a quiet 2-core machine with inductor's cache warm
# (20+ s busy or cold) and halves its step time, so it pays after ~10-40 s of eager steps.
AUTO_MIN_SECONDS = 30.0

# Tracing a step costs ~0.1-0.15 s and loading its package from the cache ~3 ms; a compiled step of
# a small model takes about half the eager one's time. Tracing once a model's eager steps (done and
# expected in this fit) reach twice the trace's cost bounds what a trace that finds nothing can
# cost (rent-or-buy), and pays back where a package is found.
AUTO_TRACE_SECONDS = 0.3


def _cpp_wrapper():
    """Inductor's C++ wrapper (the compiled graph called without a Python wrapper function, which
    on a small graph costs as much as its kernels); `LAMINA_CAPTURE_CPP_WRAPPER=0` turns it off."""
    import os

    return os.environ.get("LAMINA_CAPTURE_CPP_WRAPPER", "1") != "0"


def _flatten(x, y):
    """The batch's tensors and their structure; the common `(tensor, tensor)` case without pytree
    (it runs every step)."""
    if type(x) is torch.Tensor and type(y) is torch.Tensor:
        return [x, y], "xy"
    return pytree.tree_flatten((x, y))


@contextlib.contextmanager
def _parameters_replaced(model, originals, replacements):
    """Every module's use of each parameter in `originals` swapped for its replacement, then put back.

    What `torch.func.functional_call` does, found through each module's `_parameters` rather than by
    attribute path: a layer's list of sub-layers (`self.blocks = [...]`) reads as a Python list, on
    which torch's path lookup fails. A parameter shared by several modules is replaced in all.
    """
    swap = {id(p): r for p, r in zip(originals, replacements)}
    slots = [(module, name, param) for module in model.modules() for name, param in module._parameters.items()
             if param is not None and id(param) in swap]
    for module, name, param in slots:
        module._parameters[name] = swap[id(param)]
    try:
        yield
    finally:
        for module, name, param in slots:
            module._parameters[name] = param


def _batch_size(x):
    from lamina.trainers.trainer import _batch_size_of

    return _batch_size_of(x)


def _all_tensors(tree):
    leaves = pytree.tree_leaves(tree)
    return bool(leaves) and all(isinstance(leaf, torch.Tensor) for leaf in leaves)


class Captured:
    """The captured forward + loss + backward of one model, per batch signature.

    Args:
        model: a lamina model set up for training (`_prepare_for` done).
        auto: `jit_compile="auto"`: capture only when `consider` says so, and keep the compiled
            step only if it is faster than the eager one.
        metrics_in_graph: update the loss trackers and lamina's own metrics inside the graph
            (capture_metrics.py); False leaves every metric to the eager path.

    Example:
        >>> captured = Captured(model)          # after model._prepare_for(batch, "fit")
        >>> loss, y_pred = captured.run(x, y)   # gradients are left in each parameter's .grad
    """

    def __init__(self, model, auto=False, metrics_in_graph=True):
        self.model = model
        self.auto = auto
        self.metrics_in_graph = metrics_in_graph
        self.metrics = None  # an InGraphMetrics: the trackers and metrics the graph updates
        self._fingerprint, self._fingerprint_tried = None, False  # capture_fingerprint.py
        self.traced = None  # whether the step was traced here (False: its package found by fingerprint)
        self._device = None
        self.batch_size = None  # of the signature compiled for (the trackers' sample count per step)
        self.cuda_graph = None  # a CudaGraphStep replaying `fn`, on CUDA (capture_cuda_graph.py)
        self.background = None  # a BackgroundCompile, once started
        self.graph = self.specs = self.package_key = self.threads = None
        self.update = None  # an InGraphAdam when the optimizer update is part of the graph
        self.update_reason = None  # else why not
        self.source = None  # "package" (loaded from the cache) or "compiled" (here)
        self._inputs = None
        self._eager_seconds = 0.0
        self._term_count = 0  # per-output losses among the graph's outputs (multi-output models)
        self._runs = 0  # compiled steps run so far (run_checked: only the first falls back)
        self.names = [n for n, p in model.named_parameters() if p.requires_grad]
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.key = None  # the batch signature compiled for
        self.fn = None  # the compiled function, once ready
        self.failed = None  # why capture was given up (a sentence), or None
        self._out_spec = None
        self._eager_times, self._captured_times = [], []
        self.kept = None  # auto: None undecided, True/False after comparing

    @staticmethod
    def supports(model, x, y, sample_weight):
        """Why the step of `model` on this batch cannot be captured (a sentence), or None."""
        from lamina.distribution import distribution
        from lamina.layers.layer import _LOSS_TRACKER
        from lamina.trainers.trainer import Trainer

        if type(model).train_step is not Trainer.train_step:
            return "the model overrides train_step"
        if getattr(model, "_regularized", None):
            return "weights have regularizers"
        if getattr(model, "_loss_scaler", None) is not None:
            return "dynamic loss scaling skips steps data-dependently"
        optimizer = getattr(model, "optimizer", None)
        if getattr(optimizer, "loss_scale_factor", None) is not None or (
                optimizer is not None and type(optimizer).scale_loss is not _base_scale_loss()):
            return "the optimizer scales the loss (loss_scale_factor or LossScaleOptimizer)"
        if distribution() is not None:
            return "a distribution is active"
        if any(not p.requires_grad for p in model.parameters()) or any(True for _ in model.buffers()):
            return "the model has non-trainable weights or buffers, which a step may update"
        if sample_weight is not None:
            return "the batch has sample weights"
        if not _all_tensors(x) or (y is not None and not _all_tensors(y)):
            return "inputs or targets are not all tensors"
        if _LOSS_TRACKER:
            return "layers add losses with add_loss"
        return None

    @staticmethod
    def signature(x, y):
        leaves, spec = _flatten(x, y)
        # Strides too: compiled code indexes memory as it was traced (a transposed batch runs eagerly).
        return spec, tuple((t.shape, t.stride(), t.dtype, t.device) for t in leaves)

    # ---------------------------------------------------------------- building

    def _step_function(self, spec, count, batch_size):
        """The step as a function of flat tensors: the parameters, (with the update in the graph)
        the optimizer's moments and this step's hyperparameters, the metric state (with metrics in
        the graph), then the batch's leaves."""
        model, update, metrics = self.model, self.update, self.metrics

        def step(*args):
            weights = args[:count]
            params = [a.detach().requires_grad_() for a in weights]
            rest = args[count:]
            if update is not None:
                slots, hyper, rest = rest[:2 * count], rest[2 * count], rest[2 * count + 1:]
            if metrics is not None:
                metric_state, rest = rest[:metrics.count()], rest[metrics.count():]
            x, y = pytree.tree_unflatten(list(rest), spec)
            with torch.enable_grad():
                with _parameters_replaced(model, self.params, params):
                    y_pred = model(x, training=True)
                loss = model._compute_loss(x, y, y_pred, None, training=True)
                grads = torch.autograd.grad(loss, params, allow_unused=True)
            grads = [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]
            pred_leaves, self._out_spec = pytree.tree_flatten(y_pred)
            # The per-output losses (`<output>_loss` logs) come out of the graph too: the eager
            # step leaves them on the compile state for the trackers, which the graph cannot do.
            terms = [t.detach() for t in model._compile_state.last_values]
            self._term_count = len(terms)
            if metrics is not None:
                self._rejected = metrics.update(list(metric_state), loss, terms, y, y_pred, batch_size)
            outputs = (loss.detach(), *terms, *[t.detach() for t in pred_leaves])
            if update is None:
                return (*outputs, *grads)
            with torch.no_grad():
                update.apply(list(weights), grads, list(slots), hyper)  # in place on the inputs
            return outputs

        return step

    def _flat_inputs(self, x, y):
        """The compiled step's inputs for this batch (see `_step_function`)."""
        weights = [p.detach() for p in self.params]
        if self.update is not None:
            weights += self.update.slots() + [self.update.hyper(self.params[0].device)]
        if self.metrics is not None:
            weights += self.metrics.tensors()
        return weights + _flatten(x, y)[0]

    def _set_up(self, x, y):
        """The optimizer update (in the graph where it can be) and the candidate in-graph metrics
        for this batch; returns the batch's pytree structure."""
        from lamina.trainers.capture_metrics import InGraphMetrics
        from lamina.trainers.capture_update import InGraphAdam
        from lamina.trainers.trackers import MeanTracker

        optimizer = getattr(self.model, "optimizer", None)
        self.update_reason = InGraphAdam.reason(optimizer, self.params) if self.params else "no parameters"
        self.update = InGraphAdam(optimizer, self.params) if self.update_reason is None else None
        state = self.model._compile_state
        self._device = self.params[0].device if self.params else pytree.tree_leaves(x)[0].device
        self.batch_size = _batch_size(x)
        in_graph = (self.metrics_in_graph and type(state.loss_tracker) is MeanTracker and
                    all(type(t) is MeanTracker for t in state.output_loss_trackers))
        self.metrics = InGraphMetrics(state, self._device) if in_graph else None
        spec = self.signature(x, y)[0]
        return pytree.tree_flatten((x, y))[1] if spec == "xy" else spec

    def load_by_fingerprint(self, x, y):
        """Loads the step's package found by the model's fingerprint (capture_fingerprint.py),
        without tracing; returns whether it did. Tried once per captured step."""
        from lamina.trainers import capture_fingerprint
        from lamina.trainers.capture_metrics import InGraphMetrics

        if self._fingerprint_tried or not self.params:
            return False
        self._fingerprint_tried = True
        spec = self._set_up(x, y)
        self._fingerprint = capture_fingerprint.fingerprint(self, self._flat_inputs(x, y), spec)
        entry = None if self._fingerprint is None else capture_fingerprint.lookup(self._fingerprint)
        if entry is None:
            return False
        if entry["metrics"] is None or self.metrics is None:
            self.metrics = None
        else:
            entries = self.model._compile_state.metric_entries
            if any(not isinstance(i, int) or not 0 <= i < len(entries) for i in entry["metrics"]):
                return False
            self.metrics = InGraphMetrics(self.model._compile_state, self._device,
                                          [entries[i] for i in entry["metrics"]])
        self.package_key, self._out_spec, self._term_count = entry["package"], entry["out_spec"], entry["terms"]
        self._inputs = self._flat_inputs(x, y)
        if not self.use_package():
            self.package_key = None
            return False
        self.key, self.traced = self.signature(x, y), False
        self.threads = torch.get_num_threads()
        return True

    def trace(self, x, y):
        """Traces the step on this batch into one graph of aten ops (`self.graph`); returns whether
        it worked (else `self.failed` says why)."""
        from lamina.layers.layer import _LOSS_TRACKER, Layer
        from lamina.trainers import capture_cache, capture_fingerprint

        spec = self._set_up(x, y)
        self.key = self.signature(x, y)
        if self._fingerprint is None and not self._fingerprint_tried:
            self._fingerprint = capture_fingerprint.fingerprint(self, self._flat_inputs(x, y), spec)
        if not self._trace_graph(x, y, spec):
            return False
        self.traced = True
        self.model._compile_state.last_values = ()  # the trace's fake values must not be logged
        if _LOSS_TRACKER:  # a layer called add_loss during the trace: its value would be frozen
            Layer._clear_losses()
            self.failed = "layers add losses with add_loss"
            return False
        self.specs = [(tuple(t.shape), tuple(t.stride()), t.dtype, str(t.device)) for t in self._inputs]
        self.threads = torch.get_num_threads()
        try:
            self.package_key = capture_cache.step_key(self.graph, self.specs, self.threads)
        except Exception:  # noqa: BLE001 - a constant that cannot be hashed: no package for this step
            self.package_key = None
        return True

    def _trace_graph(self, x, y, spec):
        """`make_fx` of the step into `self.graph`, with the trackers and metrics in the graph where
        they trace cleanly: a metric whose update fails or changes more than its state is left
        eager and the step traced again without it."""
        from torch.fx.experimental.proxy_tensor import make_fx

        from lamina.trainers.capture_metrics import InGraphMetrics

        state = self.model._compile_state
        for attempt in range(2):
            self._rejected = []
            self._inputs = self._flat_inputs(x, y)
            try:
                # Fake tensors: tracing computes nothing and draws no random numbers.
                self.graph = make_fx(self._step_function(spec, len(self.params), self.batch_size),
                                     tracing_mode="fake")(*self._inputs)
            except Exception as error:  # noqa: BLE001 - anything untraceable: stay eager, say why
                self.failed = f"tracing the step failed ({type(error).__name__}: {error})"
                return False
            if not self._rejected:
                return True
            # Rejected metrics stay eager; the others are traced again (their update is the same).
            self.metrics = InGraphMetrics(self.model._compile_state, self._device,
                                          [e for e in self.metrics.entries if all(e is not r for r in self._rejected)])
        self.failed = "tracing the step failed (metrics changed state other than their variables twice)"
        return False

    def use_package(self):
        """Loads the step's compiled package from the cache if it is there; returns whether it did."""
        from lamina.trainers import capture_cache

        if self.package_key is None:
            return False
        path = capture_cache.package_path(self.package_key)
        if not os.path.exists(path) or os.path.exists(path + ".failed"):
            return False
        try:
            self.fn = capture_cache.load_package(path, self.params[0].device if self.params else
                                                 self._inputs[0].device)
        except Exception as error:  # noqa: BLE001 - a damaged or foreign package: compile again
            self._discard(path, error)
            return False
        self.source = "package"
        self._remember()
        return True

    def _remember(self):
        """Records the package under the model's fingerprint (once a package exists or is being
        made), so that a later process finds it without tracing."""
        from lamina.trainers import capture_fingerprint

        if self.traced and self._fingerprint is not None and self.package_key is not None:
            capture_fingerprint.record(self._fingerprint, self)

    def _discard(self, path, error):
        import warnings

        warnings.warn(f"lamina: the compiled step {path} could not be loaded ({type(error).__name__}: {error}); "
                      f"it is removed and the step compiled again.", RuntimeWarning, stacklevel=4)
        try:
            os.remove(path)
        except OSError:
            pass

    def compile_in_process(self):
        """Compiles the traced graph here with inductor (seconds); a failure leaves `self.failed`."""
        from torch._inductor import config as inductor_config
        from torch._inductor.compile_fx import compile_fx

        try:
            # The random ops call torch's own generator: the same masks as the eager step.
            with inductor_config.patch(fallback_random=True, cpp_wrapper=_cpp_wrapper()):
                self.fn = compile_fx(self.graph, self._inputs)
            self.source = "compiled"
        except Exception as error:  # noqa: BLE001 - a compiler failure: stay eager, say why
            self.failed = f"compiling the step failed ({type(error).__name__}: {error})"

    def _small_step(self, x):
        """Whether the step is small enough (counted FLOPs under the thread chooser's "tiny" bound)
        that it runs on one thread, leaving the other cores to a child compile. Bigger steps keep
        every core busy, and their time is mostly compute that compiling would not shorten much:
        they get no child compile (only the in-process one past `AUTO_MIN_SECONDS`)."""
        from lamina.trainers.threads import TINY_STEP_FLOPS

        per_sample = self.model.__dict__.get("_lamina_flops_per_sample", {}).get("train")
        leaves = pytree.tree_leaves(x)
        if per_sample is None or not leaves or leaves[0].dim() == 0:
            return False
        return per_sample * leaves[0].shape[0] < TINY_STEP_FLOPS

    def start_background(self):
        """Starts compiling the step's package in a child process (once)."""
        from lamina.trainers import capture_cache

        if self.background is None and self.package_key is not None and capture_cache.background_allowed():
            self.background = capture_cache.BackgroundCompile(self.graph, self.specs, self.package_key,
                                                              self.threads)
            self._remember()

    def build(self, x, y):
        """`jit_compile=True`: traces the step and uses its package, else compiles it now (and
        packages it in the background for the next process)."""
        if self.load_by_fingerprint(x, y) or not self.trace(x, y) or self.use_package():
            return
        self.compile_in_process()
        if self.fn is not None:
            self.start_background()

    # ---------------------------------------------------------------- running

    def ready_for(self, x, y):
        """Whether the compiled step exists and was compiled for this batch's signature."""
        if self.fn is None or self.failed is not None or self.kept is False:
            return False
        if self.update is not None and not self.update.usable():
            return False
        if self.metrics is not None and not self.metrics.current():
            return False
        return self.signature(x, y) == self.key

    def run_checked(self, x, y):
        """`run`, except that a compiled step failing on its first run (a torch kernel the compiled
        code calls differently, e.g. an RNN backward) gives capture up and returns None: the caller
        runs the step eagerly. Later failures are the batch's own and propagate."""
        if self._runs:
            return self.run(x, y)
        try:
            result = self.run(x, y)
        except Exception as error:  # noqa: BLE001 - any failure of the first run: fall back, say why
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            self.failed = f"the compiled step failed on its first run ({type(error).__name__}: {first_line})"
            self.fn = None
            self.release()
            if self.source == "package":  # later runs must not load it again
                from lamina.trainers import capture_cache

                capture_cache.mark_failed(self.package_key, self.failed)
            if not self.auto:
                import warnings

                warnings.warn(f"jit_compile=True: {self.failed}; training continues eagerly.", RuntimeWarning,
                              stacklevel=4)
            return None
        self._runs += 1
        return result

    def run(self, x, y):
        """Forward, loss and backward of a batch, and the optimizer update where it is in the graph
        (else the gradients are set on the parameters for the eager update).

        Returns:
            `(loss, y_pred, updated)`: the scalar loss (detached), the predictions in the model's
            output structure, and whether the parameters were updated.
        """
        inputs = self._flat_inputs(x, y)
        outputs = self._step_fn(inputs)(*inputs)
        first = 1 + self._term_count
        if self.metrics is not None:
            self.metrics.after_step(self.batch_size)  # `ready_for`: the batch has the traced shape
        elif self._term_count:
            self.model._compile_state.last_values = list(outputs[1:first])
        if self.update is not None:
            self.update.after_step()
            return outputs[0], pytree.tree_unflatten(list(outputs[first:]), self._out_spec), True
        end = len(outputs) - len(self.params)
        for param, grad in zip(self.params, outputs[end:]):
            param.grad = grad
        return outputs[0], pytree.tree_unflatten(list(outputs[first:end]), self._out_spec), False

    def _step_fn(self, inputs):
        """`self.fn`, or its CUDA-graph replay (capture_cuda_graph.py) where the step's inputs are
        CUDA tensors: the parameters, moments and metric state are used in place, the hyperparameter
        tensor and the batch are copied into the graph's buffers."""
        from lamina.trainers.capture_cuda_graph import CudaGraphStep, cuda_graphs_allowed

        if self.cuda_graph is not None:
            if self.cuda_graph.fn is self.fn:
                return self.cuda_graph
            self.release()  # the compiled step was replaced (e.g. its package arrived)
        if not inputs[0].is_cuda or not cuda_graphs_allowed(inputs):
            return self.fn
        mutated, per_step = self.input_roles(len(inputs))
        self.cuda_graph = CudaGraphStep(self.fn, mutated=mutated, per_step=per_step)
        return self.cuda_graph

    def input_roles(self, count):
        """`(mutated, per_step)`: the positions, among the step's `count` inputs, of those kept in
        place from step to step (parameters, moments, metric state) and of those new every step
        (the hyperparameter tensor, the batch's leaves); see `_step_function`."""
        params = len(self.params)
        state = 3 * params if self.update is not None else params  # parameters (and both moments of each)
        hyper = [state] if self.update is not None else []
        metrics = range(state + len(hyper), state + len(hyper) + (self.metrics.count() if self.metrics else 0))
        return [*range(state), *metrics], [*hyper, *range(metrics.stop, count)]

    def release(self):
        """Frees the CUDA graph's memory pool, if a graph was captured. Kept between `fit` calls
        otherwise (the next fit replays the same graph); freed with the model too."""
        if self.cuda_graph is not None:
            self.cuda_graph.release()
            self.cuda_graph = None

    # ---------------------------------------------------------------- auto

    def note_eager(self, seconds):
        self._eager_times = (self._eager_times + [seconds])[-32:]
        self._eager_seconds += seconds

    def note_captured(self, seconds, trial=16):
        """Records a compiled step's time; after `trial` steps keeps the compiled step only if faster."""
        if self.kept is not None:
            return
        self._captured_times.append(seconds)
        if len(self._captured_times) >= trial and len(self._eager_times) >= trial // 2:
            eager = statistics.median(self._eager_times)
            self.kept = statistics.median(self._captured_times[trial // 4:]) < eager

    def consider(self, x, y, steps_left):
        """`jit_compile="auto"`, after an eager step: trace, load, compile or keep waiting.

        For a small step (`_small_step`), once this model's eager steps so far plus the
        `steps_left` of the current `fit` at the measured step time reach `AUTO_TRACE_SECONDS`,
        the step is traced and its package loaded if the cache has it, else compiled in a child
        process (the eager steps go on) and loaded when ready. A bigger step is traced only when
        the fit's remaining eager steps exceed `AUTO_MIN_SECONDS` (a package is used if there is
        one). Past `AUTO_MIN_SECONDS` of steps still to run, compiling
        in this process pays by itself, so that is done when no package is coming.
        """
        if self.failed is not None or self.fn is not None or len(self._eager_times) < 8:
            return
        if self.key is None and self.load_by_fingerprint(x, y):
            return  # no trace needed: the package is known by the model's fingerprint
        remaining = steps_left * statistics.median(self._eager_times)
        if self.key is None:
            # Bigger steps (mostly compute, no child compile for them) are traced only where an
            # in-process compile would pay anyway: a trace costs ~0.2 s that a short fit never earns back.
            small = self._small_step(x)
            if (remaining + self._eager_seconds < AUTO_TRACE_SECONDS) if small else (remaining < AUTO_MIN_SECONDS):
                return
            if not self.trace(x, y) or self.use_package():
                return
            if small:
                self.start_background()
        if self.background is not None:
            state = self.background.poll()
            if state == "done":
                self.use_package()
                return
            if state == "failed":
                self.failed = self.background.error
                return
            if state in ("running", "elsewhere", "queued") and remaining < AUTO_MIN_SECONDS:
                return
        if remaining >= AUTO_MIN_SECONDS and self.signature(x, y) == self.key:
            self.compile_in_process()

    def describe(self):
        if self.failed is not None:
            return f"not captured: {self.failed}"
        if self.fn is None:
            if self.background is not None and self.background.state in ("running", "elsewhere"):
                return "compiling in the background"
            if self.background is not None and self.background.state == "queued":
                return "waiting to compile in the background (another compile has the machine's slot)"
            return "compiling" if self.key is not None and not self.auto else "not captured"
        how = "captured" + ({"package": " (package from the cache)"}.get(self.source, "") if self.traced is not False
                            else " (package from the cache, found by the model's fingerprint)")
        if not self.auto:
            return how
        return {None: f"{how}, being compared with eager steps", True: f"{how}, faster than eager",
                False: "captured but slower than eager: eager steps kept"}[self.kept]


def _base_scale_loss():
    from lamina.optimizers.optimizer import Optimizer

    return Optimizer.scale_loss
