"""What every hand-written `torch.optim.Optimizer.step` here starts with: the optional closure, and
the param groups that have gradients (with Keras's step counter for formulas that need it)."""

import torch

__all__ = ["closure_loss", "groups_with_grads"]


def closure_loss(closure):
    """The loss of `closure()` computed with gradients enabled, or None without a closure."""
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


def groups_with_grads(optimizer, count_steps=False):
    """Yields `(group, params)` for each param group with at least one gradient.

    Args:
        optimizer: a `torch.optim.Optimizer`.
        count_steps: advance the group's step counter `"t"` when the optimizer runs alone; a lamina
            `Optimizer` driving it sets `"t"` itself before each step, which is left as given.
    """
    for group in optimizer.param_groups:
        params = [p for p in group["params"] if p.grad is not None]
        if not params:
            continue
        if count_steps and ("t" not in group or group.get("_auto_t", False)):
            group["_auto_t"] = True  # used alone: a per-group step counter
            group["t"] = group.get("t", 0) + 1
        yield group, params
