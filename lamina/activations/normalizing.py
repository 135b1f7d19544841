"""Activations computed along an axis: softmax, log-softmax, sparsemax and GLU."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lamina.activations._common import as_tensor, attach_logits

__all__ = ["softmax", "log_softmax", "sparsemax", "glu"]


def _normalize_axes(axis, ndim: int, fn: str) -> tuple[int, ...] | int:
    """An int axis stays an int (the fused-kernel path); tuples/None become a tuple."""
    if isinstance(axis, int):
        # Range errors come from torch itself; checking here would slow the hot path.
        return axis
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)) and all(isinstance(a, int) for a in axis):
        bad = [a for a in axis if not -ndim <= a < ndim]
        if bad:
            raise ValueError(
                f"{fn}: every entry of `axis` must be in [-{ndim}, {ndim}) for an input of rank "
                f"{ndim}, received axis={axis!r}."
            )
        return tuple(a % ndim for a in axis)
    raise TypeError(
        f"{fn}: `axis` must be an int, a tuple of ints or None, received {axis!r}."
    )


def softmax(x, axis=-1):
    """Softmax: `exp(x) / sum(exp(x))` along `axis`.

    In eager mode the input is recorded on the output as `_keras_logits`, so a
    categorical crossentropy loss can work from the logits (as Keras does).

    Args:
        x: Input tensor.
        axis: The axis to normalize over; a tuple of axes or `None` (all axes)
            normalizes over several at once.

    Returns:
        A tensor of the shape and dtype of `x` whose slices along `axis` sum to 1.

    Example:
        >>> softmax(torch.tensor([0.0, 0.0]))
        tensor([0.5000, 0.5000])
    """
    x = as_tensor(x)
    axes = _normalize_axes(axis, x.ndim, "softmax")
    if isinstance(axes, int):
        out = F.softmax(x, dim=axes)
    else:
        out = torch.exp(x - torch.logsumexp(x, dim=axes, keepdim=True))
        return attach_logits(out, x, "softmax", tuple(axes))
    return attach_logits(out, x, "softmax", axes)


def log_softmax(x, axis=-1):
    """`log(softmax(x))` along `axis`, computed stably.

    Args:
        x: Input tensor.
        axis: As in `softmax`.

    Example:
        >>> log_softmax(torch.tensor([0.0, 0.0]))
        tensor([-0.6931, -0.6931])
    """
    x = as_tensor(x)
    axes = _normalize_axes(axis, x.ndim, "log_softmax")
    if isinstance(axes, int):
        return F.log_softmax(x, dim=axes)
    return x - torch.logsumexp(x, dim=axes, keepdim=True)


def sparsemax(x, axis: int = -1):
    """Sparsemax (Martins & Astudillo, 2016): the Euclidean projection onto the simplex.

    `sparsemax(x) = max(x - tau, 0)` with `tau` chosen so each slice along
    `axis` sums to 1; unlike softmax, small entries become exactly zero.
    (Keras 3.15 derives `tau` from the sum of the support's cumulative sums, so
    its outputs do not sum to 1: `[1, 0.9, 0]` gives `[0.05, 0, 0]` there and
    `[0.55, 0.45, 0]` here, the projection the paper defines.)

    Args:
        x: Input tensor.
        axis: The axis to project along.

    Example:
        >>> sparsemax(torch.tensor([1.0, 0.0]))
        tensor([1., 0.])
    """
    x = as_tensor(x)
    axis = _normalize_axes(axis, x.ndim, "sparsemax")
    if not isinstance(axis, int):
        raise TypeError(f"sparsemax: `axis` must be an int, received {axis!r}.")
    z_sorted, _ = torch.sort(x, dim=axis, descending=True)
    cumsum = torch.cumsum(z_sorted, dim=axis)
    n = x.shape[axis]
    ranks_shape = [1] * x.ndim
    ranks_shape[axis] = n
    ranks = torch.arange(1, n + 1, device=x.device, dtype=x.dtype).view(ranks_shape)
    # The support is the prefix of sorted entries with 1 + k * z_k > sum_{j<=k} z_j.
    support = (1 + ranks * z_sorted) > cumsum
    k = support.sum(dim=axis, keepdim=True)
    tau = (torch.gather(cumsum, axis, k - 1) - 1) / k.to(x.dtype)
    return torch.clamp(x - tau, min=0.0)


def glu(x, axis: int = -1):
    """Gated linear unit: split `x` in halves `a, b` along `axis`, return `a * sigmoid(b)`.

    Args:
        x: Input tensor whose size along `axis` is even.
        axis: The axis to split.

    Example:
        >>> glu(torch.tensor([2.0, 0.0]))
        tensor([1.])
    """
    x = as_tensor(x)
    if x.shape[axis] % 2 != 0:
        raise ValueError(
            f"glu: the input must have an even size along `axis` to be split in two halves; "
            f"received shape {tuple(x.shape)} with axis={axis} (size {x.shape[axis]})."
        )
    return F.glu(x, dim=axis)
