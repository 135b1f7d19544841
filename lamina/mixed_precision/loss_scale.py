"""Dynamic loss scaling for `"mixed_float16"` training (Keras `LossScaleOptimizer` semantics).

float16 gradients underflow to zero for small values. `fit` multiplies the
loss by a scale before `backward`, divides the gradients by it before the
optimizer step, skips steps whose gradients overflowed (inf/nan) and halves
the scale then, and doubles it after `growth_interval` finite steps. It works
with any optimizer (lamina or torch.optim) since it only touches `param.grad`.
"""

import torch

__all__ = ["DynamicLossScaler", "needs_loss_scaling"]


def needs_loss_scaling(model) -> bool:
    """Whether any layer of `model` computes in float16 under a mixed policy."""
    return any(getattr(m, "_dtype_policy_name", None) == "mixed_float16" for m in model.modules())


class DynamicLossScaler:
    """Scales the loss, unscales gradients and skips overflowing steps.

    Args:
        params: the trained parameters.
        step: the optimizer step function to call on finite gradients.
        initial_scale: starting scale (Keras: 2**15).
        growth_interval: finite steps before the scale doubles (Keras: 2000).
    """

    def __init__(self, params, step, initial_scale=2.0 ** 15, growth_interval=2000):
        self.params = list(params)
        self._step = step
        self.scale_value = float(initial_scale)
        self.growth_interval = int(growth_interval)
        self._good_steps = 0
        self.skipped_steps = 0

    def scale(self, loss):
        return loss * self.scale_value

    def step(self):
        """Unscales gradients; steps the optimizer unless they overflowed; updates the scale."""
        grads = [p.grad for p in self.params if p.grad is not None]
        inverse = 1.0 / self.scale_value
        finite = True
        if grads:
            torch._foreach_mul_(grads, inverse)
            # One host sync per step: the step must be skipped on overflow.
            finite = bool(torch.stack([torch.isfinite(g).all() for g in grads]).all())
        if finite:
            self._step()
            self._good_steps += 1
            if self._good_steps >= self.growth_interval:
                self.scale_value *= 2.0
                self._good_steps = 0
        else:
            self.skipped_steps += 1
            self._good_steps = 0
            self.scale_value = max(self.scale_value / 2.0, 1.0)
