"""`BasePooling`: max/average pooling over 1-3 spatial dims with Keras's valid/same semantics.

"same" follows TF/Keras: pads split with the odd one at the end; max pooling ignores the
padding (pads with -inf) and average pooling divides by the number of real inputs in each
window (like torch's count_include_pad=False, but torch only pads symmetrically, so we pad
explicitly and divide by a pooled mask of ones).
"""

import math

import torch
import torch.nn.functional as F

from lamina.layers._conv_args import (channels_first_view, channels_last_view, conv_output_length,
                                      normalize_data_format, normalize_padding, normalize_tuple, same_pads)
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

__all__ = ["BasePooling"]

_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


class BasePooling(Layer):
    """Pooling over `rank` spatial dims (abstract: use MaxPooling2D, AveragePooling1D, ...).

    Args:
        rank: number of spatial dimensions.
        mode: `"max"` or `"average"`.
        pool_size: int or tuple of `rank` ints, the window size.
        strides: int or tuple; None (default) means `pool_size`.
        padding: `"valid"` (default) or `"same"`.
        data_format: `"channels_last"` (default) or `"channels_first"`.
    """

    def __init__(self, rank, mode, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = f"{type(self).__name__} layer '{self.name}'"
        self.rank = rank
        self.mode = mode
        self.pool_size = normalize_tuple(pool_size, rank, "pool_size", owner)
        self.strides = self.pool_size if strides is None else normalize_tuple(strides, rank, "strides", owner)
        self.padding = normalize_padding(padding, owner)
        self.data_format = normalize_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=rank + 2)
        # Keras builds pooling layers at construction (no weights), so its configs carry no build_config.
        self.built = True

    def _check_window_fits(self, input_shape):
        """A window larger than the input with valid padding would give an empty output."""
        if self.padding == "valid":
            spatial = self._spatial(input_shape)
            if any(n is not None and k > n for n, k in zip(spatial, self.pool_size)):
                raise ValueError(
                    f"{type(self).__name__} layer '{self.name}': pool_size={self.pool_size} is larger than the "
                    f"input's spatial shape {spatial} (input shape {tuple(input_shape)}) with padding='valid'; "
                    f"the output would be empty. Use padding='same' or a smaller pool_size.")

    def _explain_call_error(self, error, args):
        # Eager calls skip compute_output_shape (no per-call checks): only when torch fails is the
        # window checked, to replace torch's "output size is too small" with the layer's own error.
        if args and isinstance(args[0], torch.Tensor):
            try:
                self._check_window_fits(tuple(args[0].shape))
            except ValueError as clearer:
                raise clearer from error
        super()._explain_call_error(error, args)

    def _spatial(self, shape):
        return tuple(shape[1:-1]) if self.data_format == "channels_last" else tuple(shape[2:])

    def compute_output_shape(self, input_shape):
        self._check_window_fits(input_shape)
        spatial = tuple(conv_output_length(n, k, self.padding, s) for n, k, s in
                        zip(self._spatial(input_shape), self.pool_size, self.strides))
        if self.data_format == "channels_last":
            return (input_shape[0],) + spatial + (input_shape[-1],)
        return (input_shape[0], input_shape[1]) + spatial

    def call(self, inputs):
        x = channels_first_view(inputs, self.rank) if self.data_format == "channels_last" else inputs
        pads = None
        if self.padding == "same":
            pads = [same_pads(n, k, s, 1) for n, k, s in zip(x.shape[2:], self.pool_size, self.strides)]
            if not any(a or b for a, b in pads):
                pads = None
        if self.mode == "max":
            if pads is not None:
                x = F.pad(x, _flat(pads), value=-math.inf)
            out = _MAX[self.rank](x, self.pool_size, self.strides)
        elif pads is None:
            out = _AVG[self.rank](x, self.pool_size, self.strides)
        else:
            # Sum over real inputs / their count: pool the zero-padded input and a padded ones mask.
            ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)
            flat = _flat(pads)
            out = _AVG[self.rank](F.pad(x, flat), self.pool_size, self.strides)
            out = out / _AVG[self.rank](F.pad(ones, flat), self.pool_size, self.strides)
        return channels_last_view(out, self.rank) if self.data_format == "channels_last" else out

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": list(self.pool_size), "padding": self.padding,
                       "strides": list(self.strides), "data_format": self.data_format})
        return config


def _flat(pads):
    flat = []
    for before, after in reversed(pads):  # F.pad lists the last dimension first
        flat.extend((before, after))
    return flat
