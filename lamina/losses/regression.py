"""Regression losses: MSE, MAE, MAPE, MSLE, Huber, log-cosh, cosine similarity."""

import math

import torch
import torch.nn.functional as F

from lamina.losses._tensor_utils import as_tensor, squeeze_or_expand_to_same_rank
from lamina.losses.loss import Loss, LossFunctionWrapper
from lamina.backend.config import epsilon  # keras.config.epsilon(), read at call time

__all__ = [
    "CosineSimilarity",
    "Huber",
    "LogCosh",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "cosine_similarity",
    "huber",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
]


def _pair(y_true, y_pred, broadcast=True):
    y_pred = as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(torch.get_default_dtype())
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if broadcast and y_true.shape != y_pred.shape:
        # Keras broadcasts silently; torch's fused losses would warn, so broadcast first.
        y_true, y_pred = torch.broadcast_tensors(y_true, y_pred)
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """`mean(square(y_true - y_pred), axis=-1)`.

    Example:
        >>> mean_squared_error([[0., 1.]], [[1., 1.]])
        tensor([0.5000])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return F.mse_loss(y_pred, y_true, reduction="none").mean(dim=-1)


def mean_absolute_error(y_true, y_pred):
    """`mean(abs(y_true - y_pred), axis=-1)`.

    Example:
        >>> mean_absolute_error([[0., 1.]], [[1., 1.]])
        tensor([0.5000])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return (y_true - y_pred).abs().mean(dim=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), 1e-7)), axis=-1)`.

    Example:
        >>> mean_absolute_percentage_error([[2., 4.]], [[1., 4.]])
        tensor([25.])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    diff = ((y_true - y_pred) / y_true.abs().clamp_min(epsilon())).abs()
    return 100.0 * diff.mean(dim=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)`.

    Example:
        >>> mean_squared_logarithmic_error([[math.e - 1]], [[0.]])
        tensor([1.0000])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    first_log = torch.log(y_pred.clamp_min(epsilon()) + 1.0)
    second_log = torch.log(y_true.clamp_min(epsilon()) + 1.0)
    return (first_log - second_log).square().mean(dim=-1)


def _l2_normalize(x, axis):
    # Keras `ops.normalize`: x * min(rsqrt(sum(x^2)), 1 / eps).
    inv_norm = torch.rsqrt(x.square().sum(dim=axis, keepdim=True)).clamp_max(1.0 / epsilon())
    return x * inv_norm


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity `-sum(l2_norm(y_true) * l2_norm(y_pred), axis)`.

    Values lie in [-1, 1]; -1 means the vectors point the same way, and a zero
    vector gives 0.

    Example:
        >>> cosine_similarity([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]])
        tensor([-0.0000, -1.0000])
    """
    y_true, y_pred = _pair(y_true, y_pred, broadcast=False)
    return -(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis)).sum(dim=axis)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss: quadratic for `|error| <= delta`, linear beyond, mean over -1.

    Example:
        >>> huber([[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]])
        tensor([0.1800, 0.1300])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    # torch's huber_loss is the same piecewise function: 0.5 e^2 or delta (|e| - 0.5 delta).
    return F.huber_loss(y_pred, y_true, reduction="none", delta=float(delta)).mean(dim=-1)


_LOG2 = math.log(2.0)


def log_cosh(y_true, y_pred):
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, computed stably.

    Example:
        >>> log_cosh([[0., 1.], [0., 0.]], [[1., 1.], [0., 0.]])
        tensor([0.2169, 0.0000])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    # log(cosh(x)) = x + softplus(-2x) - log(2), finite for large |x| (Keras form).
    return (x + F.softplus(-2.0 * x) - _LOG2).mean(dim=-1)


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squares of errors; see `mean_squared_error`.

    Example:
        >>> MeanSquaredError()(torch.tensor([[0., 1.]]), torch.tensor([[1., 1.]]))
        tensor(0.5000)
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors; see `mean_absolute_error`.

    Example:
        >>> MeanAbsoluteError()(torch.tensor([[0., 1.]]), torch.tensor([[1., 1.]]))
        tensor(0.5000)
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error; see `mean_absolute_percentage_error`.

    Example:
        >>> MeanAbsolutePercentageError()(torch.tensor([[2., 4.]]), torch.tensor([[1., 4.]]))
        tensor(25.)
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error; see `mean_squared_logarithmic_error`.

    Example:
        >>> MeanSquaredLogarithmicError()(torch.tensor([[1.0]]), torch.tensor([[1.0]]))
        tensor(0.)
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity; see `cosine_similarity`.

    Args:
        axis: the feature axis. Defaults to -1.
        reduction, name, dtype: see `Loss`.

    Example:
        >>> CosineSimilarity()(torch.tensor([[1., 1.]]), torch.tensor([[2., 2.]]))
        tensor(-1.0000)
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        # Keras leaves `axis` out of the config and so loses it on reload; keep it.
        return {**Loss.get_config(self), "axis": self.axis}


class Huber(LossFunctionWrapper):
    """Huber loss; see `huber`.

    Args:
        delta: where the loss changes from quadratic to linear. Defaults to 1.0.
        reduction, name, dtype: see `Loss`; the default name is "huber_loss".

    Example:
        >>> Huber(delta=0.5)(torch.tensor([[0.]]), torch.tensor([[2.]]))
        tensor(0.8750)
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)
        self.delta = delta

    def get_config(self):
        # Keras leaves `delta` out of the config and so loses it on reload; keep it.
        return {**Loss.get_config(self), "delta": self.delta}


class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the error; see `log_cosh`.

    Example:
        >>> LogCosh()(torch.tensor([[0.]]), torch.tensor([[0.]]))
        tensor(0.)
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)
