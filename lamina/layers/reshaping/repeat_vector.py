"""`RepeatVector`: repeats a vector `n` times along a new time axis."""

from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

__all__ = ["RepeatVector"]


class RepeatVector(Layer):
    """`(batch, features)` -> `(batch, n, features)`; the result is an expanded view (no copy).

    Args:
        n: number of repetitions.

    Example:
        >>> RepeatVector(3)(torch.ones(2, 4)).shape
        torch.Size([2, 3, 4])
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            raise ValueError(f"RepeatVector layer '{self.name}': `n` must be a positive int, received n={n!r}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return inputs.unsqueeze(1).expand(-1, self.n, -1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
