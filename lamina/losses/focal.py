"""Focal crossentropy losses (Lin et al., 2018), with the Keras formulas."""

import torch

from lamina.losses._tensor_utils import as_tensor
from lamina.losses.loss import Loss, LossFunctionWrapper
from lamina.backend.config import epsilon  # keras.config.epsilon(), read at call time

__all__ = [
    "BinaryFocalCrossentropy",
    "CategoricalFocalCrossentropy",
    "binary_focal_crossentropy",
    "categorical_focal_crossentropy",
]


def _pair(y_true, y_pred):
    y_pred = as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(torch.get_default_dtype())
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "Focal crossentropy expects `y_true` and `y_pred` of the same shape, but "
            f"received y_true.shape={tuple(y_true.shape)} and y_pred.shape={tuple(y_pred.shape)}."
        )
    return y_true, y_pred


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy scaled by the focal factor `(1 - p_t) ** gamma`.

    Args:
        y_true: 0/1 targets.
        y_pred: probabilities, or logits when `from_logits=True`.
        apply_class_balancing: weight class 1 by `alpha` and class 0 by `1 - alpha`.
        alpha: the class-1 weight used with `apply_class_balancing`.
        gamma: focusing parameter; 0 gives plain binary crossentropy.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1], squeezes targets towards 0.5.
        axis: axis to average over.

    Example:
        >>> binary_focal_crossentropy([[0., 1.]], [[0.4, 0.6]], gamma=2.0)
        tensor([0.0817])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = torch.sigmoid(y_pred)
    p = y_pred.clamp(epsilon(), 1.0 - epsilon())
    bce = -(y_true * torch.log(p) + (1.0 - y_true) * torch.log(1.0 - p))
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal_bce = torch.pow(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal_bce
    return focal_bce.mean(dim=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical crossentropy scaled by `alpha * (1 - p) ** gamma` per class.

    Args:
        y_true: one-hot targets.
        y_pred: probabilities, or logits when `from_logits=True`.
        alpha: class weighting factor (scalar or per-class list).
        gamma: focusing parameter.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1].
        axis: the class axis.

    Example:
        >>> categorical_focal_crossentropy([[0., 1., 0.]], [[0.05, 0.9, 0.05]])
        tensor([0.0003])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = torch.softmax(y_pred, dim=axis)
    output = (y_pred / y_pred.sum(dim=axis, keepdim=True)).clamp(epsilon(), 1.0 - epsilon())
    cce = -y_true * torch.log(output)
    alpha = as_tensor(alpha, dtype=output.dtype, device=output.device)
    focal_cce = torch.pow(1.0 - output, gamma) * alpha * cce
    return focal_cce.sum(dim=axis)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary focal crossentropy; see `binary_focal_crossentropy`.

    Example:
        >>> BinaryFocalCrossentropy(gamma=2.0)(torch.tensor([[0., 1.]]), torch.tensor([[0.4, 0.6]]))
        tensor(0.0817)
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.apply_class_balancing = apply_class_balancing
        self.alpha, self.gamma = alpha, gamma
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis

    def get_config(self):
        return {**Loss.get_config(self), "apply_class_balancing": self.apply_class_balancing,
                "alpha": self.alpha, "gamma": self.gamma, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical focal crossentropy; see `categorical_focal_crossentropy`.

    Example:
        >>> loss = CategoricalFocalCrossentropy()
        >>> loss(torch.tensor([[0., 1., 0.]]), torch.tensor([[0.05, 0.9, 0.05]]))
        tensor(0.0003)
    """

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.alpha, self.gamma = alpha, gamma
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis

    def get_config(self):
        return {**Loss.get_config(self), "alpha": self.alpha, "gamma": self.gamma,
                "from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
                "axis": self.axis}
