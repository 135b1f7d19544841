"""`RMSNormalization`: scales by the root mean square over the given axes (no centering)."""

import torch
import torch.nn.functional as F

from lamina.layers.layer import Layer

__all__ = ["RMSNormalization"]


class RMSNormalization(Layer):
    """Root-mean-square normalization: `x * rsqrt(mean(x**2, axis) + epsilon) * scale`.

    Args:
        axis: int or list of ints (default -1): the axes averaged over; `scale` has their shape.
        epsilon: added to the mean square (default 1e-6).

    Weights: `scale` (initialized to ones), of the normalized axes' shape.

    Example:
        >>> RMSNormalization()(torch.ones(2, 3, 8)).shape
        torch.Size([2, 3, 8])
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        axes = [axis] if isinstance(axis, int) else list(axis) if isinstance(axis, (list, tuple)) else None
        if not axes or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
            raise ValueError(f"RMSNormalization layer '{self.name}': `axis` must be an int or a list of ints, "
                             f"received axis={axis!r}.")
        # Keras keeps the int until build, then stores a (sorted) list; configs carry either.
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = [self.axis] if isinstance(self.axis, int) else sorted(self.axis)
        if any(not -ndim <= a < ndim for a in axes):
            raise ValueError(f"RMSNormalization layer '{self.name}': axis={self.axis} is out of range for "
                             f"inputs of shape {tuple(input_shape)}.")
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError(f"RMSNormalization layer '{self.name}': the normalized axes must be known, "
                             f"received input shape {tuple(input_shape)}.")
        self.axis = axes
        positive = sorted(a % ndim for a in axes)
        self._dims = positive
        self._fused = positive == list(range(ndim - len(positive), ndim))
        self._scale_shape = [input_shape[d] if d in positive else 1 for d in range(ndim)]
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")
        self.built = True

    def call(self, x):
        if self._fused:
            return F.rms_norm(x, x.shape[self._dims[0]:], self.scale.to(x.dtype), self.epsilon)
        inv = torch.rsqrt(torch.mean(x * x, dim=self._dims, keepdim=True) + self.epsilon)
        return x * inv * self.scale.reshape(self._scale_shape)

    def compute_output_shape(self, input_shape):
        ndim = len(input_shape)
        for a in ([self.axis] if isinstance(self.axis, int) else self.axis):
            if not -ndim <= a < ndim:
                raise ValueError(f"RMSNormalization layer '{self.name}': axis {a} is out of bounds for input "
                                 f"shape {tuple(input_shape)}. Received: axis={self.axis}")
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config
