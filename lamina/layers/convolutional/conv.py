"""`Conv1D`, `Conv2D`, `Conv3D`: Keras convolutions on torch's F.conv{1,2,3}d."""

from lamina.layers.convolutional.base_conv import BaseConv

__all__ = ["Conv1D", "Conv2D", "Conv3D"]

_DOC_ARGS = """
    Args:
        filters: number of output channels.
        kernel_size: int or tuple of ints, the window size.
        strides: int or tuple of ints (default 1).
        padding: `"valid"` (default) or `"same"` (Keras/TF semantics: with strides the odd
            extra pad goes at the end){causal}.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        dilation_rate: int or tuple of ints (default 1).
        groups: channel groups; must divide `filters` and the input channels.
        activation: activation name or callable (default none).
        use_bias: whether to add a bias (default True).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as in `Dense`.
"""


class Conv1D(BaseConv):
    __doc__ = ("""1-D convolution (temporal).
""" + _DOC_ARGS.format(causal=', or `"causal"` (left padding, output[t] sees inputs[:t+1])') + """
    Shapes:
        `(batch, steps, channels)` -> `(batch, new_steps, filters)` (channels_last).

    Example:
        >>> Conv1D(4, 3, padding="causal")(torch.ones(2, 10, 3)).shape
        torch.Size([2, 10, 4])
    """)

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
                         activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv2D(BaseConv):
    __doc__ = ("""2-D convolution (images).
""" + _DOC_ARGS.format(causal="") + """
    Shapes:
        `(batch, rows, cols, channels)` -> `(batch, new_rows, new_cols, filters)` (channels_last).

    Example:
        >>> Conv2D(6, 3, padding="same")(torch.ones(2, 8, 8, 3)).shape
        torch.Size([2, 8, 8, 6])
    """)

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
                         activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv3D(BaseConv):
    __doc__ = ("""3-D convolution (volumes).
""" + _DOC_ARGS.format(causal="") + """
    Shapes:
        `(batch, d1, d2, d3, channels)` -> `(batch, n1, n2, n3, filters)` (channels_last).

    Example:
        >>> Conv3D(3, 2)(torch.ones(2, 4, 4, 4, 2)).shape
        torch.Size([2, 3, 3, 3, 3])
    """)

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
                         activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, **kwargs)
