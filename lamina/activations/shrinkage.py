"""Shrinkage activations: they pull small inputs towards zero."""

from __future__ import annotations

import torch.nn.functional as F

from lamina.activations._common import as_tensor

__all__ = ["soft_shrink", "hard_shrink", "tanh_shrink"]


def soft_shrink(x, threshold: float = 0.5):
    """`x - threshold` above `threshold`, `x + threshold` below `-threshold`, else 0.

    Args:
        x: Input tensor.
        threshold: Non-negative half-width of the zero band.

    Example:
        >>> soft_shrink(torch.tensor([-1.0, 0.2, 1.0]))
        tensor([-0.5000,  0.0000,  0.5000])
    """
    if threshold < 0:
        raise ValueError(
            f"soft_shrink: `threshold` must be non-negative (it is the half-width of the band "
            f"set to zero), received threshold={threshold}."
        )
    return F.softshrink(as_tensor(x), lambd=threshold)


def hard_shrink(x, threshold: float = 0.5):
    """`x` where `abs(x) > threshold`, 0 elsewhere.

    Args:
        x: Input tensor.
        threshold: Half-width of the zero band.

    Example:
        >>> hard_shrink(torch.tensor([-1.0, 0.2, 1.0]))
        tensor([-1.,  0.,  1.])
    """
    return F.hardshrink(as_tensor(x), lambd=threshold)


def tanh_shrink(x):
    """`x - tanh(x)`.

    Example:
        >>> tanh_shrink(torch.tensor([0.0]))
        tensor([0.])
    """
    return F.tanhshrink(as_tensor(x))
