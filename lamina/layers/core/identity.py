"""`Identity`: returns its input unchanged (a placeholder layer)."""

from lamina.layers.layer import Layer

__all__ = ["Identity"]


class Identity(Layer):
    """Returns its inputs unchanged; useful as a placeholder in a graph.

    Example:
        >>> Identity()(torch.ones(2)).tolist()
        [1.0, 1.0]
    """

    supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
