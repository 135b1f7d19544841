"""`Conv1DTranspose`, `Conv2DTranspose`, `Conv3DTranspose` (a.k.a. deconvolutions)."""

from lamina.layers.convolutional.base_conv_transpose import BaseConvTranspose

__all__ = ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"]

_DOC = """{rank}-D transposed convolution, with Keras's output sizes.

    Output length per axis: `valid`: `(n - 1) * stride + k_eff + output_padding` (output_padding
    defaults to `max(k_eff, stride) - k_eff`); `same`: `n * stride` (or
    `(n - 1) * stride + k_eff % 2 + output_padding` when output_padding is given), with
    `k_eff = (k - 1) * dilation + 1`.

    Args:
        filters: number of output channels.
        kernel_size, strides, dilation_rate: int or tuple of {rank} ints.
        padding: `"valid"` (default) or `"same"`.
        output_padding: int or tuple, each smaller than the stride; None infers it.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as in `Dense`.

    Weights:
        kernel `(*kernel_size, filters, in_channels)` (Keras layout), bias `(filters,)`.

    Example:
        >>> {example}
    """


def _init(rank):
    # Keras's defaults: 1 for the 1-D layer, tuples of ones for the 2-D and 3-D layers.
    ones = 1 if rank == 1 else (1,) * rank

    def __init__(self, filters, kernel_size, strides=ones, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=ones, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        BaseConvTranspose.__init__(
            self, rank, filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)
    return __init__


class Conv1DTranspose(BaseConvTranspose):
    __doc__ = _DOC.format(rank=1, example="Conv1DTranspose(3, 4, strides=2)(torch.ones(2, 5, 2)).shape\n"
                                          "        torch.Size([2, 12, 3])")
    __init__ = _init(1)


class Conv2DTranspose(BaseConvTranspose):
    __doc__ = _DOC.format(rank=2, example="Conv2DTranspose(3, 3, strides=2, padding='same')"
                                          "(torch.ones(2, 4, 4, 5)).shape\n        torch.Size([2, 8, 8, 3])")
    __init__ = _init(2)


class Conv3DTranspose(BaseConvTranspose):
    __doc__ = _DOC.format(rank=3, example="Conv3DTranspose(2, 2, strides=2)(torch.ones(1, 2, 2, 2, 3)).shape\n"
                                          "        torch.Size([1, 4, 4, 4, 2])")
    # Keras 3.15 orders Conv3DTranspose's arguments `..., padding, data_format, output_padding, ...`
    # (unlike the 1-D and 2-D layers).
    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 output_padding=None, dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        BaseConvTranspose.__init__(
            self, 3, filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)
