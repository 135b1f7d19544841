"""`Reshape`: reshapes the non-batch dimensions to a target shape."""

import math

from lamina.layers.layer import Layer

__all__ = ["Reshape"]


class Reshape(Layer):
    """Reshapes inputs to `(batch,) + target_shape`.

    Args:
        target_shape: the shape without the batch dimension; at most one entry
            may be -1 (inferred).

    Example:
        >>> Reshape((3, 4))(torch.ones(2, 12)).shape
        torch.Size([2, 3, 4])
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target_shape = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            raise ValueError(f"Reshape layer '{self.name}': target_shape must be a tuple of ints, "
                             f"received {target_shape!r}.") from None
        if sum(1 for d in target_shape if d == -1) > 1 or any(d < -1 or d == 0 for d in target_shape):
            raise ValueError(
                f"Reshape layer '{self.name}': target_shape may contain positive sizes and at most one "
                f"-1, received {target_shape}."
            )
        self.target_shape = target_shape
        self.built = True

    def call(self, inputs):
        return inputs.reshape((inputs.shape[0],) + self.target_shape)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        if -1 not in self.target_shape:
            if None not in rest and math.prod(rest) != math.prod(self.target_shape):
                raise ValueError(self._size_error(input_shape))
            return (input_shape[0],) + self.target_shape
        if None in rest:
            return (input_shape[0],) + tuple(None if d == -1 else d for d in self.target_shape)
        known = math.prod(d for d in self.target_shape if d != -1)
        total = math.prod(rest)
        if total % known:
            raise ValueError(self._size_error(input_shape))
        return (input_shape[0],) + tuple(total // known if d == -1 else d for d in self.target_shape)

    def _size_error(self, input_shape):
        return (f"Reshape layer '{self.name}': cannot reshape input of shape {tuple(input_shape)} "
                f"({math.prod(input_shape[1:])} values per sample) to target_shape {self.target_shape}.")

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config
