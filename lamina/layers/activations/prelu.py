"""`PReLU`: a leaky rectifier whose negative slope is learned per unit."""

import torch

from lamina import constraints, initializers, regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

__all__ = ["PReLU"]


class PReLU(Layer):
    """`x` for `x >= 0`, `alpha * x` otherwise, with `alpha` a weight of the input's shape
    (without the batch axis; axes in `shared_axes` share one value).

    Args:
        alpha_initializer: initializer of `alpha` (default zeros).
        alpha_regularizer: regularizer of `alpha`.
        alpha_constraint: constraint of `alpha`.
        shared_axes: axis or axes (1-based, after the batch axis) sharing `alpha`, e.g. `[1, 2]`
            for one slope per channel of a `(batch, height, width, channels)` input.

    Shapes:
        output shape = input shape.

    Example:
        >>> layer = PReLU(shared_axes=[1, 2])
        >>> layer(torch.randn(2, 8, 8, 3)).shape
        torch.Size([2, 8, 8, 3])
        >>> tuple(layer.alpha.shape)
        (1, 1, 3)
    """

    supports_masking = True

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            if not all(isinstance(a, int) and not isinstance(a, bool) and a >= 1 for a in axes):
                raise ValueError(f"PReLU: `shared_axes` must be axis indices >= 1 (axis 0 is the batch); "
                                 f"received shared_axes={shared_axes!r}.")
            self.shared_axes = axes

    def build(self, input_shape):
        rank = len(input_shape)
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if axis >= rank:
                raise ValueError(f"PReLU '{self.name}': shared axis {axis} does not exist in an input of shape "
                                 f"{tuple(input_shape)} (axes 1..{rank - 1}).")
            param_shape[axis - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f"PReLU '{self.name}': the input shape {tuple(input_shape)} has unknown sizes "
                             f"outside the batch axis; list those axes in `shared_axes`.")
        self.alpha = self.add_weight(name="alpha", shape=tuple(param_shape), initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        fixed = {i: input_shape[i] for i in range(1, rank) if i not in (self.shared_axes or [])}
        self.input_spec = InputSpec(ndim=rank, axes=fixed)

    def call(self, inputs):
        return torch.relu(inputs) - self.alpha * torch.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}
