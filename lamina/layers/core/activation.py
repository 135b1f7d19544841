"""`Activation`: applies an activation function as a layer."""

from lamina import activations
from lamina.layers.layer import Layer

__all__ = ["Activation"]


class Activation(Layer):
    """Applies an activation function to its input.

    Args:
        activation: name (`"relu"`, `"softmax"`, ...) or callable.

    Shapes:
        output shape = input shape.

    Example:
        >>> Activation("relu")(torch.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """

    supports_masking = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        # Built at construction, as in Keras (so, like Keras, its config carries no build_config).
        self.built = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
