"""`Flatten`: collapses all non-batch dimensions into one."""

import math

import torch

from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

__all__ = ["Flatten"]


class Flatten(Layer):
    """Flattens the input to `(batch, -1)`; the batch size is unaffected.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`. With
            channels_first, the channel axis is moved last before flattening, so
            the element order matches a channels_last model (as in Keras).

    Shapes:
        `(batch, d1, ..., dn)` -> `(batch, d1 * ... * dn)`.

    Example:
        >>> Flatten()(torch.ones(2, 3, 4)).shape
        torch.Size([2, 12])
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format is None:
            from lamina.backend.config import image_data_format

            data_format = image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                f"Flatten layer '{self.name}': data_format must be 'channels_last' or "
                f"'channels_first', received {data_format!r}."
            )
        self.data_format = data_format
        self.input_spec = InputSpec(min_ndim=1)
        self.built = True

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = torch.movedim(inputs, 1, -1)
        if inputs.ndim == 1:
            return inputs.unsqueeze(1)
        return torch.flatten(inputs, 1)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
