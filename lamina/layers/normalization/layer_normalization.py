"""`LayerNormalization`: per-sample normalization over the given axes (optionally RMS scaling)."""

import warnings

import torch
import torch.nn.functional as F

from lamina.layers.layer import Layer
from lamina.layers.normalization._affine import add_gamma_beta, affine_config, set_affine_arguments

__all__ = ["LayerNormalization"]


class LayerNormalization(Layer):
    """Normalizes each sample over `axis`: `gamma * (x - mean) / sqrt(var + epsilon) + beta`.

    Args:
        axis: int or list of ints (default -1); config stores a list as Keras does.
        epsilon: added to the variance (default 1e-3).
        center: learn `beta` (default True; not created with rms_scaling).
        scale: learn `gamma` (default True).
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
        beta_constraint, gamma_constraint: for the weights.

    Keyword-only, deprecated as in Keras 3.15: `rms_scaling=True` computes Keras's
    `gamma * x / sqrt(var(x) + epsilon)` (the variance, not the mean square, as Keras does, so
    that Keras files give Keras's outputs) and warns; use `RMSNormalization` for RMS scaling.

    Weights: gamma, beta, each of the normalized axes' shape.

    Example:
        >>> LayerNormalization()(torch.ones(2, 3, 8)).shape
        torch.Size([2, 3, 8])
    """

    supports_masking = True

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        # Keras 3.15 takes it from **kwargs only (positional order above is Keras's).
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            warnings.warn("LayerNormalization: `rms_scaling=True` is deprecated (as in Keras 3.15): it scales "
                          "the input by its variance, not its root mean square. Use "
                          "keras.layers.RMSNormalization for RMS normalization.", stacklevel=2)
        super().__init__(**kwargs)
        axes = [axis] if isinstance(axis, int) else list(axis) if isinstance(axis, (list, tuple)) else None
        if not axes or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
            raise ValueError(f"LayerNormalization layer '{self.name}': `axis` must be an int or a list of "
                             f"ints, received axis={axis!r}.")
        self.axis = axes
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        set_affine_arguments(self, beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
                             beta_constraint, gamma_constraint)

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(f"LayerNormalization layer '{self.name}': axis={self.axis} is out of range for "
                             f"inputs of shape {tuple(input_shape)}.")
        axes = sorted(a % ndim for a in self.axis)
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError(f"LayerNormalization layer '{self.name}': the normalized axes must be known, "
                             f"received input shape {tuple(input_shape)}.")
        self._axes = axes
        # Trailing contiguous axes: F.layer_norm (fused) applies directly.
        self._fused = axes == list(range(ndim - len(axes), ndim))
        self._param_shape = [input_shape[d] if d in axes else 1 for d in range(ndim)]
        add_gamma_beta(self, shape, center=self.center and not self.rms_scaling)
        self.built = True

    def call(self, inputs):
        if self.rms_scaling:
            # Keras's formula: x / sqrt(var(x) + epsilon), the mean not subtracted.
            var = torch.var(inputs, dim=self._axes, keepdim=True, correction=0)
            out = inputs * torch.rsqrt(var + self.epsilon)
            return out if self.gamma is None else out * self.gamma.reshape(self._param_shape)
        if self._fused:
            return F.layer_norm(inputs, inputs.shape[self._axes[0]:], self.gamma, self.beta, self.epsilon)
        var, mean = torch.var_mean(inputs, dim=self._axes, keepdim=True, correction=0)
        out = (inputs - mean) * torch.rsqrt(var + self.epsilon)
        if self.gamma is not None:
            out = out * self.gamma.reshape(self._param_shape)
        if self.beta is not None:
            out = out + self.beta.reshape(self._param_shape)
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": list(self.axis), "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
            "rms_scaling": self.rms_scaling,
        })
        config.update(affine_config(self))
        return config
