"""`compile(jit_compile=True)` where the step cannot be captured: the training step under `torch.compile`.

Where `lamina/trainers/capture.py` supports the model (the default `train_step`, no
regularizers, buffers, sample weights, ...), `jit_compile=True` captures the step there instead;
setting `LAMINA_JIT_BACKEND` to a `torch.compile` backend name selects this path for every model.

What works reliably on torch 2.x (checked on 2.13, CPU, inductor):

- The whole step is one function (zero_grad, forward, loss, `loss.backward()`,
  optimizer step, constraints) given to `torch.compile`, run with *compiled
  autograd* enabled (`torch._dynamo.config.compiled_autograd`). Dynamo does not
  make it one graph: `zero_grad`, `backward()` and parts of torch's optimizer
  bookkeeping are graph breaks. What it compiles is the forward + loss graph,
  the backward graph (captured by compiled autograd when `backward()` runs) and
  the traceable part of the update (the fused kernel stays one call). Losses
  equal eager ones up to float rounding (`tests/trainers/test_jit_step.py`).
- Speed (`bench/bench_compile.py`): on the 2-core CPU this was written on,
  compiled steps are *slower* than eager ones (seed MLP ~1.6x, residual CNN
  ~1.9x of eager; inductor picks transposed layouts for the NHWC views between
  convolutions and each call pays guard checks). That is why `jit_compile`
  defaults to eager ("auto"); measure on your hardware (GPUs are where
  inductor's fusion pays).
- Where that is not safe, only forward + loss are compiled (AOTAutograd then
  compiles their backward as well; the update runs eagerly), with a one-time
  warning saying why:
  * dynamic loss scaling (mixed_float16): the step is skipped data-dependently
    on overflow, which would split the graph on every step;
  * a distribution (DDP): DDP's gradient hooks and buckets run in the eager
    autograd engine; compiled autograd would bypass the overlap they provide;
  * a torch build without compiled autograd.

`LAMINA_JIT_BACKEND` (env) picks the `torch.compile` backend of this path (default
"inductor"; "eager"/"aot_eager" help debugging; "capture", the default of the variable,
means: capture where supported, this path with inductor elsewhere).
"""

import os
import warnings

import torch

__all__ = ["compile_train_step", "full_step_blocker"]


def full_step_blocker(model):
    """Why the whole step of `model` cannot be compiled (a sentence), or None when it can."""
    from lamina.distribution import distribution

    if getattr(model, "_loss_scaler", None) is not None or hasattr(model.optimizer, "dynamic_scale"):
        return ("dynamic loss scaling (mixed_float16 or a LossScaleOptimizer) skips optimizer steps on overflow, "
                "a data-dependent branch that would split the compiled graph every step")
    if distribution() is not None:
        return ("a lamina distribution is active: DistributedDataParallel all-reduces gradients from hooks in "
                "the eager autograd engine, which compiled autograd would bypass")
    if not hasattr(torch._dynamo.config, "compiled_autograd"):
        return f"this torch build ({torch.__version__}) has no compiled autograd to compile the backward"
    return None


def _full_step(model):
    """The eager training step as one function of the batch (what gets compiled)."""
    optimizer = model.optimizer
    constrained = model._constrained

    def step(x, y, sample_weight):
        optimizer.zero_grad(set_to_none=True)
        y_pred = model(x, training=True)
        loss = model._compute_loss(x, y, y_pred, sample_weight, training=True)
        # Keras backpropagates `optimizer.scale_loss(loss)` (`loss_scale_factor`).
        scale_loss = getattr(optimizer, "scale_loss", None)
        (scale_loss(loss) if scale_loss is not None else loss).backward()
        model._optimizer_step()
        if constrained:
            with torch.no_grad():
                for param, constraint in constrained:
                    param.copy_(constraint(param))
        return loss.detach(), y_pred

    return step


def compile_train_step(model):
    """Compiles the training step of `model` (called once, from the trainer's setup).

    Args:
        model: a compiled lamina `Model` whose optimizer and parameters are set up.

    Returns:
        `(fn, full_step)`: `fn(x, y, sample_weight) -> (loss, y_pred)`. With
        `full_step=True`, `fn` also ran backward and the optimizer update; with
        False it computed forward + loss only and the caller runs the rest.
    """
    backend = os.environ.get("LAMINA_JIT_BACKEND", "inductor")
    if backend == "capture":
        backend = "inductor"
    reason = full_step_blocker(model)
    if reason is None:
        compiled = torch.compile(_full_step(model), backend=backend)
        patch = torch._dynamo.config.patch

        def run(x, y, sample_weight):
            # Scoped, not global: other torch code in the process keeps the eager autograd engine.
            with patch(compiled_autograd=True):
                return compiled(x, y, sample_weight)

        return run, True
    warnings.warn(f"jit_compile=True on model '{model.name}': compiling forward + loss (and their backward) "
                  f"only, the optimizer update runs eagerly, because {reason}.", stacklevel=4)
    return torch.compile(model._forward_and_loss, backend=backend), False
