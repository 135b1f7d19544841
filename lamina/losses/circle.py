"""Circle loss for metric learning on L2-normalized embeddings (Sun et al., 2020)."""

import torch
import torch.nn.functional as F

from lamina.losses._tensor_utils import as_tensor
from lamina.losses.loss import Loss, LossFunctionWrapper

__all__ = ["Circle", "circle"]


def _pos_neg_masks(query_labels, key_labels, remove_diagonal):
    positive = query_labels.reshape(-1, 1) == key_labels.reshape(1, -1)
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~torch.eye(positive.shape[0], positive.shape[1], dtype=torch.bool,
                                         device=positive.device)
    return positive, negative


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4):
    """Circle loss of L2-normalized embeddings against reference embeddings (Keras `losses.circle`).

    With cosine distances `d = max(1 - y_pred @ ref^T, 0)`, positives (same label) are
    weighted by `max(margin + d, 0)` towards distance `margin`, negatives by
    `max(1 + margin - d, 0)` towards `1 - margin`; per row
    `softplus(logsumexp_pos(-gamma w_p (margin - d)) + logsumexp_neg(gamma w_n (1 - margin - d)))`.
    The result carries a mask of its positive entries (`_keras_mask`), which the `Circle`
    class uses in its reduction, as Keras does.

    Args:
        y_true: integer labels, shape `(batch_size,)`.
        y_pred: L2-normalized embeddings, shape `(batch_size, dim)`.
        ref_labels: integer labels of the reference embeddings; defaults to `y_true`.
        ref_embeddings: L2-normalized reference embeddings `(n, dim)`; defaults to `y_pred`.
        remove_diagonal: drop self-similarities from the positives. Defaults to True.
        gamma: scale of the similarity scores. Defaults to 80.
        margin: relaxation factor. Defaults to 0.4.

    Returns:
        The loss per row of `y_pred`, shape `(batch_size,)`.

    Example:
        >>> emb = torch.nn.functional.normalize(torch.randn(4, 8), dim=-1)
        >>> circle(torch.tensor([0, 0, 1, 1]), emb).shape
        torch.Size([4])
    """
    y_pred = as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(torch.get_default_dtype())
    labels = as_tensor(y_true, device=y_pred.device).long()
    ref_embeddings = y_pred if ref_embeddings is None else as_tensor(ref_embeddings, dtype=y_pred.dtype,
                                                                       device=y_pred.device)
    ref_labels = labels if ref_labels is None else as_tensor(ref_labels, device=y_pred.device).long()
    if y_pred.dim() != 2 or ref_embeddings.dim() != 2:
        raise ValueError("circle: `y_pred` and `ref_embeddings` must be 2-D embeddings `(batch_size, dim)`, "
                         f"received shapes {tuple(y_pred.shape)} and {tuple(ref_embeddings.shape)}.")
    if labels.numel() != y_pred.shape[0] or ref_labels.numel() != ref_embeddings.shape[0]:
        raise ValueError(f"circle: expected one integer label per embedding, received {labels.numel()} labels for "
                         f"{y_pred.shape[0]} embeddings and {ref_labels.numel()} reference labels for "
                         f"{ref_embeddings.shape[0]} reference embeddings.")
    distances = torch.clamp_min(1 - y_pred @ ref_embeddings.transpose(0, 1), 0.0)
    positive, negative = _pos_neg_masks(labels, ref_labels, remove_diagonal)
    pos_weights = torch.clamp_min((margin + distances) * positive.to(distances.dtype), 0.0)
    neg_weights = torch.clamp_min((1 + margin - distances) * negative.to(distances.dtype), 0.0)
    pos_scores = -gamma * pos_weights * (margin - distances)
    neg_scores = gamma * neg_weights * ((1 - margin) - distances)
    minus_inf = torch.full_like(distances, float("-inf"))
    p_loss = torch.logsumexp(torch.where(positive, pos_scores, minus_inf), dim=1)
    n_loss = torch.logsumexp(torch.where(negative, neg_scores, minus_inf), dim=1)
    loss = F.softplus(p_loss + n_loss)
    loss._keras_mask = loss > 0  # Keras reduces over the rows with a positive loss
    return loss


circle._takes_class_ids = True


class Circle(LossFunctionWrapper):
    """Circle loss between integer labels and L2-normalized embeddings; see `circle`.

    Feed it embeddings without activation followed by `UnitNormalization`. The batch
    mean runs over the rows whose loss is positive (Keras's mask).

    Args:
        gamma: scale of the similarity scores. Defaults to 80.0.
        margin: relaxation factor. Defaults to 0.4.
        remove_diagonal: drop self-similarities from the positives. Defaults to True.
        reduction, name, dtype: see `Loss`; the default name is "circle".

    Example:
        >>> emb = torch.nn.functional.normalize(torch.randn(4, 8), dim=-1)
        >>> Circle(gamma=16.0)(torch.tensor([0, 0, 1, 1]), emb).shape
        torch.Size([])
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction="sum_over_batch_size", name="circle",
                 dtype=None):
        super().__init__(circle, name=name, reduction=reduction, dtype=dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal

    def get_config(self):
        return {**Loss.get_config(self), "gamma": self.gamma, "margin": self.margin,
                "remove_diagonal": self.remove_diagonal}
