"""Convolution ops of `keras.ops.nn` with Keras's kernel layouts, on torch's conv kernels.

Keras kernel layouts (what these ops take, as `.keras` files store them):
- `conv`: `(*kernel_size, in_channels / groups, out_channels)`; grouped when the input has a
  multiple of the kernel's input channels;
- `conv_transpose`: `(*kernel_size, out_channels, in_channels)`;
- `depthwise_conv`: `(*kernel_size, in_channels, channel_multiplier)`;
- `separable_conv`: a depthwise kernel then a `(*1, in * multiplier, out)` pointwise kernel.
"same" padding is Keras's (TensorFlow's): the odd extra pad goes at the end.
"""

import torch
import torch.nn.functional as F

from lamina.layers._conv_args import channels_first_view, channels_last_view, same_pads
from lamina.layers.convolutional.base_conv_transpose import _left_pad, transpose_output_length
from lamina.ops._args import int_tuple, standardize_data_format
from lamina.ops._dtypes import convert_to_tensor
from lamina.ops._op import keras_op

__all__ = ["conv", "conv_transpose", "depthwise_conv", "separable_conv"]

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _prepare(op, inputs, kernel, data_format, kernel_rank_offset=2):
    """Inputs in channels_first, the kernel on the same device/dtype, and the spatial rank."""
    inputs = convert_to_tensor(inputs)
    kernel = convert_to_tensor(kernel, device=inputs.device)
    rank = inputs.ndim - 2
    if rank not in (1, 2, 3):
        raise ValueError(
            f"{op}: `inputs` must have rank 3, 4 or 5 (batch, spatial dims, channels), received "
            f"shape {tuple(inputs.shape)}."
        )
    if kernel.ndim != rank + kernel_rank_offset:
        raise ValueError(
            f"{op}: the kernel must have rank {rank + kernel_rank_offset} for {rank}-D inputs of "
            f"shape {tuple(inputs.shape)}, received a kernel of shape {tuple(kernel.shape)}."
        )
    # torch promotion (float64 stays float64, as in Keras's torch backend and lamina's ops.numpy).
    dtype = torch.promote_types(inputs.dtype, kernel.dtype)
    if not dtype.is_floating_point:
        dtype = torch.float32
    inputs, kernel = inputs.to(dtype), kernel.to(dtype)
    data_format = standardize_data_format(data_format, op)
    if data_format == "channels_last":
        inputs = channels_first_view(inputs, rank)
    return inputs, kernel, rank, data_format


def _finish(outputs, rank, data_format):
    return channels_last_view(outputs, rank) if data_format == "channels_last" else outputs


def _padding(op, padding):
    value = padding.lower() if isinstance(padding, str) else padding
    if value not in ("valid", "same"):
        raise ValueError(f"{op}: `padding` must be 'valid' or 'same', received padding={padding!r}.")
    return value


def _run_conv(x, weight, strides, padding, dilation, groups, rank):
    """torch conv with Keras's "same" (asymmetric pads done by F.pad only when needed)."""
    if padding == "valid":
        return _CONV[rank](x, weight, None, strides, 0, dilation, groups)
    pads = [same_pads(n, k, s, d) for n, k, s, d in
            zip(x.shape[2:], weight.shape[2:], strides, dilation)]
    if all(a == b for a, b in pads):
        return _CONV[rank](x, weight, None, strides, tuple(a for a, _ in pads), dilation, groups)
    flat = []
    for before, after in reversed(pads):
        flat.extend((before, after))
    return _CONV[rank](F.pad(x, flat), weight, None, strides, 0, dilation, groups)


def _check_fits(op, x, kernel_spatial, strides, dilation, padding):
    if padding != "valid":
        return
    for n, k, d in zip(x.shape[2:], kernel_spatial, dilation):
        if (k - 1) * d + 1 > n:
            raise ValueError(
                f"{op}: the (dilated) kernel of size {tuple(kernel_spatial)} is larger than the "
                f"input's spatial size {tuple(x.shape[2:])} with padding='valid'; use "
                "padding='same' or a larger input."
            )


@keras_op("Conv", config=("strides", "padding", "data_format", "dilation_rate"), module="nn")
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (1-D to 3-D) with a Keras-layout kernel (`tf.nn.convolution`;
    torch `F.conv1d/2d/3d`).

    Args:
        inputs: Tensor of shape `(batch, *spatial, channels)` (`channels_last`) or
            `(batch, channels, *spatial)`.
        kernel: Tensor of shape `(*kernel_size, channels / groups, filters)`.
        strides: Int or tuple, one per spatial dimension.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"`; default the global image format.
        dilation_rate: Int or tuple, one per spatial dimension.

    Returns:
        Tensor of shape `(batch, *out_spatial, filters)` (or channels_first).

    Example:
        >>> conv(torch.ones(1, 5, 2), torch.ones(3, 2, 4)).shape
        torch.Size([1, 3, 4])
    """
    x, kernel, rank, data_format = _prepare("conv", inputs, kernel, data_format)
    padding = _padding("conv", padding)
    strides = int_tuple(strides, rank, "strides", "conv")
    dilation = int_tuple(dilation_rate, rank, "dilation_rate", "conv")
    in_channels, kernel_in = x.shape[1], kernel.shape[-2]
    if kernel_in == 0 or in_channels % kernel_in:
        raise ValueError(
            f"conv: the input has {in_channels} channels, which is not a multiple of the kernel's "
            f"input channels {kernel_in} (kernel shape {tuple(kernel.shape)}, Keras layout "
            "(*kernel_size, in_channels / groups, out_channels))."
        )
    _check_fits("conv", x, kernel.shape[:rank], strides, dilation, padding)
    weight = kernel.permute(rank + 1, rank, *range(rank))  # -> (out, in / groups, *k)
    out = _run_conv(x, weight, strides, padding, dilation, in_channels // kernel_in, rank)
    return _finish(out, rank, data_format)


@keras_op("DepthwiseConv", config=("strides", "padding", "data_format", "dilation_rate"),
          module="nn")
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution: each input channel convolved with its own filters
    (`tf.nn.depthwise_conv2d`; torch `F.conv2d(..., groups=channels)`).

    Args:
        inputs: Tensor of shape `(batch, *spatial, channels)` (or channels_first).
        kernel: Tensor of shape `(*kernel_size, channels, channel_multiplier)`.
        strides, padding, data_format, dilation_rate: As in `conv`.

    Returns:
        Tensor with `channels * channel_multiplier` channels.

    Example:
        >>> depthwise_conv(torch.ones(1, 5, 5, 3), torch.ones(3, 3, 3, 2)).shape
        torch.Size([1, 3, 3, 6])
    """
    x, kernel, rank, data_format = _prepare("depthwise_conv", inputs, kernel, data_format)
    padding = _padding("depthwise_conv", padding)
    strides = int_tuple(strides, rank, "strides", "depthwise_conv")
    dilation = int_tuple(dilation_rate, rank, "dilation_rate", "depthwise_conv")
    if kernel.shape[-2] != x.shape[1]:
        raise ValueError(
            f"depthwise_conv: the kernel's input channels ({kernel.shape[-2]}, kernel shape "
            f"{tuple(kernel.shape)}) must equal the input's channels ({x.shape[1]})."
        )
    _check_fits("depthwise_conv", x, kernel.shape[:rank], strides, dilation, padding)
    # (*k, in, mult) -> (in * mult, 1, *k); output channel c * mult + m, as Keras.
    weight = kernel.reshape(kernel.shape[:rank] + (1, -1)).permute(rank + 1, rank, *range(rank))
    out = _run_conv(x, weight, strides, padding, dilation, x.shape[1], rank)
    return _finish(out, rank, data_format)


@keras_op("SeparableConv", config=("strides", "padding", "data_format", "dilation_rate"),
          module="nn")
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """Depthwise convolution followed by a 1x1 pointwise convolution
    (`tf.nn.separable_conv2d`; torch two `F.conv2d` calls).

    Args:
        inputs: Tensor of shape `(batch, *spatial, channels)` (or channels_first).
        depthwise_kernel: Tensor of shape `(*kernel_size, channels, channel_multiplier)`.
        pointwise_kernel: Tensor of shape `(*1, channels * channel_multiplier, filters)`.
        strides, padding, data_format, dilation_rate: As in `conv` (for the depthwise step).

    Example:
        >>> separable_conv(torch.ones(1, 5, 5, 3), torch.ones(3, 3, 3, 2),
        ...                torch.ones(1, 1, 6, 4)).shape
        torch.Size([1, 3, 3, 4])
    """
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format,
                               dilation_rate)
    return conv(depthwise, pointwise_kernel, 1, "valid", data_format, 1)


@keras_op("ConvTranspose",
          config=("strides", "padding", "output_padding", "data_format", "dilation_rate"),
          module="nn")
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution with Keras's output size (`tf.nn.conv_transpose`;
    torch `F.conv_transpose1d/2d/3d`).

    Args:
        inputs: Tensor of shape `(batch, *spatial, channels)` (or channels_first).
        kernel: Tensor of shape `(*kernel_size, filters, channels)`.
        strides: Int or tuple.
        padding: `"valid"` or `"same"`.
        output_padding: Int or tuple (each smaller than its stride) added at the end of each
            output dimension, or `None` to infer it as Keras does.
        data_format: `"channels_last"` or `"channels_first"`.
        dilation_rate: Int or tuple.

    Example:
        >>> conv_transpose(torch.ones(1, 4, 4, 3), torch.ones(3, 3, 5, 3), 2, "same").shape
        torch.Size([1, 8, 8, 5])
    """
    x, kernel, rank, data_format = _prepare("conv_transpose", inputs, kernel, data_format)
    padding = _padding("conv_transpose", padding)
    strides = int_tuple(strides, rank, "strides", "conv_transpose")
    dilation = int_tuple(dilation_rate, rank, "dilation_rate", "conv_transpose")
    if output_padding is None:
        output_padding = (None,) * rank
    else:
        output_padding = int_tuple(output_padding, rank, "output_padding", "conv_transpose",
                                   allow_zero=True)
        if any(p >= s for p, s in zip(output_padding, strides)):
            raise ValueError(
                "conv_transpose: every entry of `output_padding` must be smaller than the "
                f"matching stride, received output_padding={output_padding}, strides={strides}."
            )
    if kernel.shape[-1] != x.shape[1]:
        raise ValueError(
            f"conv_transpose: the kernel's input channels ({kernel.shape[-1]}, kernel shape "
            f"{tuple(kernel.shape)}, Keras layout (*kernel_size, filters, channels)) must equal "
            f"the input's channels ({x.shape[1]})."
        )
    weight = kernel.permute(rank + 1, rank, *range(rank))  # -> (in, out, *k)
    full = _CONV_T[rank](x, weight, None, strides, 0, 0, 1, dilation)
    # Keras's output: crop (or zero-pad) the full transposed conv to its padding rule.
    flat = []
    for axis in reversed(range(rank)):
        k, s, d, p = kernel.shape[axis], strides[axis], dilation[axis], output_padding[axis]
        target = transpose_output_length(x.shape[2 + axis], k, padding, p, s, d)
        crop_left = (k - 1) * d - _left_pad(k, padding, p, s, d)
        crop_right = full.shape[2 + axis] - crop_left - target
        flat.extend((-crop_left, -crop_right))  # negative pads crop
    if any(flat):
        full = F.pad(full, flat)
    return _finish(full, rank, data_format)
