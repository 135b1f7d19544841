"""Crossentropy, KL divergence and Poisson losses (Keras formulas, torch kernels).

On probabilities the crossentropies clip with `EPSILON` (1e-7) exactly as Keras
does, so values match Keras; when `y_pred` carries the logits of the activation
that produced it (see `lamina.losses._logits`) they use `log_softmax` /
BCE-with-logits instead, which is exact where clipping would saturate.
"""

import warnings

import torch
import torch.nn.functional as F

from lamina.losses._logits import stable_logits, warn_from_logits_on_probabilities
from lamina.losses._tensor_utils import as_tensor, squeeze_or_expand_to_same_rank
from lamina.losses.loss import Loss, LossFunctionWrapper
from lamina.backend.config import epsilon  # keras.config.epsilon(), read at call time

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "KLDivergence",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "binary_crossentropy",
    "categorical_crossentropy",
    "kl_divergence",
    "poisson",
    "sparse_categorical_crossentropy",
]


def _float_tensor(x):
    x = as_tensor(x)
    return x if x.is_floating_point() else x.to(torch.get_default_dtype())


def _check_axis(axis, fn_name):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(
            f"Argument `axis` of {fn_name} must be an int, but received "
            f"axis={axis!r} of type {type(axis).__name__}."
        )


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy, averaged over `axis`.

    Args:
        y_true: 0/1 targets, same shape as `y_pred`.
        y_pred: probabilities, or logits when `from_logits=True`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1]; targets become
            `y_true * (1 - label_smoothing) + 0.5 * label_smoothing`.
        axis: axis to average over. Defaults to -1.

    Returns:
        Loss values with `axis` reduced.

    Example:
        >>> binary_crossentropy([[0., 1.]], [[0.4, 0.6]])
        tensor([0.5108])
    """
    _check_axis(axis, "binary_crossentropy")
    y_pred = _float_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    if y_true.shape != y_pred.shape:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if y_true.shape != y_pred.shape:
            raise ValueError(
                "binary_crossentropy expects `y_true` and `y_pred` of the same shape "
                f"(one 0/1 target per predicted probability), but received "
                f"y_true.shape={tuple(y_true.shape)} and y_pred.shape={tuple(y_pred.shape)}. "
                "For one integer class id per sample use 'sparse_categorical_crossentropy'; "
                "for one-hot targets over several classes use 'categorical_crossentropy'."
            )
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        warn_from_logits_on_probabilities(y_pred, "binary_crossentropy")
        logits = y_pred
    else:
        logits = stable_logits(y_pred, "sigmoid")
    if logits is not None:
        bce = F.binary_cross_entropy_with_logits(logits, y_true, reduction="none")
    else:
        # Keras: clip to [eps, 1 - eps], then -(t log p + (1 - t) log(1 - p)).
        p = y_pred.clamp(epsilon(), 1.0 - epsilon())
        bce = -(y_true * torch.log(p) + (1.0 - y_true) * torch.log(1.0 - p))
    return bce.mean(dim=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical crossentropy between one-hot (or soft) targets and predictions.

    Args:
        y_true: one-hot or probability targets, same shape as `y_pred`.
        y_pred: probabilities, or logits when `from_logits=True`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1]; targets become
            `y_true * (1 - label_smoothing) + label_smoothing / num_classes`.
        axis: the class axis. Defaults to -1.

    Returns:
        Loss values with the class axis reduced.

    Example:
        >>> categorical_crossentropy([[0., 1., 0.]], [[0.05, 0.95, 0.]])
        tensor([0.0513])
    """
    _check_axis(axis, "categorical_crossentropy")
    y_pred = _float_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    if y_pred.dim() and y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be "
            "(batch_size, num_classes) with num_classes > 1. Received: "
            f"y_pred.shape={tuple(y_pred.shape)}. Consider using 'binary_crossentropy' "
            "if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=2,
        )
    if y_true.shape != y_pred.shape:
        hint = ""
        if y_pred.dim() >= 1 and tuple(y_true.shape) in (tuple(y_pred.shape[:-1]), tuple(y_pred.shape[:-1]) + (1,)):
            hint = (
                " `y_true` looks like integer class ids: use "
                "'sparse_categorical_crossentropy' (SparseCategoricalCrossentropy) for "
                "those, or one-hot encode them."
            )
        raise ValueError(
            "categorical_crossentropy expects one-hot `y_true` of the same shape as "
            f"`y_pred`, but received y_true.shape={tuple(y_true.shape)} and "
            f"y_pred.shape={tuple(y_pred.shape)}.{hint}"
        )
    if label_smoothing:
        num_classes = y_true.shape[-1]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    if from_logits:
        warn_from_logits_on_probabilities(y_pred, "categorical_crossentropy")
        logits = y_pred
    else:
        logits = stable_logits(y_pred, "softmax", axis)
    if logits is not None:
        if logits.dim() == 1:
            return F.cross_entropy(logits, y_true, reduction="none")
        # Fused log-softmax + soft-target crossentropy; torch wants classes on dim 1.
        ax = axis % logits.dim()
        return F.cross_entropy(logits.movedim(ax, 1), y_true.movedim(ax, 1), reduction="none")
    # Keras: renormalize over the class axis, clip to [eps, 1 - eps], take logs.
    p = y_pred / y_pred.sum(dim=axis, keepdim=True)
    return -(y_true * p.clamp(epsilon(), 1.0 - epsilon()).log()).sum(dim=axis)


def _label_range_error(target, num_classes, ignore_class):
    valid = target if ignore_class is None else target[target != ignore_class]
    lo, hi = (int(valid.min()), int(valid.max())) if valid.numel() else (0, 0)
    return ValueError(
        "sparse_categorical_crossentropy received class ids outside "
        f"[0, {num_classes - 1}]: y_true holds values in [{lo}, {hi}], but y_pred has "
        f"{num_classes} classes on its class axis. Labels must be 0-based integer "
        f"class ids below {num_classes}: check the labels, the number of units of "
        "the output layer, or set `ignore_class` to skip a padding/void label."
    )


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Crossentropy between integer class ids and predicted class scores.

    Args:
        y_true: integer class ids of shape `y_pred.shape` without the class axis
            (a trailing dim of 1 is accepted).
        y_pred: probabilities, or logits when `from_logits=True`.
        from_logits: whether `y_pred` holds logits.
        ignore_class: optional class id (e.g. -1 or 255) whose entries get a zero
            loss and are left out of the mean.
        axis: the class axis. Defaults to -1.

    Returns:
        Loss values of the shape of `y_true`; with `ignore_class`, the result
        carries the valid-entry mask as `_keras_mask`.

    Raises:
        ValueError: on a shape mismatch (e.g. one-hot labels), and on CPU for class
            ids out of range. On accelerators out-of-range ids give a NaN loss
            instead, to avoid a device sync per step.

    Example:
        >>> sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
        tensor([0.0513, 2.3026])
    """
    return _sparse_categorical_crossentropy(y_true, y_pred, from_logits, ignore_class, axis, "none")


def _sparse_categorical_crossentropy_mean(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """The mean of `sparse_categorical_crossentropy` in one fused torch kernel (the
    loss of a training step without sample weights, as a hand-written
    `F.cross_entropy(logits, labels)`), or None where it does not apply."""
    if ignore_class is not None:
        return None
    # The common training step, checked in a few attribute reads instead of the general
    # path's validation: 1-D int64 labels matching a 2-D softmax output that carries its logits.
    if not from_logits and y_pred.dim() == 2 and y_true.dim() == 1 and y_true.dtype == torch.long \
            and y_true.shape[0] == y_pred.shape[0] and axis in (-1, 1):
        logits = getattr(y_pred, "_keras_logits", None)
        if logits is not None and getattr(y_pred, "_keras_activation", None) == "softmax" \
                and getattr(y_pred, "_keras_activation_axis", -1) in (-1, 1) \
                and logits.dtype == y_pred.dtype and logits.shape == y_pred.shape:
            return F.cross_entropy(logits, y_true)
    return _sparse_categorical_crossentropy(y_true, y_pred, from_logits, None, axis, "mean")


def _sparse_categorical_crossentropy(y_true, y_pred, from_logits, ignore_class, axis, reduction):
    _check_axis(axis, "sparse_categorical_crossentropy")
    y_pred = _float_tensor(y_pred)
    y_true = as_tensor(y_true, device=y_pred.device)
    if y_pred.dim() == 0:
        raise ValueError("sparse_categorical_crossentropy expects `y_pred` with a class axis, but received a scalar.")
    if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    ax = axis % y_pred.dim()
    expected = tuple(y_pred.shape[:ax]) + tuple(y_pred.shape[ax + 1:])
    if tuple(y_true.shape) != expected:
        hint = ""
        if y_true.shape == y_pred.shape:
            hint = (
                " It has the shape of y_pred, so it looks one-hot encoded: use "
                "'categorical_crossentropy' (CategoricalCrossentropy) for one-hot "
                "labels, or pass class ids (e.g. `y.argmax(-1)`)."
            )
        raise ValueError(
            "sparse_categorical_crossentropy expects `y_true` to hold one integer class "
            f"id per sample, of shape {expected} (or {expected + (1,)}) for y_pred of "
            f"shape {tuple(y_pred.shape)}, but received y_true.shape={tuple(y_true.shape)}.{hint}"
        )
    if y_true.dtype != torch.long:
        y_true = y_true.long()  # Keras casts labels to int as well (truncating floats).
    num_classes = y_pred.shape[ax]
    if from_logits:
        warn_from_logits_on_probabilities(y_pred, "sparse_categorical_crossentropy")
        logits = y_pred
    else:
        logits = stable_logits(y_pred, "softmax", axis)
    if logits is not None:
        scores, fn = logits, F.cross_entropy
    else:
        # Keras: renormalize, clip to [eps, 1 - eps], log, pick the label's entry.
        p = y_pred / y_pred.sum(dim=ax, keepdim=True)
        scores, fn = p.clamp(epsilon(), 1.0 - epsilon()).log(), F.nll_loss
    if ax != scores.dim() - 1:
        scores = scores.movedim(ax, -1)
    if scores.dim() != 2:
        scores = scores.reshape(-1, num_classes)
    target = y_true if y_true.dim() == 1 else y_true.reshape(-1)
    if reduction == "mean" and target.numel() == 0:
        return None
    ignore_index = -100 if ignore_class is None else int(ignore_class)
    if target.device.type == "cpu":
        try:
            loss = fn(scores, target, reduction=reduction, ignore_index=ignore_index)
        except (IndexError, RuntimeError) as err:
            if ((target < 0) | (target >= num_classes)).any():
                raise _label_range_error(target, num_classes, ignore_class) from None
            raise err
    else:
        # An out-of-range id would be a device-side assert; checking it on the
        # host would sync every step. Compute on a safe id and poison with NaN.
        bad = (target < 0) | (target >= num_classes)
        if ignore_class is not None:
            bad = bad & (target != ignore_index)
        loss = fn(scores, torch.where(bad, 0, target), reduction=reduction, ignore_index=ignore_index)
        loss = torch.where(bad if reduction == "none" else bad.any(), float("nan"), loss)
    if reduction == "mean":
        return loss
    if loss.shape != y_true.shape:
        loss = loss.reshape(y_true.shape)
    if ignore_class is not None:
        loss._keras_mask = y_true != ignore_index
    return loss


# Marks the function for `LossFunctionWrapper`: labels are class ids of any
# integer dtype and of rank `y_pred.ndim - 1` (or a trailing 1).
sparse_categorical_crossentropy._takes_class_ids = True
sparse_categorical_crossentropy._mean_fn = _sparse_categorical_crossentropy_mean


def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred), axis=-1)`.

    Both inputs are clipped to `[1e-7, 1]` first, as in Keras.

    Example:
        >>> kl_divergence([[0.5, 0.5]], [[0.9, 0.1]])
        tensor([0.5108])
    """
    y_pred = _float_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    y_true = y_true.clamp(epsilon(), 1.0)
    y_pred = y_pred.clamp(epsilon(), 1.0)
    return (y_true * torch.log(y_true / y_pred)).sum(dim=-1)


def poisson(y_true, y_pred):
    """Poisson loss `mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)`.

    Example:
        >>> poisson([[1.0, 2.0]], [[1.0, 2.0]])
        tensor([0.8069])
    """
    y_pred = _float_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    return (y_pred - y_true * torch.log(y_pred + epsilon())).mean(dim=-1)


class _SmoothedCrossentropy(LossFunctionWrapper):
    """What `BinaryCrossentropy` and `CategoricalCrossentropy` share: the wrapped function's
    `from_logits`, `label_smoothing` and `axis`, kept as attributes and written to the config."""

    def __init__(self, fn, from_logits, label_smoothing, axis, reduction, name, dtype):
        super().__init__(fn, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        config = Loss.get_config(self)
        config.update(from_logits=self.from_logits, label_smoothing=self.label_smoothing, axis=self.axis)
        return config


class BinaryCrossentropy(_SmoothedCrossentropy):
    """Crossentropy for 0/1 targets; see `binary_crossentropy`.

    Args:
        from_logits: whether `y_pred` holds logits (recommended for stability when
            the model has no final sigmoid).
        label_smoothing: float in [0, 1], squeezes targets towards 0.5.
        axis: axis to average over. Defaults to -1.
        reduction: see `Loss`.
        name: defaults to "binary_crossentropy".
        dtype: see `Loss`.

    Example:
        >>> bce = BinaryCrossentropy(from_logits=True)
        >>> bce(torch.tensor([[0., 1.]]), torch.tensor([[-2.0, 3.0]]))
        tensor(0.0878)
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, from_logits, label_smoothing, axis, reduction, name, dtype)


class CategoricalCrossentropy(_SmoothedCrossentropy):
    """Crossentropy for one-hot targets; see `categorical_crossentropy`.

    Args:
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1].
        axis: the class axis. Defaults to -1.
        reduction: see `Loss`.
        name: defaults to "categorical_crossentropy".
        dtype: see `Loss`.

    Example:
        >>> cce = CategoricalCrossentropy()
        >>> cce(torch.tensor([[0., 1.]]), torch.tensor([[0.2, 0.8]]))
        tensor(0.2231)
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, from_logits, label_smoothing, axis, reduction, name, dtype)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy for integer class ids; see `sparse_categorical_crossentropy`.

    Args:
        from_logits: whether `y_pred` holds logits.
        ignore_class: optional class id to leave out of the loss and its mean.
        reduction: see `Loss`.
        axis: the class axis. Defaults to -1.
        name: defaults to "sparse_categorical_crossentropy".
        dtype: see `Loss`.

    Example:
        >>> scce = SparseCategoricalCrossentropy(from_logits=True)
        >>> scce(torch.tensor([1]), torch.tensor([[0.0, 2.0]]))
        tensor(0.1269)
    """

    _keeps_integer_labels = True

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def call(self, y_true, y_pred):
        # The label rank legitimately differs from y_pred's; the function itself
        # squeezes a trailing 1, so skip the generic squeeze/expand.
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = Loss.get_config(self)
        config.update(from_logits=self.from_logits, ignore_class=self.ignore_class)
        if self.axis != -1:
            config["axis"] = self.axis
        return config


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence loss; see `kl_divergence`.

    Example:
        >>> KLDivergence()(torch.tensor([[0.5, 0.5]]), torch.tensor([[0.9, 0.1]]))
        tensor(0.5108)
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class Poisson(LossFunctionWrapper):
    """Poisson loss; see `poisson`.

    Example:
        >>> Poisson()(torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0, 2.0]]))
        tensor(0.8069)
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)
