"""`BaseConv`: the N-d convolution shared by Conv1D/2D/3D (and reused by the depthwise/separable layers).

channels_last inputs are permuted to a logical NCHW *view* (no copy; torch then sees the
channels_last memory format, its fastest CPU conv path) and the result is permuted back.
Kernels are stored in torch layout `(out, in/groups, *k)` via `_torch_perm`, so no per-call
weight permute happens; `get_weights`/`set_weights` still use Keras's `(*k, in/groups, out)`.
"""

import torch.nn.functional as F

from lamina import activations, constraints, initializers, regularizers
from lamina.layers._conv_args import (channels_first_view, channels_last_view, conv_output_length,
                                      normalize_data_format, normalize_padding, normalize_tuple, same_pads)
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

__all__ = ["BaseConv"]

_CONV_FNS = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


class BaseConv(Layer):
    """N-d convolution `activation(conv(inputs, kernel) + bias)` (abstract: use Conv1D/2D/3D).

    Args:
        rank: number of spatial dimensions.
        filters: number of output channels.
        kernel_size: int or tuple of `rank` ints.
        strides: int or tuple; strides > 1 cannot be combined with dilation_rate > 1.
        padding: `"valid"`, `"same"` (Keras/TF: extra pad at the end) or `"causal"` (1-D only).
        data_format: `"channels_last"` (default) or `"channels_first"`.
        dilation_rate: int or tuple.
        groups: number of channel groups; must divide `filters` and the input channels.
        activation, use_bias, kernel/bias initializer, regularizer, constraint: as in Dense.
    """

    # Keras accepts "causal" for Conv1D only; its depthwise/separable 1-D layers refuse it, and a
    # file using it would not load there.
    _causal_padding_allowed = True

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = f"{type(self).__name__} layer '{self.name}'"
        self._owner = owner
        self.rank = rank
        if filters is not None and (not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0):
            raise ValueError(f"{owner}: the `filters` argument must be a strictly positive int, "
                             f"received filters={filters!r}.")
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = normalize_tuple(strides, rank, "strides", owner)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", owner)
        if rank == 1 and not self._causal_padding_allowed and isinstance(padding, str) \
                and padding.lower() == "causal":
            raise ValueError(f"{owner}: padding='causal' is not available for this layer (as in Keras, where "
                             f"a file using it would not load); use padding='valid' after "
                             f"ZeroPadding1D(((kernel_size - 1) * dilation_rate, 0)) for the same effect.")
        allowed = ("valid", "same", "causal") if rank == 1 and self._causal_padding_allowed else ("valid", "same")
        self.padding = normalize_padding(padding, owner, allowed)
        self.data_format = normalize_data_format(data_format, owner)
        if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
            raise ValueError(f"{owner}: the `groups` argument must be a strictly positive int, "
                             f"received groups={groups!r}.")
        if filters is not None and filters % groups:
            raise ValueError(f"{owner}: the number of filters must be evenly divisible by the number of "
                             f"groups, received groups={groups}, filters={filters}.")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{owner}: `strides > 1` is not supported together with `dilation_rate > 1`, "
                             f"received strides={self.strides}, dilation_rate={self.dilation_rate}.")
        self.groups = groups
        self.activation = activations.get(activation)
        self._activation_fn = None if self.activation is activations.linear else self.activation
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        self._channel_axis = -1 if self.data_format == "channels_last" else 1
        self._same_plan = {}  # spatial input size -> "same" padding plan (no per-call arithmetic)

    # -- shapes -----------------------------------------------------------------

    def _spatial(self, input_shape):
        return tuple(input_shape[1:-1]) if self.data_format == "channels_last" else tuple(input_shape[2:])

    def _input_channels(self, input_shape):
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(f"{self._owner}: the channel dimension of the inputs must be known, "
                             f"received input shape {tuple(input_shape)}.")
        return channels

    def _check_kernel_fits(self, input_shape):
        """valid padding with a kernel larger than the input would give an empty output."""
        if self.padding != "valid":
            return
        for length, k, d in zip(self._spatial(input_shape), self.kernel_size, self.dilation_rate):
            if length is not None and (k - 1) * d + 1 > length:
                raise ValueError(
                    f"{self._owner}: kernel_size={self.kernel_size} with dilation_rate={self.dilation_rate} "
                    f"is larger than the input's spatial shape {self._spatial(input_shape)} (input shape "
                    f"{tuple(input_shape)}) with padding='valid'; the output would be empty. Use "
                    f"padding='same' or a smaller kernel.")

    def _output_spatial(self, input_shape):
        return tuple(conv_output_length(length, k, self.padding, s, d) for length, k, s, d in
                     zip(self._spatial(input_shape), self.kernel_size, self.strides, self.dilation_rate))

    def _out_channels(self, input_shape):
        return self.filters

    def compute_output_shape(self, input_shape):
        spatial = self._output_spatial(input_shape)
        channels = self._out_channels(input_shape)
        if self.data_format == "channels_last":
            return (input_shape[0],) + spatial + (channels,)
        return (input_shape[0], channels) + spatial

    # -- weights ----------------------------------------------------------------

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"{self._owner}: the number of input channels must be evenly divisible by the number of "
                f"groups, received groups={self.groups}, but the input has {channels} channels "
                f"(input shape {tuple(input_shape)}).")
        self._check_kernel_fits(input_shape)
        rank = self.rank
        # Keras (*k, in, out) -> torch (out, in, *k). A subclass whose own `call` reads
        # `self.kernel` (keras.io's StandardizedConv2D) expects Keras's layout: keep it then.
        keras_layout = not type(self).call.__module__.startswith("lamina.")
        self._kernel_in_keras_layout = keras_layout
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels // self.groups, self.filters), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint, name="kernel",
            _torch_perm=None if keras_layout else (rank + 1, rank, *range(rank)))
        self._build_bias(self.filters)
        self.input_spec = InputSpec(min_ndim=rank + 2, axes={self._channel_axis: channels})
        self.built = True

    def _build_bias(self, size):
        if self.use_bias:
            self.bias = self.add_weight(shape=(size,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        else:
            self.bias = None

    # -- compute ----------------------------------------------------------------

    def _pad_and_padding(self, x):
        """Explicit F.pad for causal and asymmetric "same"; else the padding argument for torch."""
        if self.padding == "valid":
            return x, 0
        if self.padding == "causal":
            return F.pad(x, ((self.kernel_size[0] - 1) * self.dilation_rate[0], 0)), 0
        spatial = tuple(x.shape[2:])
        plan = self._same_plan.get(spatial)
        if plan is None:
            plan = self._same_plan[spatial] = self._plan_same(spatial)
        symmetric, flat = plan
        return (x, symmetric) if flat is None else (F.pad(x, flat), 0)

    def _plan_same(self, spatial):
        """(torch padding, None) when symmetric, else (0, F.pad amounts); cached per input size."""
        pads = [same_pads(length, k, s, d) for length, k, s, d in
                zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]
        if all(a == b for a, b in pads):
            # Symmetric: torch pads inside the conv kernel, no padded copy of the input.
            return tuple(a for a, _ in pads), None
        # Asymmetric (even effective kernel, or strides): the extra pad goes at the end, as in Keras.
        flat = []
        for before, after in reversed(pads):  # F.pad lists the last dimension first
            flat.extend((before, after))
        return 0, tuple(flat)

    def _conv(self, x, weight, bias, groups):
        x, padding = self._pad_and_padding(x)
        return _CONV_FNS[self.rank](x, weight, bias, self.strides, padding, self.dilation_rate, groups)

    def _to_channels_first(self, inputs):
        return channels_first_view(inputs, self.rank) if self.data_format == "channels_last" else inputs

    def _from_channels_first(self, outputs):
        return channels_last_view(outputs, self.rank) if self.data_format == "channels_last" else outputs

    def convolution_op(self, inputs, kernel):
        """The convolution of `call`, without bias and activation (Keras's override point).

        Args:
            inputs: input tensor in the layer's `data_format`.
            kernel: tensor of shape `(*kernel_size, in_channels / groups, filters)` (Keras layout).

        Returns:
            The convolved tensor in the layer's `data_format`.

        Example:
            >>> class Standardized(keras.layers.Conv2D):
            ...     def convolution_op(self, inputs, kernel):
            ...         mean, var = keras.ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
            ...         return super().convolution_op(inputs, (kernel - mean) / keras.ops.sqrt(var + 1e-10))
        """
        from lamina import ops

        rank = self.rank
        inputs, kernel = ops.convert_to_tensor(inputs), ops.convert_to_tensor(kernel)
        weight = kernel.permute(rank + 1, rank, *range(rank))
        x = self._to_channels_first(inputs)
        groups = x.shape[1] // weight.shape[1] if weight.shape[1] else self.groups
        return self._from_channels_first(self._conv(x, weight, None, groups))

    def _keras_kernel(self):
        kernel = self.kernel
        if getattr(self, "_kernel_in_keras_layout", False):
            return kernel
        rank = self.rank  # stored (out, in, *k) -> Keras (*k, in, out), a view
        return kernel.permute(*range(2, rank + 2), 1, 0)

    def call(self, inputs):
        if (type(self).convolution_op is not BaseConv.convolution_op
                or getattr(self, "_kernel_in_keras_layout", False)):
            # A user's convolution_op (or a kernel kept in Keras layout): go through Keras's path.
            outputs = self.convolution_op(inputs, self._keras_kernel())
            if self.bias is not None:
                shape = [1] * outputs.dim()
                shape[-1 if self.data_format == "channels_last" else 1] = -1
                outputs = outputs + self.bias.reshape(shape)
            if self._activation_fn is not None:
                outputs = self._activation_fn(outputs)
            return outputs
        outputs = self._conv(self._to_channels_first(inputs), self.kernel, self.bias, self.groups)
        outputs = self._from_channels_first(outputs)
        if self._activation_fn is not None:
            outputs = self._activation_fn(outputs)
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": list(self.dilation_rate),
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config
