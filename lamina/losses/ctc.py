"""CTC, the connectionist temporal classification loss (Graves et al., 2006), on torch's `ctc_loss` kernel."""

import torch

from lamina.losses._tensor_utils import as_tensor
from lamina.losses.loss import Loss, LossFunctionWrapper
from lamina.ops.nn.ctc import ctc_loss

__all__ = ["CTC", "ctc"]


def ctc(y_true, y_pred):
    """Connectionist temporal classification loss per sequence (Keras `losses.ctc`).

    Every output sequence is `y_pred.shape[1]` steps long; each label sequence ends at
    its first padding `0` (class 0 is the blank and must not be used as a label).
    Runs torch's `ctc_loss` kernel on `log_softmax(y_pred)`.

    Args:
        y_true: integer labels of shape `(batch_size, max_label_length)`, padded with 0.
        y_pred: logits of shape `(batch_size, time_steps, num_classes)` (not softmaxed;
            Keras applies the log-softmax itself).

    Returns:
        The negative log-likelihood of each label sequence, shape `(batch_size,)`.

    Example:
        >>> ctc(torch.tensor([[1, 0]]), torch.zeros(1, 3, 2))
        tensor([0.8630])
    """
    y_pred = as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(torch.get_default_dtype())
    y_true = as_tensor(y_true, device=y_pred.device)
    if y_true.dim() != 2:
        raise ValueError("ctc: targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` "
                         f"in integer format. Received: y_true.shape={tuple(y_true.shape)}")
    if y_pred.dim() != 3:
        raise ValueError("ctc: logits `y_pred` are expected to be a tensor of shape "
                         f"`(batch_size, max_length, num_classes)`. Received: y_pred.shape={tuple(y_pred.shape)}")
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(f"ctc: `y_true` and `y_pred` must have the same batch size, received "
                         f"{tuple(y_true.shape)} and {tuple(y_pred.shape)}.")
    labels = y_true.long()
    batch, time = y_pred.shape[0], y_pred.shape[1]
    label_length = (labels != 0).sum(dim=-1)
    input_length = torch.full((batch,), time, dtype=torch.long, device=y_pred.device)
    # `ops.ctc_loss`: torch's kernel on log_softmax(y_pred), float32 for half-precision inputs.
    loss = ctc_loss(labels, y_pred, label_length, input_length, mask_index=0)
    return loss.to(y_pred.dtype)


ctc._takes_class_ids = True  # integer labels of their own shape: no rank alignment, no float cast


class CTC(LossFunctionWrapper):
    """CTC loss; see `ctc`.

    Args:
        reduction: see `Loss`. Defaults to "sum_over_batch_size".
        name: defaults to "ctc".
        dtype: see `Loss`.

    Example:
        >>> CTC()(torch.tensor([[1, 0]]), torch.zeros(1, 3, 2))
        tensor(0.8630)
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)
