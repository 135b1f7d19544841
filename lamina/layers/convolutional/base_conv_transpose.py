"""`BaseConvTranspose`: transposed convolutions with Keras's output-size and padding rules.

Keras defines the padding in the dilated-input ("lax") picture: `(left, right)` pads around the
stride-dilated input. torch's `conv_transpose` only crops symmetrically (`padding`), so we crop
`kernel - 1 - left` on both sides with torch and then fix the end (crop or zero-pad) to reach
Keras's output length; the bias is added after that so padded positions get it too, as in Keras.
"""

import torch.nn.functional as F

from lamina.layers._conv_args import normalize_tuple
from lamina.layers.convolutional.base_conv import BaseConv
from lamina.layers.input_spec import InputSpec

__all__ = ["BaseConvTranspose", "transpose_output_length"]

_CONV_T_FNS = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def transpose_output_length(length, kernel, padding, output_padding, stride, dilation):
    """Keras's output length of a transposed conv along one axis (None stays None)."""
    if length is None:
        return None
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(effective, stride) - effective if output_padding is None else output_padding
        return (length - 1) * stride + effective + extra
    if output_padding is None:
        return length * stride
    return (length - 1) * stride + effective % 2 + output_padding


def _left_pad(kernel, padding, output_padding, stride, dilation):
    """Keras's left pad in the dilated-input picture (see module docstring)."""
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        return effective - 1
    if output_padding is None:
        total = stride + effective - 2
    else:
        total = effective + effective % 2 - 2 + output_padding
    return min(total // 2 + total % 2, effective - 1)


class BaseConvTranspose(BaseConv):
    """N-d transposed convolution (abstract: use Conv1DTranspose/2D/3D).

    Args:
        rank, filters, kernel_size, strides, padding (`"valid"`/`"same"`), data_format,
        dilation_rate, activation, use_bias, initializers/regularizers/constraints: as in `BaseConv`.
        output_padding: int or tuple: extra size added at the end of each output dimension;
            must be smaller than the stride. None (default) infers it as Keras does.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, **kwargs):
        super().__init__(rank, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
        if output_padding is not None:
            output_padding = normalize_tuple(output_padding, rank, "output_padding", self._owner, allow_zero=True)
            for op, s in zip(output_padding, self.strides):
                if op >= s:
                    raise ValueError(f"{self._owner}: `output_padding` must be smaller than the strides, "
                                     f"received output_padding={output_padding}, strides={self.strides}.")
        self.output_padding = output_padding

    def _check_kernel_fits(self, input_shape):
        pass  # a transposed conv grows its input; any kernel size is valid

    def _output_spatial(self, input_shape):
        return self._output_lengths(self._spatial(input_shape))

    def _output_lengths(self, spatial):
        ops = self.output_padding or (None,) * self.rank
        return tuple(transpose_output_length(length, k, self.padding, op, s, d) for length, k, op, s, d in
                     zip(spatial, self.kernel_size, ops, self.strides, self.dilation_rate))

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        rank = self.rank
        # Keras (*k, out, in) -> torch conv_transpose weight (in, out, *k).
        self.kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, channels), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint, name="kernel",
            _torch_perm=(rank + 1, rank, *range(rank)))
        self._build_bias(self.filters)
        self.input_spec = InputSpec(min_ndim=rank + 2, axes={self._channel_axis: channels})
        ops = self.output_padding or (None,) * rank
        self._torch_padding = tuple(
            (k - 1) * d - _left_pad(k, self.padding, op, s, d)
            for k, op, s, d in zip(self.kernel_size, ops, self.strides, self.dilation_rate))
        self.built = True

    def call(self, inputs):
        x = self._to_channels_first(inputs)
        rank = self.rank
        spatial = tuple(x.shape[2:])
        plan = self._same_plan.get(spatial)
        if plan is None:
            plan = self._same_plan[spatial] = self._plan_end_fix(spatial)
        direct, extra = plan
        if direct:
            outputs = _CONV_T_FNS[rank](x, self.kernel, self.bias, self.strides, self._torch_padding,
                                        tuple(extra), 1, self.dilation_rate)
        else:
            outputs = _CONV_T_FNS[rank](x, self.kernel, None, self.strides, self._torch_padding, 0, 1,
                                        self.dilation_rate)
            flat = []
            for e in reversed(extra):
                flat.extend((0, e))  # negative pads crop
            outputs = F.pad(outputs, flat)
            if self.bias is not None:
                outputs = outputs + self.bias.view((-1,) + (1,) * rank)
        outputs = self._from_channels_first(outputs)
        if self._activation_fn is not None:
            outputs = self._activation_fn(outputs)
        return outputs

    def _plan_end_fix(self, spatial):
        """(torch can do it alone, extra length at the end of each axis); cached per input size."""
        targets = self._output_lengths(spatial)
        # Torch's own output length with output_padding=0, to see what the end needs.
        natural = [(n - 1) * s - 2 * p + (k - 1) * d + 1 for n, s, p, k, d in
                   zip(spatial, self.strides, self._torch_padding, self.kernel_size, self.dilation_rate)]
        extra = tuple(t - n for t, n in zip(targets, natural))
        direct = all(0 <= e < max(s, d) for e, s, d in zip(extra, self.strides, self.dilation_rate))
        return direct, extra

    def get_config(self):
        config = super().get_config()
        config.pop("groups")
        config["output_padding"] = list(self.output_padding) if self.output_padding is not None else None
        return config
