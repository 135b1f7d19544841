"""Best-of-thresholds metrics (Keras `confusion_metrics`): `SensitivityAtSpecificity`,
`SpecificityAtSensitivity`, `PrecisionAtRecall` and `RecallAtPrecision`.

Each counts TP/FP/TN/FN at `num_thresholds` evenly spaced thresholds in
[0, 1] with the shared confusion-count machinery (the O(N + T) bucketing path,
on the device) and reports the best value of one statistic among the
thresholds where the other meets the constraint.
"""

import torch

from lamina.losses._tensor_utils import divide_no_nan
from lamina.metrics._confusion_utils import update_confusion_matrix_variables
from lamina.metrics.metric import Metric

__all__ = [
    "PrecisionAtRecall",
    "RecallAtPrecision",
    "SensitivityAtSpecificity",
    "SensitivitySpecificityBase",
    "SpecificityAtSensitivity",
]


def _check_unit(cls_name, arg, value):
    if value < 0 or value > 1:
        raise ValueError(
            f"{cls_name}: argument `{arg}` must be in the range [0, 1], but received {arg}={value!r}. "
            f"Pass a rate such as {arg}=0.5."
        )


class SensitivitySpecificityBase(Metric):
    """Confusion counts at `num_thresholds` thresholds, for the `X`-at-`Y` metrics.

    Args:
        value: the constraint the subclass checks (a rate in [0, 1]).
        num_thresholds: number of thresholds: `0, 1/(n-1), ..., 1` (just 0.5 when
            1). Defaults to 200.
        class_id: score only this class (column) of `y_pred`.
        name: metric name.
        dtype: see `Metric`.
    """

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if not isinstance(num_thresholds, int) or num_thresholds <= 0:
            raise ValueError(
                f"{type(self).__name__}: argument `num_thresholds` must be an integer > 0, but "
                f"received num_thresholds={num_thresholds!r}. The default is 200."
            )
        self.value = value
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._thresholds_distributed_evenly = True
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), initializer="zeros", name="true_positives")
        self.false_positives = self.add_variable(shape=(n,), initializer="zeros", name="false_positives")
        self.true_negatives = self.add_variable(shape=(n,), initializer="zeros", name="true_negatives")
        self.false_negatives = self.add_variable(shape=(n,), initializer="zeros", name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the confusion counts of one batch.

        Args:
            y_true: 0/1 labels of `y_pred`'s shape.
            y_pred: scores in [0, 1].
            sample_weight: optional weights broadcastable to the labels.
        """
        y_true, y_pred, sample_weight = self._prepare(y_true, y_pred, sample_weight)
        update_confusion_matrix_variables(
            {"tp": self.true_positives, "tn": self.true_negatives,
             "fp": self.false_positives, "fn": self.false_negatives},
            y_true, y_pred, self.thresholds, class_id=self.class_id, sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id}

    def _find_max_under_constraint(self, constrained, dependent):
        """The largest `dependent` value among thresholds where `constrained >= value`, else 0."""
        feasible = constrained >= self.value
        return torch.where(feasible, dependent, 0.0).max().clamp_min(0.0)

    def _rates(self):
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        return {
            "sensitivity": divide_no_nan(tp, tp + fn),  # = recall
            "specificity": divide_no_nan(tn, tn + fp),
            "precision": divide_no_nan(tp, tp + fp),
        }


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """Best sensitivity `TP / (TP + FN)` among thresholds where specificity
    `TN / (TN + FP)` is at least `specificity`.

    Args:
        specificity: the required specificity, in [0, 1].
        num_thresholds: number of thresholds to try. Defaults to 200.
        class_id: score only this class (column) of `y_pred`.
        name: defaults to "sensitivity_at_specificity" (numbered when reused).
        dtype: see `Metric`.

    Example:
        >>> m = SensitivityAtSpecificity(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> m.result()
        tensor(0.5000)
    """

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit(type(self).__name__, "specificity", specificity)
        self.specificity = specificity
        self.num_thresholds = num_thresholds
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        rates = self._rates()
        return self._find_max_under_constraint(rates["specificity"], rates["sensitivity"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "specificity": self.specificity}


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """Best specificity `TN / (TN + FP)` among thresholds where sensitivity
    `TP / (TP + FN)` is at least `sensitivity`.

    Args:
        sensitivity: the required sensitivity, in [0, 1].
        num_thresholds: number of thresholds to try. Defaults to 200.
        class_id: score only this class (column) of `y_pred`.
        name: defaults to "specificity_at_sensitivity" (numbered when reused).
        dtype: see `Metric`.

    Example:
        >>> m = SpecificityAtSensitivity(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> m.result()
        tensor(0.6667)
    """

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit(type(self).__name__, "sensitivity", sensitivity)
        self.sensitivity = sensitivity
        self.num_thresholds = num_thresholds
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        rates = self._rates()
        return self._find_max_under_constraint(rates["sensitivity"], rates["specificity"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "sensitivity": self.sensitivity}


class PrecisionAtRecall(SensitivitySpecificityBase):
    """Best precision `TP / (TP + FP)` among thresholds where recall
    `TP / (TP + FN)` is at least `recall`.

    Args:
        recall: the required recall, in [0, 1].
        num_thresholds: number of thresholds to try. Defaults to 200.
        class_id: score only this class (column) of `y_pred`.
        name: defaults to "precision_at_recall" (numbered when reused).
        dtype: see `Metric`.

    Example:
        >>> m = PrecisionAtRecall(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> m.result()
        tensor(0.5000)
    """

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit(type(self).__name__, "recall", recall)
        self.recall = recall
        self.num_thresholds = num_thresholds
        super().__init__(value=recall, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        rates = self._rates()
        return self._find_max_under_constraint(rates["sensitivity"], rates["precision"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "recall": self.recall}


class RecallAtPrecision(SensitivitySpecificityBase):
    """Best recall `TP / (TP + FN)` among thresholds where precision
    `TP / (TP + FP)` is at least `precision` (0 when no threshold reaches it).

    Args:
        precision: the required precision, in [0, 1].
        num_thresholds: number of thresholds to try. Defaults to 200.
        class_id: score only this class (column) of `y_pred`.
        name: defaults to "recall_at_precision" (numbered when reused).
        dtype: see `Metric`.

    Example:
        >>> m = RecallAtPrecision(0.8)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        >>> m.result()
        tensor(0.5000)
    """

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit(type(self).__name__, "precision", precision)
        self.precision = precision
        self.num_thresholds = num_thresholds
        super().__init__(value=precision, num_thresholds=num_thresholds, class_id=class_id, name=name,
                         dtype=dtype)

    def result(self):
        rates = self._rates()
        return self._find_max_under_constraint(rates["precision"], rates["sensitivity"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "precision": self.precision}
