"""`R2Score`: the coefficient of determination, optionally adjusted for the number of regressors."""

import warnings

import torch

from lamina.losses._tensor_utils import as_tensor, squeeze_or_expand_to_same_rank
from lamina.metrics.metric import Metric

__all__ = ["R2Score"]

_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """`1 - residual sum of squares / total sum of squares`, per output column, then aggregated.

    Args:
        class_aggregation: None (one score per column), `"uniform_average"` or
            `"variance_weighted_average"` (columns weighted by the variance of `y_true`).
        num_regressors: number of independent variables for the adjusted R2 (0: plain R2).
        name: metric name.
        dtype: state dtype.

    Shapes:
        y_true, y_pred: `(batch, outputs)`; sample_weight: `(batch,)` or `(batch, outputs)`.

    Example:
        >>> m = R2Score()
        >>> m.update_state([[1.0], [2.0], [3.0]], [[1.0], [2.0], [4.0]])
        >>> m.result()
        tensor(0.5000)
    """

    _direction = "up"  # Keras: callbacks in mode="auto" maximize it

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in _AGGREGATIONS:
            raise ValueError(f"R2Score: `class_aggregation` must be one of {list(_AGGREGATIONS)}; received "
                             f"class_aggregation={class_aggregation!r}.")
        if num_regressors < 0:
            raise ValueError(f"R2Score: `num_regressors` must be >= 0; received num_regressors={num_regressors}.")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._sums = None  # (squared_sum, sum, residual, count) per column, built on first update

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred, sample_weight = self._prepare(y_true, y_pred, sample_weight)
        y_true, y_pred = as_tensor(y_true, dtype=self._dtype), as_tensor(y_pred, dtype=self._dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if self._sums is None:
            if y_pred.dim() != 2 or y_true.dim() != 2:
                raise ValueError(f"R2Score '{self.name}' expects 2D inputs of shape (batch_size, outputs); received "
                                 f"y_true.shape={tuple(y_true.shape)} and y_pred.shape={tuple(y_pred.shape)}.")
            shape = (y_pred.shape[-1],)
            self._sums = tuple(self.add_variable(shape, "zeros", name=n)
                               for n in ("squared_sum", "sum", "residual", "count"))
        weight = torch.ones((), dtype=self._dtype, device=y_true.device) if sample_weight is None \
            else as_tensor(sample_weight, dtype=self._dtype)
        if weight.dim() == 1:
            weight = weight[:, None]
        weight = weight.expand_as(y_true)
        squared_sum, total, residual, count = self._sums
        total.add_((y_true * weight).sum(0))
        squared_sum.add_((y_true * y_true * weight).sum(0))
        residual.add_(((y_true - y_pred) ** 2 * weight).sum(0))
        count.add_(weight.sum(0))
        self.num_samples.add_(y_true.numel())

    def result(self):
        if self._sums is None:
            return torch.tensor(0.0, dtype=self._dtype)
        squared_sum, total, residual, count = self._sums
        mean = total / count
        variation = squared_sum - total * mean
        raw = 1 - residual / variation
        raw = torch.where(torch.isinf(raw), torch.zeros_like(raw), raw)
        if self.class_aggregation == "uniform_average":
            score = raw.mean()
        elif self.class_aggregation == "variance_weighted_average":
            score = (variation * raw).sum() / variation.sum()
        else:
            score = raw
        if self.num_regressors:
            n, p = float(self.num_samples), float(self.num_regressors)
            if p > n - 1:
                warnings.warn("R2Score: more independent predictors than data points for the adjusted R2; "
                              "falling back to the plain R2.", stacklevel=2)
            elif p == n - 1:
                warnings.warn("R2Score: the adjusted R2 divides by zero here; falling back to the plain R2.",
                              stacklevel=2)
            else:
                score = 1 - (1 - score) * (n - 1) / (n - p - 1)
        return score

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
