"""`SeparableConv1D`, `SeparableConv2D`: a depthwise conv followed by a 1x1 pointwise conv."""

import torch.nn.functional as F

from lamina import constraints, initializers, regularizers
from lamina.layers.convolutional.depthwise_conv import BaseDepthwiseConv

__all__ = ["BaseSeparableConv", "SeparableConv1D", "SeparableConv2D"]

_CONV_FNS = {1: F.conv1d, 2: F.conv2d}


class BaseSeparableConv(BaseDepthwiseConv):
    """Depthwise conv (no bias) then pointwise conv to `filters` channels (+ bias, activation).

    Weights (Keras order): depthwise kernel `(*k, in, multiplier)`, pointwise kernel
    `(1..., in * multiplier, filters)`, bias `(filters,)`.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides=strides, padding=padding, depth_multiplier=depth_multiplier,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint, **kwargs)
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f"{self._owner}: the `filters` argument must be a strictly positive int, "
                             f"received filters={filters!r}.")
        self.filters = filters
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def _out_channels(self, input_shape):
        return self.filters

    def build(self, input_shape):
        channels = self._build_depthwise(input_shape)
        rank = self.rank
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, name="pointwise_kernel",
            _torch_perm=(rank + 1, rank, *range(rank)))
        self._build_bias(self.filters)
        self.built = True

    def call(self, inputs):
        x = self._to_channels_first(inputs)
        x = self._conv(x, self._depthwise_weight(), None, x.shape[1])
        outputs = _CONV_FNS[self.rank](x, self.pointwise_kernel, self.bias)
        outputs = self._from_channels_first(outputs)
        if self._activation_fn is not None:
            outputs = self._activation_fn(outputs)
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
        })
        return config


def _init(rank):
    # Keras's defaults: 1 for the 1-D layer, tuples of ones for the 2-D layer.
    ones = 1 if rank == 1 else (1,) * rank

    def __init__(self, filters, kernel_size, strides=ones, padding="valid", data_format=None, dilation_rate=ones,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        BaseSeparableConv.__init__(
            self, rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, pointwise_regularizer=pointwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, pointwise_constraint=pointwise_constraint,
            bias_constraint=bias_constraint, **kwargs)
    return __init__


class SeparableConv1D(BaseSeparableConv):
    """1-D separable convolution (depthwise then pointwise).

    Args:
        filters: output channels of the pointwise step.
        kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier, activation,
        use_bias, depthwise_/pointwise_/bias_ initializer, regularizer, constraint.

    Example:
        >>> SeparableConv1D(4, 3)(torch.ones(2, 7, 3)).shape
        torch.Size([2, 5, 4])
    """

    __init__ = _init(1)


class SeparableConv2D(BaseSeparableConv):
    """2-D separable convolution (depthwise then pointwise).

    Args:
        filters: output channels of the pointwise step.
        kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier, activation,
        use_bias, depthwise_/pointwise_/bias_ initializer, regularizer, constraint.

    Example:
        >>> SeparableConv2D(4, 3)(torch.ones(2, 7, 7, 3)).shape
        torch.Size([2, 5, 5, 4])
    """

    __init__ = _init(2)
