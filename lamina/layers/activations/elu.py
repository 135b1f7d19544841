"""`ELU`: the exponential linear unit as a layer."""

from lamina import activations
from lamina.layers.layer import Layer

__all__ = ["ELU"]


class ELU(Layer):
    """`x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise.

    Args:
        alpha: scale of the negative part.

    Shapes:
        output shape = input shape.

    Example:
        >>> ELU(alpha=0.5)(torch.tensor([-1.0, 2.0]))
        tensor([-0.3161,  2.0000])
    """

    supports_masking = True

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.built = True

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        # Keras 3 leaves `alpha` out of its config (a reloaded ELU there gets alpha=1.0); it is
        # written here, and Keras accepts it on load.
        return {**super().get_config(), "alpha": self.alpha}
