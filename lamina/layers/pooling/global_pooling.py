"""Global max/average pooling over all spatial dims (1-D versions accept a timestep mask)."""

import torch

from lamina.layers._conv_args import normalize_data_format
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

__all__ = ["BaseGlobalPooling", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D"]


class BaseGlobalPooling(Layer):
    """Reduces all spatial dims with max or mean (abstract: use GlobalMaxPooling2D, ...).

    Args:
        rank: number of spatial dimensions.
        mode: `"max"` or `"average"`.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        keepdims: keep the reduced dims with size 1 (default False).
    """

    def __init__(self, rank, mode, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.mode = mode
        self.data_format = normalize_data_format(data_format, f"{type(self).__name__} layer '{self.name}'")
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=rank + 2)
        first = 1 if self.data_format == "channels_last" else 2
        self._axes = tuple(range(first, first + rank))
        self.built = True

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return tuple(1 if i in self._axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in self._axes)

    def compute_mask(self, inputs, mask=None):
        return None  # the time axis is gone

    def call(self, inputs):
        if self.mode == "max":
            return torch.amax(inputs, dim=self._axes, keepdim=self.keepdims)
        return torch.mean(inputs, dim=self._axes, keepdim=self.keepdims)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


def _make(rank, mode):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        BaseGlobalPooling.__init__(self, rank, mode, data_format=data_format, keepdims=keepdims, **kwargs)
    return __init__


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Max over the steps axis: `(batch, steps, features)` -> `(batch, features)`.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`.
        keepdims: keep the steps axis with size 1.

    A `mask` (batch, steps) is accepted but, exactly as in Keras 3, not applied: the max runs
    over every step (Keras's GlobalMaxPooling1D has no masked variant; matching it keeps ported
    models' numbers identical).

    Example:
        >>> GlobalMaxPooling1D()(torch.ones(2, 5, 4)).shape
        torch.Size([2, 4])
    """

    supports_masking = True
    __init__ = _make(1, "max")

    def call(self, inputs, mask=None):
        return super().call(inputs)


class GlobalMaxPooling2D(BaseGlobalPooling):
    """Max over rows and cols: `(batch, rows, cols, channels)` -> `(batch, channels)`.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`.
        keepdims: keep the spatial axes with size 1.

    Example:
        >>> GlobalMaxPooling2D()(torch.ones(2, 5, 5, 3)).shape
        torch.Size([2, 3])
    """

    __init__ = _make(2, "max")


class GlobalMaxPooling3D(BaseGlobalPooling):
    """Max over the 3 spatial axes: `(batch, d1, d2, d3, channels)` -> `(batch, channels)`.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`.
        keepdims: keep the spatial axes with size 1.

    Example:
        >>> GlobalMaxPooling3D()(torch.ones(2, 3, 3, 3, 4)).shape
        torch.Size([2, 4])
    """

    __init__ = _make(3, "max")


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mean over the steps axis: `(batch, steps, features)` -> `(batch, features)`.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`.
        keepdims: keep the steps axis with size 1.

    With a `mask` (batch, steps), only unmasked steps are averaged, as in Keras.

    Example:
        >>> GlobalAveragePooling1D()(torch.ones(2, 5, 4)).shape
        torch.Size([2, 4])
    """

    supports_masking = True
    __init__ = _make(1, "average")

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        mask = mask.unsqueeze(-1 if self.data_format == "channels_last" else 1).to(inputs.dtype)
        total = torch.sum(inputs * mask, dim=self._axes, keepdim=self.keepdims)
        return total / torch.sum(mask, dim=self._axes, keepdim=self.keepdims)


class GlobalAveragePooling2D(BaseGlobalPooling):
    """Mean over rows and cols: `(batch, rows, cols, channels)` -> `(batch, channels)`.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`.
        keepdims: keep the spatial axes with size 1.

    Example:
        >>> GlobalAveragePooling2D()(torch.ones(2, 5, 5, 3)).shape
        torch.Size([2, 3])
    """

    __init__ = _make(2, "average")


class GlobalAveragePooling3D(BaseGlobalPooling):
    """Mean over the 3 spatial axes: `(batch, d1, d2, d3, channels)` -> `(batch, channels)`.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`.
        keepdims: keep the spatial axes with size 1.

    Example:
        >>> GlobalAveragePooling3D()(torch.ones(2, 3, 3, 3, 4)).shape
        torch.Size([2, 4])
    """

    __init__ = _make(3, "average")
