"""Pooling ops of `keras.ops.nn` on torch's pooling kernels.

"same" pooling follows Keras (TensorFlow): the odd extra pad goes at the end, max pooling ignores
the padding and average pooling divides by the number of real (unpadded) inputs in each window.
"""

import math

import torch
import torch.nn.functional as F

from lamina.layers._conv_args import channels_first_view, channels_last_view, same_pads
from lamina.ops._args import int_tuple, standardize_data_format
from lamina.ops._dtypes import convert_to_tensor
from lamina.ops._op import keras_op

__all__ = ["max_pool", "average_pool", "adaptive_max_pool", "adaptive_average_pool"]

_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
_ADAPTIVE_MAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}
_ADAPTIVE_AVG = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}


def _channels_first(op, inputs, data_format):
    x = convert_to_tensor(inputs)
    rank = x.ndim - 2
    if rank not in (1, 2, 3):
        raise ValueError(
            f"{op}: `inputs` must have rank 3, 4 or 5 (batch, spatial dims, channels), received "
            f"shape {tuple(x.shape)}."
        )
    data_format = standardize_data_format(data_format, op)
    if data_format == "channels_last":
        x = channels_first_view(x, rank)
    return x, rank, data_format


def _pool(op, mode, inputs, pool_size, strides, padding, data_format):
    x, rank, data_format = _channels_first(op, inputs, data_format)
    pool_size = int_tuple(pool_size, rank, "pool_size", op)
    strides = pool_size if strides is None else int_tuple(strides, rank, "strides", op)
    padding = padding.lower() if isinstance(padding, str) else padding
    if padding not in ("valid", "same"):
        raise ValueError(f"{op}: `padding` must be 'valid' or 'same', received padding={padding!r}.")
    if padding == "valid" and any(k > n for k, n in zip(pool_size, x.shape[2:])):
        raise ValueError(
            f"{op}: the pool size {pool_size} is larger than the input's spatial size "
            f"{tuple(x.shape[2:])} with padding='valid'."
        )
    if not (x.is_floating_point()):
        x = x.to(torch.float32)
    pads = None
    if padding == "same":
        pads = [same_pads(n, k, s, 1) for n, k, s in zip(x.shape[2:], pool_size, strides)]
        if not any(a or b for a, b in pads):
            pads = None
    flat = None
    if pads is not None:
        flat = []
        for before, after in reversed(pads):  # F.pad lists the last dimension first
            flat.extend((before, after))
    if mode == "max":
        if flat is not None:
            x = F.pad(x, flat, value=-math.inf)
        out = _MAX[rank](x, pool_size, strides)
    elif flat is None:
        out = _AVG[rank](x, pool_size, strides)
    else:
        # Sum over real inputs / their count: pool the zero-padded input and a padded ones mask.
        ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)
        out = _AVG[rank](F.pad(x, flat), pool_size, strides)
        out = out / _AVG[rank](F.pad(ones, flat), pool_size, strides)
    return channels_last_view(out, rank) if data_format == "channels_last" else out


@keras_op("MaxPool", config=("pool_size", "strides", "padding", "data_format"), module="nn")
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over 1-3 spatial dimensions (`tf.nn.max_pool`; torch `F.max_pool1d/2d/3d`).

    Args:
        inputs: Tensor of shape `(batch, *spatial, channels)` (or channels_first).
        pool_size: Int or tuple, the window size.
        strides: Int or tuple; default `pool_size`.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"`; default the global image format.

    Example:
        >>> max_pool(torch.arange(4.0).reshape(1, 4, 1), 2)
        tensor([[[1.],
                 [3.]]])
    """
    return _pool("max_pool", "max", inputs, pool_size, strides, padding, data_format)


@keras_op("AveragePool", config=("pool_size", "strides", "padding", "data_format"), module="nn")
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over 1-3 spatial dimensions (`tf.nn.avg_pool`; torch `F.avg_pool1d/2d/3d`).

    Args:
        inputs: Tensor of shape `(batch, *spatial, channels)` (or channels_first).
        pool_size: Int or tuple, the window size.
        strides: Int or tuple; default `pool_size`.
        padding: `"valid"` or `"same"` (padding is not counted in the average).
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        >>> average_pool(torch.arange(4.0).reshape(1, 4, 1), 2)
        tensor([[[0.5000],
                 [2.5000]]])
    """
    return _pool("average_pool", "avg", inputs, pool_size, strides, padding, data_format)


def _adaptive(op, table, inputs, output_size, data_format):
    x, rank, data_format = _channels_first(op, inputs, data_format)
    size = int_tuple(output_size, rank, "output_size", op)
    if not x.is_floating_point():
        x = x.to(torch.float32)
    out = table[rank](x, size)
    if isinstance(out, tuple):
        out = out[0]
    return channels_last_view(out, rank) if data_format == "channels_last" else out


@keras_op("AdaptiveMaxPool", config=("output_size", "data_format"), module="nn")
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed output size (torch `F.adaptive_max_pool1d/2d/3d`).

    Args:
        inputs: Tensor of shape `(batch, *spatial, channels)` (or channels_first).
        output_size: Int or tuple, the spatial size of the output.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        >>> adaptive_max_pool(torch.arange(4.0).reshape(1, 4, 1), 2)
        tensor([[[1.],
                 [3.]]])
    """
    return _adaptive("adaptive_max_pool", _ADAPTIVE_MAX, inputs, output_size, data_format)


@keras_op("AdaptiveAveragePool", config=("output_size", "data_format"), module="nn")
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed output size (torch `F.adaptive_avg_pool1d/2d/3d`).

    Args:
        inputs: Tensor of shape `(batch, *spatial, channels)` (or channels_first).
        output_size: Int or tuple, the spatial size of the output.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        >>> adaptive_average_pool(torch.arange(4.0).reshape(1, 4, 1), 1)
        tensor([[[1.5000]]])
    """
    return _adaptive("adaptive_average_pool", _ADAPTIVE_AVG, inputs, output_size, data_format)
