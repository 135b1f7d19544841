"""Accumulating thresholded confusion-matrix counts (Keras `metrics_utils`).

Everything stays on the device: the evenly-spaced-thresholds path bins each
prediction with `index_add_` (O(N + T), no host sync, unlike `bincount`), and the
general path compares every prediction with every threshold (O(N * T)).
"""

import numpy as np
import torch

from lamina.losses._tensor_utils import as_tensor, squeeze_or_expand_to_same_rank
from lamina.backend.config import epsilon  # keras.config.epsilon(), read at call time

__all__ = [
    "NEG_INF",
    "is_evenly_distributed_thresholds",
    "parse_init_thresholds",
    "update_confusion_matrix_variables",
]

# Keras's threshold for "every prediction counts" in top-k mode.
NEG_INF = -1e10
_KEYS = ("tp", "fp", "tn", "fn")


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """Validates user thresholds (each in [0, 1]) and returns them as a list."""
    if thresholds is not None:
        values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds]
        bad = [t for t in values if t is None or t < 0 or t > 1]
        if bad:
            raise ValueError(
                f"Invalid value for argument `thresholds`: every threshold must be in "
                f"[0, 1], but received {bad}. Pass probabilities' cut-off points, e.g. "
                "thresholds=0.5 or thresholds=[0.3, 0.5, 0.7]."
            )
        return [float(t) for t in values]
    return [float(default_threshold)]


def is_evenly_distributed_thresholds(thresholds):
    """Whether `thresholds` is `i / (n - 1)` for `i = 0..n-1` (n >= 3), within 1e-7."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=epsilon()))


def _filter_top_k(x, k):
    # Keep the top-k scores per row; push the rest below every threshold.
    _, idx = torch.topk(x, k, dim=-1)
    keep = torch.zeros_like(x).scatter_(-1, idx, 1.0)
    return x * keep + NEG_INF * (1.0 - keep)


def _weights(sample_weight, label_weights, like, multi_label):
    w = None
    if sample_weight is not None:
        w = torch.broadcast_to(sample_weight, like.shape)
    if label_weights is not None:
        lw = torch.broadcast_to(label_weights.unsqueeze(0), like.shape)
        w = lw if w is None else w * lw
    if w is not None and not multi_label:
        w = w.reshape(-1)
    return w


def _update_evenly(variables, y_true, y_pred, num_thresholds, with_epsilon, sample_weight,
                   label_weights, multi_label):
    w = _weights(sample_weight, label_weights, y_pred, multi_label)
    y_pred = y_pred.clamp(0.0, 1.0)
    y_true = (y_true != 0).to(y_pred.dtype)
    if not multi_label:
        y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
    # A prediction p is above threshold i/(T-1) exactly for buckets
    # i <= ceil(p * (T - 1)) - 1, so counting per bucket and summing from the top
    # gives the count above every threshold.
    bucket = torch.ceil(y_pred * (num_thresholds - 1)) - 1
    if with_epsilon:
        # The first threshold is -eps: every prediction in [0, 1] is above it.
        bucket = bucket.clamp_min(0)
    true_labels = y_true if w is None else y_true * w
    false_labels = (1.0 - y_true) if w is None else (1.0 - y_true) * w
    # fn = total positives - tp and tn = total negatives - fp, per label.
    total_true, total_false = true_labels.sum(dim=0), false_labels.sum(dim=0)
    # Predictions below every threshold (p == 0 without the epsilon threshold, or
    # NaN) fall in no bucket: Keras's segment_sum drops their out-of-range ids.
    valid = bucket >= 0
    bucket = torch.where(valid, bucket, 0).long()
    true_labels, false_labels = true_labels * valid, false_labels * valid
    if multi_label:
        num_labels = y_pred.shape[1]
        flat = (bucket * num_labels + torch.arange(num_labels, device=bucket.device)).reshape(-1)
        size, shape = num_thresholds * num_labels, (num_thresholds, num_labels)
        true_labels, false_labels = true_labels.reshape(-1), false_labels.reshape(-1)
    else:
        flat, size, shape = bucket, num_thresholds, (num_thresholds,)
    tp_bucket = torch.zeros(size, dtype=y_pred.dtype, device=y_pred.device).index_add_(0, flat, true_labels)
    fp_bucket = torch.zeros(size, dtype=y_pred.dtype, device=y_pred.device).index_add_(0, flat, false_labels)
    tp = tp_bucket.reshape(shape).flip(0).cumsum(0).flip(0)
    fp = fp_bucket.reshape(shape).flip(0).cumsum(0).flip(0)
    counts = {"tp": tp, "fp": fp, "tn": total_false - fp, "fn": total_true - tp}
    for key, var in variables.items():
        var.add_(counts[key])


def _update_general(variables, y_true, y_pred, thresholds, sample_weight, label_weights, multi_label):
    thr = torch.as_tensor(thresholds, dtype=y_pred.dtype, device=y_pred.device)
    w = _weights(sample_weight, label_weights, y_pred, multi_label)
    labels = y_true != 0
    if multi_label:
        labels, preds = labels.unsqueeze(0), y_pred.unsqueeze(0)
        thr = thr.reshape(-1, 1, 1)
    else:
        labels, preds = labels.reshape(1, -1), y_pred.reshape(1, -1)
        thr = thr.reshape(-1, 1)
    if w is not None:
        w = w.unsqueeze(0)
    pred_pos = preds > thr
    conditions = {
        "tp": (labels, pred_pos),
        "fp": (~labels, pred_pos),
        "tn": (~labels, ~pred_pos),
        "fn": (labels, ~pred_pos),
    }
    for key, var in variables.items():
        label, pred = conditions[key]
        hits = (label & pred).to(var.dtype)
        if w is not None:
            hits = hits * w
        var.add_(hits.sum(dim=1))


def update_confusion_matrix_variables(variables, y_true, y_pred, thresholds, top_k=None, class_id=None,
                                      sample_weight=None, multi_label=False, label_weights=None,
                                      thresholds_distributed_evenly=False):
    """Adds weighted TP/FP/TN/FN counts per threshold to the given state tensors.

    A prediction counts as positive at threshold `t` when `y_pred > t`.

    Args:
        variables: dict with any of the keys "tp", "fp", "tn", "fn" mapping to
            state tensors of shape `(num_thresholds,)` (or
            `(num_thresholds, num_labels)` with `multi_label`).
        y_true: labels, cast to bool.
        y_pred: scores in [0, 1].
        thresholds: list of floats.
        top_k: keep only the top k scores of each sample as positive candidates.
        class_id: restrict to one class (column) of `y_pred`.
        sample_weight: optional weights broadcastable to the labels.
        multi_label: keep the label axis (one curve per label).
        label_weights: optional per-label weights (not with `multi_label`).
        thresholds_distributed_evenly: use the O(N + T) bucketing path.
    """
    unknown = [k for k in variables if k not in _KEYS]
    if unknown or not variables:
        raise ValueError(
            f"Invalid keys {unknown} for argument `variables`: expected a non-empty "
            f"dict with keys among {list(_KEYS)}."
        )
    if multi_label and label_weights is not None:
        raise ValueError(
            "`label_weights` for multilabel data should be handled outside of "
            "`update_confusion_matrix_variables` when `multi_label` is True."
        )
    dtype = next(iter(variables.values())).dtype
    y_pred = as_tensor(y_pred, dtype=dtype)
    y_true = as_tensor(y_true, dtype=dtype, device=y_pred.device)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "AUC, Precision, Recall and the confusion-count metrics expect one 0/1 label "
            "per predicted score: y_true must have the shape of y_pred, but received "
            f"y_true.shape={tuple(y_true.shape)} and y_pred.shape={tuple(y_pred.shape)}. "
            "One-hot encode integer class labels (and use `class_id` to score one class)."
        )
    if sample_weight is not None:
        sample_weight = as_tensor(sample_weight, dtype=dtype, device=y_pred.device).unsqueeze(-1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if label_weights is not None:
        label_weights = as_tensor(label_weights, dtype=dtype, device=y_pred.device)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.dim() == 1:
            raise ValueError(
                "When `class_id` is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), but received y_pred.shape={tuple(y_pred.shape)}."
            )
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    if thresholds_distributed_evenly:
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        _update_evenly(variables, y_true, y_pred, len(thresholds), with_epsilon, sample_weight,
                       label_weights, multi_label)
    else:
        _update_general(variables, y_true, y_pred, thresholds, sample_weight, label_weights, multi_label)
