"""Accuracy metrics and their per-sample functions (Keras `accuracy_metrics`)."""

import torch

from lamina.losses._tensor_utils import as_tensor, squeeze_or_expand_to_same_rank
from lamina.metrics.reduction import MeanMetricWrapper

__all__ = [
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "SparseCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]


def _result_dtype():
    return torch.get_default_dtype()


def accuracy(y_true, y_pred):
    """How often `y_pred` equals `y_true`, averaged over the last axis.

    Example:
        >>> accuracy([[1], [2]], [[1], [3]])
        tensor([1., 0.])
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return (y_true == y_pred).to(_result_dtype()).mean(dim=-1)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """How often `y_pred > threshold` matches 0/1 `y_true`, averaged over the last axis.

    Example:
        >>> binary_accuracy([[1.], [0.]], [[0.7], [0.6]])
        tensor([1., 0.])
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = (y_pred > threshold).to(y_true.dtype)
    return (y_true == predicted).to(_result_dtype()).mean(dim=-1)


def _label_ids(y_true, device):
    """Class ids of one-hot labels; bool one-hot arrays (keras.io's addition_rnn) count as 0/1."""
    y_true = as_tensor(y_true, device=device)
    if y_true.dtype == torch.bool:  # torch's argmax has no bool kernel
        y_true = y_true.to(torch.uint8)
    return y_true.argmax(dim=-1)


def categorical_accuracy(y_true, y_pred):
    """How often the argmax of `y_pred` matches the argmax of one-hot `y_true`.

    Example:
        >>> categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        tensor([0., 1.])
    """
    y_pred = as_tensor(y_pred)
    y_true = _label_ids(y_true, y_pred.device)
    return (y_true == y_pred.argmax(dim=-1)).to(_result_dtype())


def sparse_categorical_accuracy(y_true, y_pred):
    """How often the argmax of `y_pred` matches integer class ids `y_true`.

    `y_true` of shape `(batch, 1)` is accepted; the result has one value per sample.

    Example:
        >>> sparse_categorical_accuracy([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
        tensor([0., 1.])
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, device=y_pred.device)
    if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    predicted = y_pred.argmax(dim=-1)
    if predicted.dtype != y_true.dtype:
        predicted = predicted.to(y_true.dtype)
    return (y_true == predicted).to(_result_dtype())


def _count_sparse_categorical_correct(y_true, y_pred):
    """Number of correct samples (an integer tensor), or None outside the plain case.

    The unweighted per-step update of `fit` only needs this sum: summing the
    booleans directly skips the float conversion (the count is exact either way).
    """
    # One label per sample only: with more label axes Mean averages per sample first.
    if y_true.dim() != 1 or y_pred.dim() != 2 or y_true.dtype != torch.long:
        return None
    return (y_true == y_pred.argmax(dim=-1)).sum()


sparse_categorical_accuracy._count_correct = _count_sparse_categorical_correct


def _in_top_k(targets, predictions, k):
    # Rank of the target's score = 1 + number of strictly larger scores, so ties
    # count as "in the top k" (as `keras.ops.in_top_k` and TF do); a NaN score at
    # the target never counts.
    at_target = predictions.gather(-1, targets.unsqueeze(-1))
    at_target = torch.where(torch.isnan(at_target), float("-inf"), at_target)
    return (predictions > at_target).sum(dim=-1) < k


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether the one-hot target class is among the `k` highest scores.

    Example:
        >>> top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1)
        tensor([0., 1.])
    """
    y_pred = as_tensor(y_pred)
    y_true = _label_ids(y_true, y_pred.device)
    return sparse_top_k_categorical_accuracy(y_true, y_pred, k=k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Whether the integer target class is among the `k` highest scores.

    Args:
        y_true: integer class ids.
        y_pred: class scores, or, with `from_sorted_ids=True`, class ids sorted by
            decreasing score (only the first `k` are used).
        k: how many top classes count as a hit.
        from_sorted_ids: see `y_pred`.

    Example:
        >>> sparse_top_k_categorical_accuracy([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1)
        tensor([0., 1.])
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, device=y_pred.device)
    shape = y_true.shape
    flat_true = y_true.reshape(-1).long()
    flat_pred = y_pred.reshape(-1, y_pred.shape[-1])
    if from_sorted_ids:
        matches = (flat_true.unsqueeze(1) == flat_pred[:, :k].long()).any(dim=1)
    else:
        matches = _in_top_k(flat_true, flat_pred, k)
    return matches.to(_result_dtype()).reshape(shape)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels; see `accuracy`.

    Example:
        >>> m = Accuracy()
        >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
        >>> m.result()
        tensor(0.7500)
    """

    _direction = "up"  # Keras: callbacks in mode="auto" maximize it

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often predictions match 0/1 labels; see `binary_accuracy`.

    Args:
        name: defaults to "binary_accuracy".
        dtype: see `Metric`.
        threshold: probability above which a prediction counts as 1, in (0, 1).

    Example:
        >>> m = BinaryAccuracy()
        >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
        >>> m.result()
        tensor(0.7500)
    """

    _direction = "up"  # Keras: callbacks in mode="auto" maximize it

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if threshold is not None and (threshold <= 0 or threshold >= 1):
            raise ValueError(
                "Invalid value for argument `threshold` of BinaryAccuracy: expected a "
                f"value in the open interval (0, 1), but received threshold={threshold}. "
                "For logits, apply a sigmoid first or use threshold=0.5 on probabilities."
            )
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax matches one-hot labels; see `categorical_accuracy`.

    Example:
        >>> m = CategoricalAccuracy()
        >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> m.result()
        tensor(0.5000)
    """

    _direction = "up"  # Keras: callbacks in mode="auto" maximize it

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax matches integer labels; see `sparse_categorical_accuracy`.

    Example:
        >>> m = SparseCategoricalAccuracy()
        >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
        >>> m.result()
        tensor(0.5000)
    """

    _direction = "up"  # Keras: callbacks in mode="auto" maximize it

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is in the top `k`; see `top_k_categorical_accuracy`.

    Args:
        k: number of top classes that count. Defaults to 5.
        name: defaults to "top_k_categorical_accuracy".
        dtype: see `Metric`.

    Example:
        >>> m = TopKCategoricalAccuracy(k=1)
        >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> m.result()
        tensor(0.5000)
    """

    _direction = "up"  # Keras: callbacks in mode="auto" maximize it

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer target is in the top `k`; see
    `sparse_top_k_categorical_accuracy`.

    Args:
        k: number of top classes that count. Defaults to 5.
        name: defaults to "sparse_top_k_categorical_accuracy".
        dtype: see `Metric`.
        from_sorted_ids: whether `y_pred` holds class ids sorted by score.

    Example:
        >>> m = SparseTopKCategoricalAccuracy(k=1)
        >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> m.result()
        tensor(0.5000)
    """

    _direction = "up"  # Keras: callbacks in mode="auto" maximize it

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
