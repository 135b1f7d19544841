"""Regression metrics: MSE, RMSE, MAE, MAPE, MSLE, cosine similarity, log-cosh."""

import torch

from lamina.losses._tensor_utils import as_tensor, squeeze_or_expand_to_same_rank
from lamina.losses.regression import (
    _l2_normalize,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from lamina.metrics.reduction import Mean, MeanMetricWrapper

__all__ = [
    "CosineSimilarity",
    "LogCoshError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "RootMeanSquaredError",
    "cosine_similarity",
]


class MeanSquaredError(MeanMetricWrapper):
    """Mean of `mean_squared_error` over samples.

    Example:
        >>> m = MeanSquaredError()
        >>> m.update_state([[0., 1.], [0., 0.]], [[1., 1.], [0., 0.]])
        >>> m.result()
        tensor(0.2500)
    """

    _direction = "down"  # Keras: callbacks in mode="auto" minimize it

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=mean_squared_error, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of `mean_absolute_error` over samples.

    Example:
        >>> m = MeanAbsoluteError()
        >>> m.update_state([[0., 1.], [0., 0.]], [[1., 1.], [0., 0.]])
        >>> m.result()
        tensor(0.2500)
    """

    _direction = "down"  # Keras: callbacks in mode="auto" minimize it

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(fn=mean_absolute_error, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean of `mean_absolute_percentage_error` over samples.

    Example:
        >>> m = MeanAbsolutePercentageError()
        >>> m.update_state([[2., 4.]], [[1., 4.]])
        >>> m.result()
        tensor(25.)
    """

    _direction = "down"  # Keras: callbacks in mode="auto" minimize it

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(fn=mean_absolute_percentage_error, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Mean of `mean_squared_logarithmic_error` over samples.

    Example:
        >>> m = MeanSquaredLogarithmicError()
        >>> m.update_state([[1.0]], [[1.0]])
        >>> m.result()
        tensor(0.)
    """

    _direction = "down"  # Keras: callbacks in mode="auto" minimize it

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(fn=mean_squared_logarithmic_error, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class RootMeanSquaredError(Mean):
    """Square root of the (weighted) mean of squared errors.

    Example:
        >>> m = RootMeanSquaredError()
        >>> m.update_state([[0., 1.], [0., 0.]], [[1., 1.], [0., 0.]])
        >>> m.result()
        tensor(0.5000)
    """

    _direction = "down"  # Keras: callbacks in mode="auto" minimize it

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred, sample_weight = self._prepare(y_true, y_pred, sample_weight)
        y_pred = as_tensor(y_pred, dtype=self._dtype)
        y_true = as_tensor(y_true, dtype=self._dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        super().update_state((y_pred - y_true).square(), sample_weight=sample_weight)

    def result(self):
        return torch.sqrt(super().result())


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity `sum(l2_norm(y_true) * l2_norm(y_pred), axis)` (positive,
    unlike the loss of the same name).

    Example:
        >>> cosine_similarity([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]])
        tensor([0.0000, 1.0000])
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return (_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis)).sum(dim=axis)


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions; see `cosine_similarity`.

    Args:
        name: defaults to "cosine_similarity".
        dtype: see `Metric`.
        axis: the feature axis. Defaults to -1.

    Example:
        >>> m = CosineSimilarity()
        >>> m.update_state([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]])
        >>> m.result()
        tensor(0.5000)
    """

    _direction = "up"  # Keras: callbacks in mode="auto" maximize it

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(fn=cosine_similarity, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class LogCoshError(MeanMetricWrapper):
    """Mean of `log_cosh` over samples.

    Example:
        >>> m = LogCoshError()
        >>> m.update_state([[0.]], [[0.]])
        >>> m.result()
        tensor(0.)
    """

    _direction = "down"  # Keras: callbacks in mode="auto" minimize it

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(fn=log_cosh, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}
