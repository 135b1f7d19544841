"""Noise-robust classification loss: generalized cross entropy (Zhang & Sabuncu, 2018)."""

import torch

from lamina.losses._tensor_utils import as_tensor
from lamina.losses.loss import Loss, LossFunctionWrapper

__all__ = ["CategoricalGeneralizedCrossEntropy", "categorical_generalized_cross_entropy"]


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """`(1 - p ** q) / q` with `p` the predicted probability of the true class.

    Between crossentropy (`q -> 0`) and MAE (`q = 1`); robust to noisy labels.

    Args:
        y_true: integer class ids, shape `y_pred.shape[:-1]`.
        y_pred: class probabilities, shape `(..., num_classes)`.
        q: float in (0, 1).

    Returns:
        The loss of shape `y_pred.shape[:-1]`.

    Example:
        >>> categorical_generalized_cross_entropy([1], [[0.75, 0.25]], q=0.5)
        tensor([1.])
    """
    y_pred = as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(torch.get_default_dtype())
    ids = as_tensor(y_true, device=y_pred.device).long()
    if ids.shape != y_pred.shape[:-1]:
        raise ValueError(
            "categorical_generalized_cross_entropy expects integer class ids of shape y_pred.shape[:-1] = "
            f"{tuple(y_pred.shape[:-1])}, but received y_true of shape {tuple(ids.shape)}. Pass class ids, "
            "not one-hot vectors (use argmax on one-hot labels)."
        )
    num_classes = y_pred.shape[-1]
    # Keras one-hot encodes: an id outside [0, num_classes) has p = 0.
    valid = (ids >= 0) & (ids < num_classes)
    p = torch.gather(y_pred, -1, ids.clamp(0, num_classes - 1).unsqueeze(-1)).squeeze(-1)
    p = torch.where(valid, p, torch.zeros_like(p))
    return (1 - p.pow(q)) / q


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross entropy; see `categorical_generalized_cross_entropy`.

    Args:
        q: float in (0, 1): near 0 behaves like crossentropy, near 1 like MAE.
            Defaults to 0.5.
        reduction, name, dtype: see `Loss`; the default name is
            "categorical_generalized_cross_entropy".

    Example:
        >>> CategoricalGeneralizedCrossEntropy(q=0.5)([1], [[0.75, 0.25]])
        tensor(1.)
    """

    def __init__(self, q=0.5, reduction="sum_over_batch_size", name="categorical_generalized_cross_entropy",
                 dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: q must be in the interval (0, 1), received q={q!r}.")
        super().__init__(categorical_generalized_cross_entropy, name=name, reduction=reduction, dtype=dtype, q=q)
        self.q = q

    def get_config(self):
        return {**Loss.get_config(self), "q": self.q}
