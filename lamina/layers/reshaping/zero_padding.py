"""`ZeroPadding1D/2D/3D`: pads spatial axes with zeros."""

import torch.nn.functional as F

from lamina.layers._conv_args import normalize_data_format
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.reshaping._pairs import normalize_pairs

__all__ = ["ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"]


class _BaseZeroPadding(Layer):
    _rank = 1

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = f"{type(self).__name__} layer '{self.name}'"
        self.padding = normalize_pairs(padding, self._rank, "padding", owner)
        self.data_format = normalize_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=self._rank + 2)
        first = 1 if self.data_format == "channels_last" else 2
        self._axes = tuple(range(first, first + self._rank))
        # F.pad lists (before, after) from the last dimension backwards.
        ndim = self._rank + 2
        flat = []
        for dim in reversed(range(1, ndim)):
            flat.extend(self.padding[self._axes.index(dim)] if dim in self._axes else (0, 0))
        self._flat = tuple(flat)

    def call(self, inputs):
        return F.pad(inputs, self._flat)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(self._axes, self.padding):
            shape[axis] = None if shape[axis] is None else shape[axis] + before + after
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": [list(p) for p in self.padding], "data_format": self.data_format})
        return config


class ZeroPadding1D(_BaseZeroPadding):
    """Pads the steps axis of `(batch, steps, features)` with zeros.

    Args:
        padding: int (both sides) or `(before, after)` (default 1).

    Example:
        >>> ZeroPadding1D((1, 2))(torch.ones(2, 3, 4)).shape
        torch.Size([2, 6, 4])
    """

    _rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["padding"] = list(self.padding[0])
        return config


class ZeroPadding2D(_BaseZeroPadding):
    """Pads rows and cols with zeros.

    Args:
        padding: int, `(rows, cols)` (symmetric) or `((top, bottom), (left, right))` (default `(1, 1)`).
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> ZeroPadding2D(((1, 2), (0, 1)))(torch.ones(2, 3, 4, 2)).shape
        torch.Size([2, 6, 5, 2])
    """

    _rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)


class ZeroPadding3D(_BaseZeroPadding):
    """Pads the 3 spatial axes with zeros.

    Args:
        padding: int, 3 ints (symmetric) or 3 `(before, after)` pairs (default `((1, 1), (1, 1), (1, 1))`).
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> ZeroPadding3D(1)(torch.ones(1, 2, 2, 2, 3)).shape
        torch.Size([1, 4, 4, 4, 3])
    """

    _rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)
