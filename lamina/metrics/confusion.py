"""Confusion-matrix metrics: AUC, Precision, Recall and the raw counts."""

import torch

from lamina.losses._tensor_utils import as_tensor, divide_no_nan
from lamina.metrics._confusion_utils import (
    NEG_INF,
    is_evenly_distributed_thresholds,
    parse_init_thresholds,
    update_confusion_matrix_variables,
)
from lamina.metrics.metric import Metric
from lamina.backend.config import epsilon  # keras.config.epsilon(), read at call time

__all__ = [
    "AUC",
    "FalseNegatives",
    "FalsePositives",
    "Precision",
    "Recall",
    "TrueNegatives",
    "TruePositives",
]


class _ConfusionMatrixConditionCount(Metric):
    """Weighted count of one confusion-matrix cell, per threshold."""

    _key = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=0.5)
        self._evenly = is_evenly_distributed_thresholds(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred, sample_weight = self._prepare(y_true, y_pred, sample_weight)
        update_confusion_matrix_variables(
            {self._key: self.accumulator}, y_true, y_pred, self.thresholds,
            sample_weight=sample_weight, thresholds_distributed_evenly=self._evenly)

    def result(self):
        return self.accumulator[0].clone() if len(self.thresholds) == 1 else self.accumulator.clone()

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted count of true positives (`y_true` set and `y_pred > threshold`).

    Example:
        >>> m = TruePositives()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> m.result()
        tensor(2.)
    """

    _key = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted count of false positives.

    Example:
        >>> m = FalsePositives()
        >>> m.update_state([0, 1, 0, 0], [0, 0, 1, 1])
        >>> m.result()
        tensor(2.)
    """

    _key = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of true negatives.

    Example:
        >>> m = TrueNegatives()
        >>> m.update_state([0, 1, 0, 0], [1, 1, 0, 0])
        >>> m.result()
        tensor(2.)
    """

    _key = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of false negatives.

    Example:
        >>> m = FalseNegatives()
        >>> m.update_state([0, 1, 1, 1], [0, 1, 0, 0])
        >>> m.result()
        tensor(2.)
    """

    _key = "fn"


class _PrecisionRecall(Metric):

    _direction = "up"  # Keras: callbacks in mode="auto" maximize it
    _second = None  # "fp" for precision, "fn" for recall

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        # With top_k every kept prediction is a positive unless told otherwise.
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=default)
        self._evenly = is_evenly_distributed_thresholds(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable((n,), "zeros", name="true_positives")
        other = "false_positives" if self._second == "fp" else "false_negatives"
        self._other = self.add_variable((n,), "zeros", name=other)
        setattr(self, other, self._other)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates counts; `sample_weight` broadcasts against the labels."""
        y_true, y_pred, sample_weight = self._prepare(y_true, y_pred, sample_weight)
        update_confusion_matrix_variables(
            {"tp": self.true_positives, self._second: self._other}, y_true, y_pred,
            self.thresholds, top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight, thresholds_distributed_evenly=self._evenly)

    def result(self):
        value = divide_no_nan(self.true_positives, self.true_positives + self._other)
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """Precision `TP / (TP + FP)` at one or more thresholds.

    Args:
        thresholds: a float or list of floats in [0, 1]; a prediction above a
            threshold is positive. Defaults to 0.5 (or, with `top_k`, every kept
            prediction). A list gives one precision per threshold.
        top_k: only the `k` highest scores of each sample may count as positive.
        class_id: compute precision for this class only.
        name: defaults to "precision" (numbered when reused).
        dtype: see `Metric`.

    Example:
        >>> m = Precision()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> m.result()
        tensor(0.6667)
    """

    _second = "fp"


class Recall(_PrecisionRecall):
    """Recall `TP / (TP + FN)` at one or more thresholds.

    Args:
        thresholds: a float or list of floats in [0, 1]; see `Precision`.
        top_k: only the `k` highest scores of each sample may count as positive.
        class_id: compute recall for this class only.
        name: defaults to "recall" (numbered when reused).
        dtype: see `Metric`.

    Example:
        >>> m = Recall()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> m.result()
        tensor(0.6667)
    """

    _second = "fn"


_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "minoring", "majoring")


class AUC(Metric):
    """Approximate area under the ROC or precision-recall curve (Keras `AUC`).

    Counts TP/FP/TN/FN at `num_thresholds` thresholds and sums the curve with a
    Riemann sum; PR with interpolation uses the Davis & Goadrich (2006) formula.

    Args:
        num_thresholds: number of thresholds (> 1); they are `i / (n - 1)`, with
            the ends moved to -1e-7 and 1 + 1e-7. Defaults to 200.
        curve: "ROC" (default), "PR" or "PRGAIN".
        summation_method: "interpolation" (default), "minoring" or "majoring".
        name: defaults to "auc" (numbered when reused).
        dtype: see `Metric`.
        thresholds: explicit thresholds in [0, 1] instead of `num_thresholds`.
        multi_label: keep one curve per label (column) and average their AUCs.
        num_labels: number of labels, to create the state before the first update
            when `multi_label`.
        label_weights: per-label weights for the average (or, without
            `multi_label`, for the counts).
        from_logits: apply a sigmoid to `y_pred` first.

    Example:
        >>> m = AUC(num_thresholds=3)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        >>> m.result()
        tensor(0.7500)
    """

    _direction = "up"  # Keras: callbacks in mode="auto" maximize it

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        key = str(curve).lower().replace("-", "").replace("_", "")
        if key not in _CURVES:
            raise ValueError(
                f"Invalid value for argument `curve` of AUC: expected one of "
                f"{list(_CURVES.values())}, but received curve={curve!r}."
            )
        if summation_method not in _SUMMATIONS:
            raise ValueError(
                f"Invalid value for argument `summation_method` of AUC: expected one of "
                f"{list(_SUMMATIONS)}, but received summation_method={summation_method!r}."
            )
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            thresholds = sorted(parse_init_thresholds(thresholds))
            self.num_thresholds = len(thresholds) + 2
            self._evenly = is_evenly_distributed_thresholds([0.0] + thresholds + [1.0])
        else:
            if not isinstance(num_thresholds, int) or num_thresholds <= 1:
                raise ValueError(
                    "Invalid value for argument `num_thresholds` of AUC: expected an "
                    f"integer > 1, but received num_thresholds={num_thresholds!r}."
                )
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        # End points just outside [0, 1] so that 0 and 1 predictions are counted.
        self._thresholds = [0.0 - epsilon()] + thresholds + [1.0 + epsilon()]
        self.curve = _CURVES[key]
        self.summation_method = summation_method
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else as_tensor(label_weights, dtype=self._dtype)
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds, including the two end points."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True` (one column per "
                    f"label), but received y_pred with shape {tuple(shape)}."
                )
            self._num_labels = shape[1]
            var_shape = (self.num_thresholds, self._num_labels)
        else:
            var_shape = (self.num_thresholds,)
        self.true_positives = self.add_variable(var_shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(var_shape, "zeros", name="false_positives")
        self.true_negatives = self.add_variable(var_shape, "zeros", name="true_negatives")
        self.false_negatives = self.add_variable(var_shape, "zeros", name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the confusion counts of one batch."""
        y_true, y_pred, sample_weight = self._prepare(y_true, y_pred, sample_weight)
        if not self._built:
            self._build(tuple(y_pred.shape))
        if self._from_logits:
            y_pred = torch.sigmoid(y_pred)
        label_weights = None if self.multi_label else self.label_weights
        if label_weights is not None:
            label_weights = label_weights.to(y_pred.device)
        update_confusion_matrix_variables(
            {"tp": self.true_positives, "tn": self.true_negatives,
             "fp": self.false_positives, "fn": self.false_negatives},
            y_true, y_pred, self._thresholds, thresholds_distributed_evenly=self._evenly,
            sample_weight=sample_weight, multi_label=self.multi_label, label_weights=label_weights)

    def _average(self, by_label):
        if self.label_weights is None:
            return by_label.mean()
        weights = self.label_weights.to(by_label.device)
        return divide_no_nan((by_label * weights).sum(), weights.sum())

    def interpolate_pr_auc(self):
        """PR-AUC with precision interpolated linearly in TP and P between thresholds.

        Davis & Goadrich (2006): within each interval the area is
        `slope * (dTP + intercept * log(P_B / P_A)) / total_positives`.
        """
        n = self.num_thresholds
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        prec_slope = divide_no_nan(dtp, dp.clamp_min(0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = torch.where(
            (p[: n - 1] > 0) & (p[1:] > 0),
            divide_no_nan(p[: n - 1], p[1:].clamp_min(0)),
            torch.ones_like(p[1:]),
        )
        increment = divide_no_nan(
            prec_slope * (dtp + intercept * torch.log(safe_p_ratio)),
            (tp[1:] + fn[1:]).clamp_min(0),
        )
        if self.multi_label:
            return self._average(increment.sum(dim=0))
        return increment.sum()

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:
            # PR-gain (Flach & Kull 2015), with Keras's guards for degenerate counts.
            scale = divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scale * divide_no_nan(fn, tp)
            precision_gain = 1.0 - scale * divide_no_nan(fp, tp)
            recall_gain = torch.where(tp == 0, 0.0, recall_gain).clamp_min(0.0)
            precision_gain = torch.where(tp == 0, 1.0, precision_gain)
            x, y = recall_gain, precision_gain
        n = self.num_thresholds
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[: n - 1], y[1:])
        else:
            heights = torch.maximum(y[: n - 1], y[1:])
        riemann = (x[: n - 1] - x[1:]) * heights
        if self.multi_label:
            return self._average(riemann.sum(dim=0))
        return riemann.sum()

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        label_weights = self.label_weights
        if label_weights is not None:
            label_weights = [float(v) for v in label_weights.detach().cpu().numpy()]
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config

