"""Adaptive average/max pooling: a fixed output size whatever the input size.

Keras 3.15 splits an input of length `L` into `out` windows `[floor(i*L/out), ceil((i+1)*L/out))`,
which is exactly torch's adaptive pooling; the layers run torch's kernels on a channels_first view.
"""

import torch.nn.functional as F

from lamina.layers._conv_args import normalize_data_format
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

__all__ = ["BaseAdaptivePooling", "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D",
           "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"]

_KERNELS = {
    ("average", 1): F.adaptive_avg_pool1d, ("average", 2): F.adaptive_avg_pool2d,
    ("average", 3): F.adaptive_avg_pool3d,
    ("max", 1): F.adaptive_max_pool1d, ("max", 2): F.adaptive_max_pool2d, ("max", 3): F.adaptive_max_pool3d,
}
_WHAT = {1: "(length,)", 2: "(height, width)", 3: "(depth, height, width)"}


class BaseAdaptivePooling(Layer):
    """Pools the spatial dims to `output_size` (abstract: use AdaptiveAveragePooling2D, ...).

    Args:
        rank: number of spatial dimensions.
        mode: `"average"` or `"max"`.
        output_size: int (same for every spatial dim) or a tuple of `rank` ints.
        data_format: `"channels_last"` (default) or `"channels_first"`.
    """

    def __init__(self, rank, mode, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = f"{type(self).__name__} layer '{self.name}'"
        if isinstance(output_size, int) and not isinstance(output_size, bool):
            size = (output_size,) * rank
        elif isinstance(output_size, (tuple, list)) and len(output_size) == rank:
            size = tuple(output_size)
        else:
            raise TypeError(f"{name}: `output_size` must be an integer or a {_WHAT[rank]} tuple, received "
                            f"output_size={output_size!r} of type {type(output_size).__name__}.")
        if not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in size):
            raise ValueError(f"{name}: every entry of `output_size` must be a positive int, received "
                             f"output_size={output_size!r}.")
        self.rank, self.mode = rank, mode
        self.output_size = size
        self.data_format = normalize_data_format(data_format, name)
        self.input_spec = InputSpec(ndim=rank + 2)
        self.built = True

    def call(self, inputs):
        # Looked up per call: torch's max-pool functions are local closures, which do not pickle.
        kernel = _KERNELS[(self.mode, self.rank)]
        if self.data_format == "channels_first":
            return kernel(inputs, self.output_size)
        # channels_last: a channels_first view (no copy), pooled, moved back.
        return kernel(inputs.movedim(-1, 1), self.output_size).movedim(1, -1)

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self):
        config = super().get_config()
        config.update({"output_size": self.output_size, "data_format": self.data_format})
        return config


def _make(rank, mode, doc_shape):
    def __init__(self, output_size, data_format=None, **kwargs):
        BaseAdaptivePooling.__init__(self, rank, mode, output_size, data_format=data_format, **kwargs)
    return __init__


class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    """Average pooling to a fixed length: `(batch, steps, channels)` -> `(batch, output_size, channels)`.

    Args:
        output_size: int or `(length,)`.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> AdaptiveAveragePooling1D(4)(torch.ones(2, 10, 3)).shape
        torch.Size([2, 4, 3])
    """

    __init__ = _make(1, "average", None)


class AdaptiveAveragePooling2D(BaseAdaptivePooling):
    """Average pooling to a fixed `(height, width)`: `(batch, h, w, c)` -> `(batch, oh, ow, c)`.

    Args:
        output_size: int or `(height, width)`.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> AdaptiveAveragePooling2D((2, 3))(torch.ones(2, 7, 9, 3)).shape
        torch.Size([2, 2, 3, 3])
    """

    __init__ = _make(2, "average", None)


class AdaptiveAveragePooling3D(BaseAdaptivePooling):
    """Average pooling to a fixed `(depth, height, width)` (5-D inputs).

    Args:
        output_size: int or `(depth, height, width)`.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> AdaptiveAveragePooling3D(2)(torch.ones(1, 5, 5, 5, 3)).shape
        torch.Size([1, 2, 2, 2, 3])
    """

    __init__ = _make(3, "average", None)


class AdaptiveMaxPooling1D(BaseAdaptivePooling):
    """Max pooling to a fixed length: `(batch, steps, channels)` -> `(batch, output_size, channels)`.

    Args:
        output_size: int or `(length,)`.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> AdaptiveMaxPooling1D(4)(torch.ones(2, 10, 3)).shape
        torch.Size([2, 4, 3])
    """

    __init__ = _make(1, "max", None)


class AdaptiveMaxPooling2D(BaseAdaptivePooling):
    """Max pooling to a fixed `(height, width)`: `(batch, h, w, c)` -> `(batch, oh, ow, c)`.

    Args:
        output_size: int or `(height, width)`.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> AdaptiveMaxPooling2D(2)(torch.ones(2, 7, 9, 3)).shape
        torch.Size([2, 2, 2, 3])
    """

    __init__ = _make(2, "max", None)


class AdaptiveMaxPooling3D(BaseAdaptivePooling):
    """Max pooling to a fixed `(depth, height, width)` (5-D inputs).

    Args:
        output_size: int or `(depth, height, width)`.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> AdaptiveMaxPooling3D(2)(torch.ones(1, 5, 5, 5, 3)).shape
        torch.Size([1, 2, 2, 2, 3])
    """

    __init__ = _make(3, "max", None)
