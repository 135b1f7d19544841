"""The training step's forward, loss and backward captured as one compiled graph.

Why: on a small model (the seed MLP: ~2 MFLOP a step) eager torch spends nearly all of a step in
Python and per-op dispatch: ~25 module calls, ~60 kernel launches, the autograd engine's
bookkeeping. Tracing forward + loss + `torch.autograd.grad` once with `make_fx` gives one flat
graph of aten ops (the backward included, no autograd engine at run time) that inductor compiles
into one call. The optimizer update stays the model's own eager call (one fused kernel for Adam):
its learning rate, epsilon and schedule are Python values that change every step, and tracing
would freeze them. Metrics are updated eagerly from the returned outputs.

What is captured must not depend on anything a trace would freeze, so `Captured.supports(model)`
allows only: the default `train_step`, no weight regularizers, no non-trainable weights or buffers
(BatchNorm statistics, seed generators), no loss scaling, no distribution, inputs/targets that
are tensors (in any nesting), no sample weights, and no `add_loss` terms. A batch of another shape
(e.g. the last, smaller one) runs eagerly instead of compiling again. Random ops (Dropout) use
torch's own generator (`fallback_random`), so a compiled step draws the same masks as an eager one
and the losses match the eager path to float rounding (`tests/trainers/test_capture.py`).

Compiling takes seconds (10-20 s on a busy 2-core machine, cached or not), so it runs:
- `jit_compile=True`: on the first step;
- `jit_compile="auto"` (the default): only when the run's remaining eager steps (measured, times
  the steps left in `fit`) are expected to take longer than `AUTO_MIN_SECONDS`; the compiled
  step is then kept only if its measured step time beats the eager one. Compiling in a thread
  beside the eager steps was tried and dropped: inductor holds the GIL for most of a compile,
  which made the eager steps 5-20x slower for its whole duration.
"""

import statistics

import torch
from torch.utils import _pytree as pytree

__all__ = ["Captured", "AUTO_MIN_SECONDS"]

# A run whose remaining eager steps take less than this gains less from compiling than compiling
# costs: the seed MLP's compile takes ~5 s on a quiet 2-core machine with inductor's cache warm
# (20+ s busy or cold) and halves its step time, so it pays after ~10-40 s of eager steps.
AUTO_MIN_SECONDS = 30.0


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


def _all_tensors(tree):
    leaves = pytree.tree_leaves(tree)
    return bool(leaves) and all(isinstance(leaf, torch.Tensor) for leaf in leaves)


class Captured:
    """The captured forward + loss + backward of one model, per batch signature.

    Args:
        model: a lamina model set up for training (`_prepare_for` done).
        background: `jit_compile="auto"`: build only when `worth_building` says so, and keep the
            compiled step only if it is faster than the eager one.

    Example:
        >>> captured = Captured(model)          # after model._prepare_for(batch, "fit")
        >>> loss, y_pred = captured.run(x, y)   # gradients are left in each parameter's .grad
    """

    def __init__(self, model, background=False):
        self.model = model
        self.background = background
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
        return spec, tuple((t.shape, t.dtype, t.device) for t in leaves)

    # ---------------------------------------------------------------- building

    def _step_function(self, spec, count):
        model, names = self.model, self.names

        def step(*args):
            params = [a.detach().requires_grad_() for a in args[:count]]
            x, y = pytree.tree_unflatten(list(args[count:]), spec)
            with torch.enable_grad():
                y_pred = torch.func.functional_call(model, dict(zip(names, params)), (x,), {"training": True})
                loss = model._compute_loss(x, y, y_pred, None, training=True)
                grads = torch.autograd.grad(loss, params, allow_unused=True)
            grads = [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]
            pred_leaves, self._out_spec = pytree.tree_flatten(y_pred)
            return (loss.detach(), *[t.detach() for t in pred_leaves], *grads)

        return step

    def build(self, x, y):
        """Traces the step on this batch and compiles it."""
        from torch._inductor import config as inductor_config
        from torch._inductor.compile_fx import compile_fx
        from torch.fx.experimental.proxy_tensor import make_fx

        from lamina.layers.layer import _LOSS_TRACKER, Layer

        spec, shapes = self.signature(x, y)
        self.key = (spec, shapes)
        inputs = [p.detach() for p in self.params] + _flatten(x, y)[0]
        if spec == "xy":
            spec = pytree.tree_flatten((x, y))[1]
        try:
            # Fake tensors: tracing computes nothing and draws no random numbers.
            graph = make_fx(self._step_function(spec, len(self.params)), tracing_mode="fake")(*inputs)
        except Exception as error:  # noqa: BLE001 - anything untraceable: stay eager, say why
            self.failed = f"tracing the step failed ({type(error).__name__}: {error})"
            return
        if _LOSS_TRACKER:  # a layer called add_loss during the trace: its value would be frozen
            Layer._clear_losses()
            self.failed = "layers add losses with add_loss"
            return

        try:
            # The random ops call torch's own generator: the same masks as the eager step.
            with inductor_config.patch(fallback_random=True, cpp_wrapper=_cpp_wrapper()):
                self.fn = compile_fx(graph, inputs)
        except Exception as error:  # noqa: BLE001 - a compiler failure: stay eager, say why
            self.failed = f"compiling the step failed ({type(error).__name__}: {error})"

    # ---------------------------------------------------------------- running

    def ready_for(self, x, y):
        """Whether the compiled step exists and was compiled for this batch's signature."""
        if self.fn is None or self.failed is not None or self.kept is False:
            return False
        return self.signature(x, y) == self.key

    def run(self, x, y):
        """Forward, loss and backward of a batch; gradients are set on the parameters.

        Returns:
            `(loss, y_pred)`: the scalar loss (detached) and the predictions in the model's output
            structure.
        """
        outputs = self.fn(*[p.detach() for p in self.params], *_flatten(x, y)[0])
        count = len(outputs) - 1 - len(self.params)
        for param, grad in zip(self.params, outputs[1 + count:]):
            param.grad = grad
        return outputs[0], pytree.tree_unflatten(list(outputs[1:1 + count]), self._out_spec)

    # ---------------------------------------------------------------- auto

    def note_eager(self, seconds):
        self._eager_times = (self._eager_times + [seconds])[-32:]

    def note_captured(self, seconds, trial=16):
        """Records a compiled step's time; after `trial` steps keeps the compiled step only if faster."""
        if self.kept is not None:
            return
        self._captured_times.append(seconds)
        if len(self._captured_times) >= trial and len(self._eager_times) >= trial // 2:
            eager = statistics.median(self._eager_times)
            self.kept = statistics.median(self._captured_times[trial // 4:]) < eager

    def worth_building(self, steps_left, min_seconds=None):
        """auto: whether the eager steps left are expected to take longer than `min_seconds`."""
        if self.key is not None or self.failed is not None or len(self._eager_times) < 8:
            return False
        threshold = AUTO_MIN_SECONDS if min_seconds is None else min_seconds
        return steps_left * statistics.median(self._eager_times) >= threshold

    def describe(self):
        if self.failed is not None:
            return f"not captured: {self.failed}"
        if self.fn is None:
            return "compiling" if self.key is not None else "not captured"
        if not self.background:
            return "captured"
        return {None: "captured, being compared with eager steps", True: "captured (faster than eager)",
                False: "captured but slower than eager: eager steps kept"}[self.kept]


def _base_scale_loss():
    from lamina.optimizers.optimizer import Optimizer

    return Optimizer.scale_loss
