"""`UpSampling1D/2D/3D`: repeats (or, in 2-D, bilinearly interpolates) along spatial axes."""

import torch
import torch.nn.functional as F

from lamina.layers._conv_args import channels_first_view, channels_last_view, normalize_data_format, normalize_tuple
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

__all__ = ["UpSampling1D", "UpSampling2D", "UpSampling3D"]


class _BaseUpSampling(Layer):
    _rank = 1

    def __init__(self, size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = f"{type(self).__name__} layer '{self.name}'"
        self.size = normalize_tuple(size, self._rank, "size", owner)
        self.data_format = normalize_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=self._rank + 2)
        first = 1 if self.data_format == "channels_last" else 2
        self._axes = tuple(range(first, first + self._rank))

    def call(self, inputs):
        out = inputs
        for axis, factor in zip(self._axes, self.size):
            if factor != 1:
                out = torch.repeat_interleave(out, factor, dim=axis)
        return out

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, factor in zip(self._axes, self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"size": list(self.size), "data_format": self.data_format})
        return config


class UpSampling1D(_BaseUpSampling):
    """Repeats each timestep `size` times: `(batch, steps, features)` -> `(batch, steps * size, features)`.

    Args:
        size: the repetition factor (default 2).

    Example:
        >>> UpSampling1D(2)(torch.ones(2, 3, 4)).shape
        torch.Size([2, 6, 4])
    """

    _rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format")
        config["size"] = self.size[0]
        return config


class UpSampling2D(_BaseUpSampling):
    """Upsamples rows and cols by `size`, with nearest-neighbour repetition or bilinear interpolation.

    Bilinear uses half-pixel centers with edge clamping (torch's `align_corners=False`), which is
    what Keras's `ops.image.resize` computes.

    Args:
        size: int or `(rows, cols)` factors (default `(2, 2)`).
        data_format: `"channels_last"` (default) or `"channels_first"`.
        interpolation: `"nearest"` (default) or `"bilinear"`.

    Example:
        >>> UpSampling2D()(torch.ones(2, 3, 3, 2)).shape
        torch.Size([2, 6, 6, 2])
    """

    _rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format=data_format, **kwargs)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D layer '{self.name}': `interpolation` must be 'nearest' or "
                             f"'bilinear', received interpolation={interpolation!r}.")
        self.interpolation = interpolation

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        x = channels_first_view(inputs, 2) if self.data_format == "channels_last" else inputs
        out = F.interpolate(x, scale_factor=self.size, mode="bilinear", align_corners=False)
        return channels_last_view(out, 2) if self.data_format == "channels_last" else out

    def get_config(self):
        config = super().get_config()
        config["interpolation"] = self.interpolation
        return config


class UpSampling3D(_BaseUpSampling):
    """Repeats along the 3 spatial axes by `size` (nearest neighbour).

    Args:
        size: int or `(d1, d2, d3)` factors (default `(2, 2, 2)`).
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> UpSampling3D()(torch.ones(1, 2, 2, 2, 3)).shape
        torch.Size([1, 4, 4, 4, 3])
    """

    _rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format=data_format, **kwargs)
