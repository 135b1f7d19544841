"""Keeping torch's momentum buffers equal to Keras's under a changing learning rate.

Keras folds the learning rate into the momentum (`m = mu * m - lr * g`, SGD;
`m = mu * m + lr * g / sqrt(...)`, RMSprop), torch keeps it out
(`b = mu * b + g`, then `w -= lr * b`). With a constant rate the two agree with
`m = -lr * b`. When the rate changes from `L` to `lr`, scaling every buffer by
`L / lr` first keeps `m` the same, so the torch step reproduces Keras. A step at
rate 0 cannot be expressed that way; `MomentumUnits.zero_lr_update` applies
Keras's `m = mu * m; w -= m` directly, with `L` unchanged.
"""

import torch

__all__ = ["MomentumUnits"]


class MomentumUnits:
    """Tracks the learning rate `L` in which the momentum buffers are expressed."""

    def __init__(self):
        self.buffer_lr = None

    def rescale(self, buffers, lr):
        """Re-expresses `buffers` at rate `lr` (> 0) before a torch step."""
        if self.buffer_lr is not None and self.buffer_lr != lr:
            torch._foreach_mul_(buffers, self.buffer_lr / lr)
        self.buffer_lr = lr

    def zero_lr_update(self, params, buffers, momentum, factor=1.0):
        """Keras's update at rate 0: `m *= mu`, then `w -= factor * m` (in `L` units)."""
        if self.buffer_lr is None:
            return  # no step has run at a nonzero rate yet: the buffers are zero
        torch._foreach_mul_(buffers, momentum)
        torch._foreach_add_(params, buffers, alpha=-self.buffer_lr * factor)

    def state(self):
        return {"buffer_lr": self.buffer_lr}

    def load(self, state):
        self.buffer_lr = state.get("buffer_lr")
