"""`Softmax`: softmax over one or several axes, with an optional mask."""

import torch

from lamina.layers.layer import Layer

__all__ = ["Softmax"]


def _large_negative(dtype):
    # As Keras: a value that underflows exp() without overflowing half precision.
    return -3e4 if dtype == torch.float16 else -1e9


class Softmax(Layer):
    """Softmax along `axis`; where `mask` is False the input is ignored and the output is 0.

    Args:
        axis: int or list of ints, the axes normalized over (default last).

    Call arguments:
        inputs: a float tensor.
        mask: a boolean (or 0/1) tensor broadcastable to `inputs` (aligned from the right).

    Shapes:
        output shape = input shape.

    Example:
        >>> Softmax()(torch.zeros(1, 4))
        tensor([[0.2500, 0.2500, 0.2500, 0.2500]])
    """

    supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, tuple) else axis
        self.built = True

    def call(self, inputs, mask=None):
        if mask is not None:
            self._check_mask(inputs, mask)
            mask = mask if mask.dtype == torch.bool else mask > 0.5
            inputs = inputs.masked_fill(~mask, _large_negative(inputs.dtype))
        axis = self.axis
        if isinstance(axis, list) and len(axis) > 1:
            outputs = torch.exp(inputs - torch.logsumexp(inputs, dim=axis, keepdim=True))
        else:
            outputs = torch.softmax(inputs, dim=axis[0] if isinstance(axis, list) else axis)
        if mask is not None:
            outputs = outputs.masked_fill(~mask, 0.0)
        return outputs

    def _check_mask(self, inputs, mask):
        fits = mask.dim() <= inputs.dim() and all(
            m == 1 or m == i for m, i in zip(reversed(mask.shape), reversed(inputs.shape)))
        if not fits:
            raise ValueError(f"Softmax '{self.name}': the mask of shape {tuple(mask.shape)} does not broadcast to "
                             f"the input of shape {tuple(inputs.shape)} (aligned from the last axis, each mask "
                             f"size must be 1 or equal the input's).")

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
