"""`LeakyReLU`: `x` for `x >= 0`, `negative_slope * x` below."""

import warnings

from lamina import activations
from lamina.layers.activations.relu import check_non_negative
from lamina.layers.layer import Layer

__all__ = ["LeakyReLU"]


class LeakyReLU(Layer):
    """Leaky rectifier with Keras's layer default slope of 0.3.

    Args:
        negative_slope: slope for negative inputs, >= 0 (`alpha=` is accepted, as in Keras,
            with a deprecation warning).

    Shapes:
        output shape = input shape.

    Example:
        >>> LeakyReLU(0.1)(torch.tensor([-2.0, 3.0]))
        tensor([-0.2000,  3.0000])
    """

    supports_masking = True

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU: argument `alpha` is deprecated; use `negative_slope`.", stacklevel=2)
        super().__init__(**kwargs)
        check_non_negative("LeakyReLU", "negative_slope", negative_slope)
        self.negative_slope = negative_slope
        self.built = True

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
