"""Intersection-over-union metrics (Keras `iou_metrics`): `IoU`, `MeanIoU`, `BinaryIoU`,
`OneHotIoU` and `OneHotMeanIoU`.

All of them accumulate one `(num_classes, num_classes)` confusion matrix
(rows: true class, columns: predicted class) named `total_confusion_matrix`, in
the metric dtype, which is `"int32"` by default as in Keras 3.15: class ids and
sample weights are cast to it (a float weight of 0.5 counts as 0, with Keras's
warning; pass `dtype="float32"` for fractional weights). The update is one
`index_add_` on the device: no host synchronization.
"""

import warnings

import torch

from lamina.backend.config import epsilon  # keras.config.epsilon(), read at call time
from lamina.metrics.metric import Metric

__all__ = ["BinaryIoU", "IoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU"]


def _to(x, dtype, device):
    if isinstance(x, torch.Tensor):
        return x.to(device=device, dtype=dtype)
    return torch.as_tensor(x, device=device).to(dtype)


class _IoUBase(Metric):
    """Accumulates the weighted confusion matrix the IoU metrics read.

    Args:
        num_classes: number of classes; the matrix is `(num_classes, num_classes)`.
        name: metric name.
        dtype: state dtype; defaults to `"int32"`.
        ignore_class: a class id (e.g. a "void" label such as -1 or 255) whose
            samples are left out.
        sparse_y_true: labels are class ids; with `False` they are scores and
            the class is their `argmax` along `axis`.
        sparse_y_pred: the same for predictions.
        axis: the class axis for `argmax`.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int32")
        self._direction = "up"
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(shape=(num_classes, num_classes), initializer="zeros",
                                          dtype=self.dtype, name="total_confusion_matrix")

    def _device_of(self, *values):
        for v in values:
            if isinstance(v, torch.Tensor) and v.device.type != "cpu":
                return v.device
        for v in values:
            if isinstance(v, torch.Tensor):
                return v.device
        return self.total_cm.device

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds one batch to the confusion matrix.

        Args:
            y_true: class ids (any shape; flattened), or scores when
                `sparse_y_true=False`.
            y_pred: class ids, or scores when `sparse_y_pred=False`.
            sample_weight: `None`, a scalar, or weights of `y_true`'s shape
                (flattened), cast to the metric dtype.
        """
        device = self._device_of(y_true, y_pred, sample_weight)
        if device != self.total_cm.device:
            self.to(device)
        dtype = self._dtype
        if not self.sparse_y_true:
            y_true = torch.argmax(_to(y_true, None, device), dim=self.axis)
        if not self.sparse_y_pred:
            y_pred = torch.argmax(_to(y_pred, None, device), dim=self.axis)
        y_true = _to(y_true, dtype, device).reshape(-1)
        y_pred = _to(y_pred, dtype, device).reshape(-1)
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"{type(self).__name__} ({self.name}) needs one prediction per label: y_true has "
                f"{y_true.numel()} class ids and y_pred {y_pred.numel()} after flattening (and argmax "
                "for one-hot inputs). Pass labels and predictions of matching shapes, or set "
                "`sparse_y_true`/`sparse_y_pred` to say which of them hold class scores."
            )
        if sample_weight is None:
            weight = torch.ones((), dtype=dtype, device=device)
        else:
            if (hasattr(sample_weight, "dtype") and "float" in str(sample_weight.dtype)
                    and not dtype.is_floating_point):
                warnings.warn(
                    f"{type(self).__name__}: you are passing weight as `float`, but the metric dtype "
                    f"is `{self.dtype}`; weights are cast to integers. Pass integer weights, or create "
                    "the metric with dtype='float32' for fractional weights.", stacklevel=2)
            weight = _to(sample_weight, dtype, device)
            if weight.dim() > 1:
                weight = weight.reshape(-1)
        weight = torch.broadcast_to(weight, y_true.shape)
        # Out-of-range ids (and the ignored class) are dropped, as Keras does, by
        # zeroing their weight: no data-dependent shapes, no host sync.
        valid = (y_true >= 0) & (y_true < self.num_classes) & (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            valid = valid & (y_true != self.ignore_class)
        zero = torch.zeros((), dtype=dtype, device=device)
        y_true = torch.where(valid, y_true, zero).long()
        y_pred = torch.where(valid, y_pred, zero).long()
        weight = torch.where(valid, weight, zero)
        flat = y_true * self.num_classes + y_pred
        with torch.no_grad():
            self.total_cm.view(-1).index_add_(0, flat, weight.to(self.total_cm.dtype))

    def reset_state(self):
        with torch.no_grad():
            self.total_cm.zero_()


class IoU(_IoUBase):
    """Intersection-over-union averaged over the classes in `target_class_ids`.

    Per class, `iou = TP / (TP + FP + FN)` from the accumulated confusion matrix;
    classes that never appear (zero denominator) are left out of the average.

    Args:
        num_classes: number of classes the task has.
        target_class_ids: list or tuple of the class ids to average over (one id
            gives that class's IoU).
        name: defaults to "io_u" (numbered when reused).
        dtype: state dtype; defaults to `"int32"` (sample weights are cast to it).
        ignore_class: a class id to leave out (e.g. a "void" label).
        sparse_y_true: labels are class ids (`False`: scores, `argmax` taken).
        sparse_y_pred: predictions are class ids (`False`: scores, `argmax` taken).
        axis: class axis for the `argmax`. Defaults to -1.

    Shapes:
        `y_true` and `y_pred`: any matching shapes of class ids, e.g.
        `(batch, height, width)` for segmentation; one extra class axis where
        the input holds scores.

    Example:
        >>> m = IoU(num_classes=2, target_class_ids=[0])
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> m.result()
        tensor(0.3333)
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, num_classes=num_classes, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis, dtype=dtype)
        ids = list(target_class_ids)
        if not ids or max(ids) >= num_classes or min(ids) < 0:
            raise ValueError(
                f"{type(self).__name__}: every target class id must be in [0, {num_classes}) "
                f"(num_classes={num_classes}), but received target_class_ids={target_class_ids!r}. "
                "Pass ids of classes the task has, or raise `num_classes`."
            )
        self.target_class_ids = ids

    def result(self):
        """The mean IoU of the target classes (float32), 0 when none has occurred."""
        cm = self.total_cm
        sum_over_row = cm.sum(dim=0)
        sum_over_col = cm.sum(dim=1)
        true_positives = torch.diagonal(cm)
        denominator = sum_over_row + sum_over_col - true_positives
        ids = torch.as_tensor(self.target_class_ids, device=cm.device)
        true_positives = true_positives[ids].to(torch.float32)
        denominator = denominator[ids].to(torch.float32)
        valid = denominator > 1e-9
        iou = true_positives / (denominator + epsilon())
        iou = torch.where(valid, iou, 0.0)
        return iou.sum() / (valid.to(torch.float32).sum() + epsilon())

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of a binary task whose predictions are thresholded scores.

    A prediction `>= threshold` is class 1, otherwise class 0; labels are class
    ids 0/1. Returns the mean IoU of `target_class_ids`.

    Args:
        target_class_ids: `[0]`, `[1]` or `[0, 1]` (default `(0, 1)`).
        threshold: the cut-off applied to `y_pred`. Defaults to 0.5.
        name: defaults to "binary_io_u" (numbered when reused).
        dtype: state dtype; defaults to `"int32"`.

    Example:
        >>> m = BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
        >>> m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
        >>> m.result()
        tensor(0.3333)
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        device = self._device_of(y_true, y_pred, sample_weight)
        y_true = _to(y_true, self._dtype, device)
        y_pred = (_to(y_pred, torch.float32, device) >= self.threshold).to(self._dtype)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over all `num_classes` classes (those that occurred).

    Args:
        num_classes: number of classes the task has.
        name: defaults to "mean_io_u" (numbered when reused).
        dtype: state dtype; defaults to `"int32"`.
        ignore_class: a class id to leave out.
        sparse_y_true: labels are class ids (`False`: scores, `argmax` taken).
        sparse_y_pred: predictions are class ids (`False`: scores, `argmax` taken).
        axis: class axis for the `argmax`. Defaults to -1.

    Example:
        >>> m = MeanIoU(num_classes=2)
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> m.result()
        tensor(0.3333)
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, num_classes=num_classes, target_class_ids=list(range(num_classes)),
                         axis=axis, dtype=dtype, ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """`IoU` for one-hot labels: the label class is the `argmax` along `axis`.

    Args:
        num_classes: number of classes (the size of the one-hot axis).
        target_class_ids: list or tuple of the class ids to average over.
        name: defaults to "one_hot_io_u" (numbered when reused).
        dtype: state dtype; defaults to `"int32"`.
        ignore_class: a class id to leave out.
        sparse_y_pred: predictions are class ids (default `False`: scores).
        axis: the class axis. Defaults to -1.

    Example:
        >>> m = OneHotIoU(num_classes=3, target_class_ids=[0, 2])
        >>> m.update_state([[0, 0, 1], [1, 0, 0]], [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7]])
        >>> m.result()
        tensor(0.2500)
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False, sparse_y_pred=sparse_y_pred,
                         axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """`MeanIoU` for one-hot labels: the label class is the `argmax` along `axis`.

    Args:
        num_classes: number of classes (the size of the one-hot axis).
        name: defaults to "one_hot_mean_io_u" (numbered when reused).
        dtype: state dtype; defaults to `"int32"`.
        ignore_class: a class id to leave out.
        sparse_y_pred: predictions are class ids (default `False`: scores).
        axis: the class axis. Defaults to -1.

    Example:
        >>> m = OneHotMeanIoU(num_classes=3)
        >>> m.update_state([[0, 0, 1], [1, 0, 0]], [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7]])
        >>> m.result()  # class 1 never occurs and is left out
        tensor(0.2500)
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, axis=axis, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}
