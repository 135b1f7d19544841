"""Hinge losses: hinge, squared hinge and categorical hinge."""

import torch

from lamina.losses._tensor_utils import as_tensor
from lamina.losses.loss import Loss, LossFunctionWrapper

__all__ = [
    "CategoricalHinge",
    "Hinge",
    "SquaredHinge",
    "categorical_hinge",
    "convert_binary_labels_to_hinge",
    "hinge",
    "squared_hinge",
]


def _pair(y_true, y_pred):
    y_pred = as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(torch.get_default_dtype())
    return as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device), y_pred


def convert_binary_labels_to_hinge(y_true):
    """Maps 0/1 labels to -1/1, leaving labels that are not all 0/1 unchanged.

    Keras decides with a data-dependent `cond`; `torch.where` on the 0-d
    "all binary" flag makes the same choice without a host sync.
    """
    is_binary = ((y_true == 0) | (y_true == 1)).all()
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """`mean(maximum(1 - y_true * y_pred, 0), axis=-1)`; 0/1 labels become -1/1.

    Example:
        >>> hinge([[-1., 1.]], [[0.5, 0.5]])
        tensor([1.])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = convert_binary_labels_to_hinge(y_true)
    return torch.clamp_min(1.0 - y_true * y_pred, 0.0).mean(dim=-1)


def squared_hinge(y_true, y_pred):
    """`mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`.

    Example:
        >>> squared_hinge([[-1., 1.]], [[0.5, 0.5]])
        tensor([1.2500])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = convert_binary_labels_to_hinge(y_true)
    return torch.clamp_min(1.0 - y_true * y_pred, 0.0).square().mean(dim=-1)


def categorical_hinge(y_true, y_pred):
    """`maximum(neg - pos + 1, 0)` with `pos = sum(y_true * y_pred)` and
    `neg = max((1 - y_true) * y_pred)` over the last axis.

    Example:
        >>> categorical_hinge([[0., 1.]], [[0.3, 0.7]])
        tensor([0.6000])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    pos = (y_true * y_pred).sum(dim=-1)
    neg = ((1.0 - y_true) * y_pred).amax(dim=-1)
    return torch.clamp_min(neg - pos + 1.0, 0.0)


class Hinge(LossFunctionWrapper):
    """Hinge loss for -1/1 (or 0/1) labels; see `hinge`.

    Example:
        >>> Hinge()(torch.tensor([[-1., 1.]]), torch.tensor([[0.5, 0.5]]))
        tensor(1.)
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss; see `squared_hinge`.

    Example:
        >>> SquaredHinge()(torch.tensor([[-1., 1.]]), torch.tensor([[0.5, 0.5]]))
        tensor(1.2500)
    """

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss for one-hot labels; see `categorical_hinge`.

    Example:
        >>> CategoricalHinge()(torch.tensor([[0., 1.]]), torch.tensor([[0.3, 0.7]]))
        tensor(0.6000)
    """

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)
