"""`DepthwiseConv1D`, `DepthwiseConv2D`: one set of `depth_multiplier` filters per input channel."""

from lamina import constraints, initializers, regularizers
from lamina.layers.convolutional.base_conv import BaseConv
from lamina.layers.input_spec import InputSpec

__all__ = ["BaseDepthwiseConv", "DepthwiseConv1D", "DepthwiseConv2D"]


class BaseDepthwiseConv(BaseConv):
    """Depthwise convolution: channel `c` is convolved with its own `depth_multiplier` filters.

    The Keras kernel `(*k, in, multiplier)` is stored as torch `(in, multiplier, *k)`; the
    grouped-conv weight `(in * multiplier, 1, *k)` is a free reshape of it, and output channel
    `c * multiplier + m` matches Keras's order.

    Args:
        rank: number of spatial dimensions.
        kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias: as in Conv.
        depth_multiplier: output channels per input channel (default 1).
        depthwise_initializer, depthwise_regularizer, depthwise_constraint: for the kernel.
        bias_initializer, bias_regularizer, bias_constraint, activity_regularizer: as in Conv.
    """

    _causal_padding_allowed = False  # as in Keras

    def __init__(self, rank, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, None, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint, **kwargs)
        if not isinstance(depth_multiplier, int) or isinstance(depth_multiplier, bool) or depth_multiplier <= 0:
            raise ValueError(f"{self._owner}: the `depth_multiplier` argument must be a strictly positive int, "
                             f"received depth_multiplier={depth_multiplier!r}.")
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def _out_channels(self, input_shape):
        channels = input_shape[self._channel_axis]
        return None if channels is None else channels * self.depth_multiplier

    def _build_depthwise(self, input_shape):
        channels = self._input_channels(input_shape)
        self._check_kernel_fits(input_shape)
        rank = self.rank
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier), initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint, name="kernel",
            _torch_perm=(rank, rank + 1, *range(rank)))
        self.input_spec = InputSpec(min_ndim=rank + 2, axes={self._channel_axis: channels})
        return channels

    def build(self, input_shape):
        channels = self._build_depthwise(input_shape)
        self._build_bias(channels * self.depth_multiplier)
        self.built = True

    def _depthwise_weight(self):
        return self.kernel.reshape((-1, 1) + self.kernel_size)

    def call(self, inputs):
        x = self._to_channels_first(inputs)
        outputs = self._conv(x, self._depthwise_weight(), self.bias, x.shape[1])
        outputs = self._from_channels_first(outputs)
        if self._activation_fn is not None:
            outputs = self._activation_fn(outputs)
        return outputs

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key)
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
        })
        return config


def _init(rank):
    # Keras's defaults: 1 for the 1-D layer, tuples of ones for the 2-D layer.
    ones = 1 if rank == 1 else (1,) * rank

    def __init__(self, kernel_size, strides=ones, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=ones, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        BaseDepthwiseConv.__init__(
            self, rank, kernel_size, strides=strides, padding=padding, depth_multiplier=depth_multiplier,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint, **kwargs)
    return __init__


class DepthwiseConv1D(BaseDepthwiseConv):
    """1-D depthwise convolution.

    Args:
        kernel_size, strides, padding (valid/same), depth_multiplier, data_format,
        dilation_rate, activation, use_bias, depthwise_*/bias_* initializers, regularizers,
        constraints: see `BaseDepthwiseConv`.

    Shapes:
        `(batch, steps, channels)` -> `(batch, new_steps, channels * depth_multiplier)`.

    Example:
        >>> DepthwiseConv1D(3, depth_multiplier=2)(torch.ones(2, 8, 3)).shape
        torch.Size([2, 6, 6])
    """

    __init__ = _init(1)


class DepthwiseConv2D(BaseDepthwiseConv):
    """2-D depthwise convolution.

    Args:
        kernel_size, strides, padding (valid/same), depth_multiplier, data_format,
        dilation_rate, activation, use_bias, depthwise_*/bias_* initializers, regularizers,
        constraints: see `BaseDepthwiseConv`.

    Shapes:
        `(batch, rows, cols, channels)` -> `(batch, new_rows, new_cols, channels * depth_multiplier)`.

    Example:
        >>> DepthwiseConv2D(3, depth_multiplier=2, padding="same")(torch.ones(2, 6, 6, 3)).shape
        torch.Size([2, 6, 6, 6])
    """

    __init__ = _init(2)
