"""`ReLU`: the rectifier as a layer, with Keras's ceiling, slope and threshold."""

from lamina import activations
from lamina.layers.layer import Layer

__all__ = ["ReLU"]


def check_non_negative(layer_class, argument, value, allow_none=False):
    """Raises a ValueError naming the layer and argument unless `value` is a number >= 0."""
    if value is None and allow_none:
        return
    if value is None or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{layer_class}: `{argument}` must be a number >= 0{' or None' if allow_none else ''}; "
                         f"received {argument}={value!r}.")


class ReLU(Layer):
    """Rectified linear unit: `max_value` if `x >= max_value`, `x` if `threshold <= x < max_value`,
    else `negative_slope * (x - threshold)`.

    Args:
        max_value: upper bound of the output (None: unbounded), >= 0.
        negative_slope: slope below the threshold, >= 0.
        threshold: where the rectification starts, >= 0.

    Shapes:
        output shape = input shape.

    Example:
        >>> ReLU(max_value=6.0)(torch.tensor([-1.0, 3.0, 9.0]))
        tensor([0., 3., 6.])
    """

    supports_masking = True

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        check_non_negative("ReLU", "max_value", max_value, allow_none=True)
        check_non_negative("ReLU", "negative_slope", negative_slope)
        check_non_negative("ReLU", "threshold", threshold)
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.built = True  # no weights; built at construction as in Keras

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}
