"""`GroupNormalization`: normalizes groups of channels per sample."""

import torch
import torch.nn.functional as F

from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.normalization._affine import add_gamma_beta, affine_config, set_affine_arguments

__all__ = ["GroupNormalization"]


class GroupNormalization(Layer):
    """Splits the channels (`axis`) into `groups` and normalizes each group over it and the
    other non-batch axes. `groups=-1` means one group per channel (instance norm).

    Args:
        groups: number of groups (default 32); must divide the channel count.
        axis: the channel axis (default -1).
        epsilon: added to the variance (default 1e-3).
        center, scale: learn `beta` / `gamma` (default True).
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
        beta_constraint, gamma_constraint: for the weights.

    Weights: gamma, beta of shape `(channels,)`.

    Example:
        >>> GroupNormalization(groups=2)(torch.ones(2, 4, 4, 6)).shape
        torch.Size([2, 4, 4, 6])
    """

    supports_masking = True

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(groups, int) or isinstance(groups, bool) or (groups <= 0 and groups != -1):
            raise ValueError(f"GroupNormalization layer '{self.name}': `groups` must be a positive int or -1, "
                             f"received groups={groups!r}.")
        self.groups = groups
        self.axis = axis
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        set_affine_arguments(self, beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
                             beta_constraint, gamma_constraint)

    def build(self, input_shape):
        ndim = len(input_shape)
        axis = self.axis % ndim
        channels = input_shape[axis]
        owner = f"GroupNormalization layer '{self.name}'"
        if channels is None:
            raise ValueError(f"{owner}: axis {self.axis} of the input must be known, received input shape "
                             f"{tuple(input_shape)}.")
        groups = channels if self.groups == -1 else self.groups
        if groups > channels:
            raise ValueError(f"{owner}: the number of groups ({groups}) cannot be more than the number of "
                             f"channels ({channels}), input shape {tuple(input_shape)}.")
        if channels % groups:
            raise ValueError(f"{owner}: the number of groups ({groups}) must divide the number of channels "
                             f"({channels}), input shape {tuple(input_shape)}.")
        self._groups = groups
        self._channel_axis = axis
        add_gamma_beta(self, (channels,))
        self.input_spec = InputSpec(ndim=ndim, axes={axis: channels})
        self.built = True

    def call(self, inputs):
        if self._channel_axis == 1:
            return F.group_norm(inputs, self._groups, self.gamma, self.beta, self.epsilon)
        # Channels elsewhere (usually last): normalize on a (batch, positions, groups, size) view.
        # Not F.group_norm on a moved-axis view: its CPU backward crashes on channels_last strides.
        x = inputs if self._channel_axis == inputs.ndim - 1 else inputs.movedim(self._channel_axis, -1)
        shape = x.shape
        grouped = x.reshape(shape[0], -1, self._groups, shape[-1] // self._groups)
        var, mean = torch.var_mean(grouped, dim=(1, 3), keepdim=True, correction=0)
        out = ((grouped - mean) * torch.rsqrt(var + self.epsilon)).reshape(shape)
        if self.gamma is not None:
            out = out * self.gamma
        if self.beta is not None:
            out = out + self.beta
        return out if x is inputs else out.movedim(-1, self._channel_axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "groups": self.groups, "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale,
        })
        config.update(affine_config(self))
        return config
