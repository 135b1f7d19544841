"""`FBetaScore` and `F1Score`: per-class F-scores from thresholded predictions, as Keras defines them."""

import torch

from lamina import backend
from lamina.losses._tensor_utils import as_tensor
from lamina.metrics.metric import Metric

__all__ = ["F1Score", "FBetaScore"]

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """F-beta score: `(1 + beta^2) * precision * recall / (beta^2 * precision + recall)`.

    Args:
        average: None (one score per class), `"micro"` (counts pooled over classes), `"macro"`
            (mean of the class scores) or `"weighted"` (class scores weighted by support).
        beta: weight of recall against precision, a float > 0.
        threshold: predictions above it count as positive; None marks each row's largest
            prediction (multi-class with one label).
        name: metric name.
        dtype: state dtype.

    Shapes:
        y_true, y_pred: `(batch, num_classes)`; sample_weight: `(batch,)`.

    Example:
        >>> m = FBetaScore(beta=2.0, threshold=0.5)
        >>> m.update_state([[1, 0], [1, 1]], [[0.9, 0.2], [0.3, 0.8]])
        >>> m.result()  # class 0: P=1, R=0.5; class 1: P=1, R=1
        tensor([0.5556, 1.0000])
    """

    _direction = "up"  # Keras: callbacks in mode="auto" maximize it

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in _AVERAGES:
            raise ValueError(f"{type(self).__name__}: `average` must be one of {list(_AVERAGES)}; received "
                             f"average={average!r}.")
        if not isinstance(beta, float) or beta <= 0.0:
            raise ValueError(f"{type(self).__name__}: `beta` must be a Python float > 0; received beta={beta!r}.")
        if threshold is not None and (not isinstance(threshold, float) or not 0.0 < threshold <= 1.0):
            raise ValueError(f"{type(self).__name__}: `threshold` must be a Python float with 0 < threshold <= 1, "
                             f"or None; received threshold={threshold!r}.")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self._counts = None  # (true_positives, false_positives, false_negatives, support), built on first update

    def _build(self, y_true, y_pred):
        if y_pred.dim() != 2 or y_true.dim() != 2:
            raise ValueError(f"{type(self).__name__} '{self.name}' expects 2D inputs of shape (batch_size, "
                             f"num_classes); received y_true.shape={tuple(y_true.shape)} and "
                             f"y_pred.shape={tuple(y_pred.shape)}.")
        shape = (y_pred.shape[-1],) if self.average != "micro" else ()
        self.true_positives = self.add_variable(shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(shape, "zeros", name="false_positives")
        self.false_negatives = self.add_variable(shape, "zeros", name="false_negatives")
        self.intermediate_weights = self.add_variable(shape, "zeros", name="intermediate_weights")
        self._counts = (self.true_positives, self.false_positives, self.false_negatives, self.intermediate_weights)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred, sample_weight = self._prepare(y_true, y_pred, sample_weight)
        y_true, y_pred = as_tensor(y_true, dtype=self._dtype), as_tensor(y_pred, dtype=self._dtype)
        if self._counts is None:
            self._build(y_true, y_pred)
        if self.threshold is None:
            # Each row's largest prediction (a row of zeros marks nothing).
            top = y_pred.amax(dim=-1, keepdim=True)
            y_pred = (y_pred >= top) & (y_pred.abs() > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = y_pred.to(self._dtype)
        axis = 0 if self.average != "micro" else None
        weight = None if sample_weight is None else as_tensor(sample_weight, dtype=self._dtype).reshape(-1, 1)

        def weighted_sum(values):
            if weight is not None:
                values = values * weight
            return values.sum(dim=axis) if axis is not None else values.sum()

        for state, values in zip(self._counts, (y_pred * y_true, y_pred * (1 - y_true), (1 - y_pred) * y_true,
                                                y_true)):
            state.add_(weighted_sum(values))

    def result(self):
        if self._counts is None:
            return torch.tensor(0.0, dtype=self._dtype)
        eps = backend.epsilon()
        tp, fp, fn, support = self._counts
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        beta2 = self.beta ** 2
        score = (1 + beta2) * precision * recall / (beta2 * precision + recall + eps)
        if self.average == "weighted":
            return (score * support / (support.sum() + eps)).sum()
        if self.average is not None:
            return score.mean()
        return score

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F-score with `beta=1`: the harmonic mean of precision and recall (see `FBetaScore`).

    Example:
        >>> m = F1Score(average="macro", threshold=0.5)
        >>> m.update_state([[1, 0], [0, 1]], [[0.8, 0.1], [0.6, 0.7]])
        >>> round(float(m.result()), 4)  # class 0: P=0.5, R=1; class 1: P=1, R=1
        0.8333
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
