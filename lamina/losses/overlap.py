"""Overlap losses for segmentation: Dice and Tversky (one minus an overlap ratio)."""

import torch

from lamina.losses._tensor_utils import EPSILON, as_tensor
from lamina.losses.loss import Loss, LossFunctionWrapper

__all__ = ["Dice", "Tversky", "dice", "tversky"]


def _pair(y_true, y_pred):
    y_pred = as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(torch.get_default_dtype())
    return as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device), y_pred


def _sum(x, axis):
    # Keras's `axis=None` sums over every axis (batch included), giving one value.
    if axis is None:
        return x.sum()
    return x.sum(dim=tuple(axis) if isinstance(axis, (list, tuple)) else axis)


def dice(y_true, y_pred, axis=None):
    """Dice loss: `1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps)`.

    Args:
        y_true: ground truth, e.g. binary masks of shape `(batch, H, W, C)`.
        y_pred: predictions of the same shape (probabilities).
        axis: axis or tuple of axes to sum over; None (Keras's default) sums
            over all of them, batch included, giving a scalar.

    Returns:
        The loss, of the input shape without `axis` (a scalar for `axis=None`).

    Example:
        >>> dice(torch.tensor([[1., 0.]]), torch.tensor([[1., 0.]]))
        tensor(1.1921e-07)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    intersection = _sum(y_true * y_pred, axis)
    return 1 - 2.0 * intersection / (_sum(y_true, axis) + _sum(y_pred, axis) + EPSILON)


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """Tversky loss: `1 - TP / (TP + alpha * FP + beta * FN + eps)` on soft counts.

    With Keras's convention `FP = sum((1 - y_pred) * y_true)` and
    `FN = sum(y_pred * (1 - y_true))`; `alpha = beta = 0.5` is the Dice loss.

    Args:
        y_true: ground truth of shape `(batch, ...)`.
        y_pred: predictions of the same shape.
        alpha: weight of the `FP` term. Defaults to 0.5.
        beta: weight of the `FN` term. Defaults to 0.5.
        axis: axis or axes to sum over; None sums over all of them.

    Example:
        >>> tversky(torch.tensor([[1., 0.]]), torch.tensor([[0.5, 0.5]]), alpha=0.7, beta=0.3)
        tensor(0.5000)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    intersection = _sum(y_true * y_pred, axis)
    fp = _sum((1 - y_pred) * y_true, axis)
    fn = _sum(y_pred * (1 - y_true), axis)
    return 1 - intersection / (intersection + fp * alpha + fn * beta + EPSILON)


class Dice(LossFunctionWrapper):
    """Dice loss; see `dice`.

    Args:
        reduction, name, dtype: see `Loss`; the default name is "dice".
        axis: axes to sum over (None: all). Defaults to None.

    Example:
        >>> Dice(axis=(1, 2))(torch.ones(2, 4, 4), torch.ones(2, 4, 4))
        tensor(0.)
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "axis": self.axis}


class Tversky(LossFunctionWrapper):
    """Tversky loss; see `tversky`.

    Args:
        alpha: weight of false positives (Keras's convention). Defaults to 0.5.
        beta: weight of false negatives. Defaults to 0.5.
        reduction, name, dtype: see `Loss`; the default name is "tversky".
        axis: axes to sum over (None: all). Defaults to None.

    Example:
        >>> Tversky(alpha=0.7, beta=0.3)(torch.ones(2, 3), torch.ones(2, 3))
        tensor(0.)
    """

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky", axis=None,
                 dtype=None):
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha, beta=beta, axis=axis)
        self.alpha = alpha
        self.beta = beta
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "alpha": self.alpha, "beta": self.beta, "axis": self.axis}
