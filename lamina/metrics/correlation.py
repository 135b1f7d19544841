"""Correlation metrics (Keras `correlation_metrics`): Pearson and concordance
coefficients per sample, averaged over samples by `PearsonCorrelation` and
`ConcordanceCorrelation`."""

from lamina.backend.config import epsilon  # keras.config.epsilon(), read at call time
from lamina.losses._tensor_utils import as_tensor, squeeze_or_expand_to_same_rank
from lamina.metrics.reduction import MeanMetricWrapper

__all__ = ["ConcordanceCorrelation", "PearsonCorrelation", "concordance_correlation", "pearson_correlation"]


def _dims(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _inputs(y_true, y_pred):
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson correlation coefficient of `y_true` and `y_pred` along `axis`.

    Both are centred and divided by their (population) standard deviation along
    `axis`; the result is the mean of their product. A constant row has no
    spread and gives NaN, as in Keras.

    Args:
        y_true: targets, e.g. `(batch, d)`.
        y_pred: predictions of the same shape.
        axis: axis (or tuple of axes) the coefficient is taken over. Defaults to -1.

    Returns:
        The coefficients, with `axis` reduced, e.g. `(batch,)`.

    Example:
        >>> pearson_correlation([[0., 1., 0.5], [1., 1., 0.2]], [[0.1, 0.9, 0.5], [1., 0.9, 0.2]])
        tensor([1.0000, 0.9934])
    """
    y_true, y_pred = _inputs(y_true, y_pred)
    dims = _dims(axis)
    y_true_norm = y_true - y_true.mean(dim=dims, keepdim=True)
    y_pred_norm = y_pred - y_pred.mean(dim=dims, keepdim=True)
    y_true_norm = y_true_norm / y_true_norm.std(dim=dims, correction=0, keepdim=True)
    y_pred_norm = y_pred_norm / y_pred_norm.std(dim=dims, correction=0, keepdim=True)
    return (y_true_norm * y_pred_norm).mean(dim=dims)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Concordance correlation coefficient of `y_true` and `y_pred` along `axis`.

    Follows Keras 3.15's formula exactly: `mean(2 * (y_true - mean(y_pred)) *
    (y_pred - mean(y_pred)) / (var(y_true) + var(y_pred) + (mean(y_true) -
    mean(y_pred))**2 + epsilon))` (population variances; note the first factor
    centres `y_true` on the mean of `y_pred`, as Keras does).

    Args:
        y_true: targets, e.g. `(batch, d)`.
        y_pred: predictions of the same shape.
        axis: axis (or tuple of axes) the coefficient is taken over. Defaults to -1.

    Returns:
        The coefficients, with `axis` reduced, e.g. `(batch,)`.

    Example:
        >>> concordance_correlation([[0., 1., 0.5], [1., 1., 0.2]], [[0.1, 0.9, 0.5], [1., 0.9, 0.2]])
        tensor([0.9756, 0.9877])
    """
    y_true, y_pred = _inputs(y_true, y_pred)
    dims = _dims(axis)
    y_true_mean = y_true.mean(dim=dims, keepdim=True)
    y_pred_mean = y_pred.mean(dim=dims, keepdim=True)
    y_true_var = (y_true - y_true_mean).var(dim=dims, correction=0, keepdim=True)
    y_pred_var = (y_pred - y_pred_mean).var(dim=dims, correction=0, keepdim=True)
    covar = (y_true - y_pred_mean) * (y_pred - y_pred_mean)
    norm = y_true_var + y_pred_var + (y_true_mean - y_pred_mean).square()
    return (2 * covar / (norm + epsilon())).mean(dim=dims)


class PearsonCorrelation(MeanMetricWrapper):
    """Pearson correlation coefficient, averaged over samples; see `pearson_correlation`.

    Args:
        name: defaults to "pearson_correlation".
        dtype: see `Metric`.
        axis: axis (or tuple of axes) the coefficient is taken over. Defaults to -1.

    Example:
        >>> m = PearsonCorrelation()
        >>> m.update_state([[0., 1., 0.5], [1., 1., 0.2]], [[0.1, 0.9, 0.5], [1., 0.9, 0.2]])
        >>> m.result()
        tensor(0.9967)
    """

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(fn=pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class ConcordanceCorrelation(MeanMetricWrapper):
    """Concordance correlation coefficient, averaged over samples; see
    `concordance_correlation`.

    Args:
        name: defaults to "concordance_correlation".
        dtype: see `Metric`.
        axis: axis (or tuple of axes) the coefficient is taken over. Defaults to -1.

    Example:
        >>> m = ConcordanceCorrelation()
        >>> m.update_state([[0., 1., 0.5], [1., 1., 0.2]], [[0.1, 0.9, 0.5], [1., 0.9, 0.2]])
        >>> m.result()
        tensor(0.9816)
    """

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(fn=concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}
