"""`Cropping1D/2D/3D`: removes slices at the ends of spatial axes (a view, no copy)."""

from lamina.layers._conv_args import normalize_data_format
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.reshaping._pairs import normalize_pairs

__all__ = ["Cropping1D", "Cropping2D", "Cropping3D"]


class _BaseCropping(Layer):
    _rank = 1

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = f"{type(self).__name__} layer '{self.name}'"
        self.cropping = normalize_pairs(cropping, self._rank, "cropping", owner)
        self.data_format = normalize_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=self._rank + 2)
        first = 1 if self.data_format == "channels_last" else 2
        self._axes = tuple(range(first, first + self._rank))
        index = [slice(None)] * (self._rank + 2)
        for axis, (before, after) in zip(self._axes, self.cropping):
            index[axis] = slice(before, -after if after else None)
        self._index = tuple(index)

    def build(self, input_shape):
        for axis, (before, after) in zip(self._axes, self.cropping):
            length = input_shape[axis]
            if length is not None and before + after >= length:
                raise ValueError(
                    f"{type(self).__name__} layer '{self.name}': cropping={self.cropping} removes all of axis "
                    f"{axis} (size {length}) of inputs of shape {tuple(input_shape)}; the cropped size must "
                    f"be positive.")
        self.built = True

    def call(self, inputs):
        return inputs[self._index]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(self._axes, self.cropping):
            shape[axis] = None if shape[axis] is None else shape[axis] - before - after
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": [list(c) for c in self.cropping], "data_format": self.data_format})
        return config


class Cropping1D(_BaseCropping):
    """Crops the steps axis of `(batch, steps, features)`.

    Args:
        cropping: int (both ends) or `(start, end)` (default `(1, 1)`).

    Example:
        >>> Cropping1D((1, 2))(torch.ones(2, 6, 4)).shape
        torch.Size([2, 3, 4])
    """

    _rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format")
        config["cropping"] = list(self.cropping[0])
        return config


class Cropping2D(_BaseCropping):
    """Crops rows and cols.

    Args:
        cropping: int, `(rows, cols)` (symmetric) or `((top, bottom), (left, right))`
            (default `((0, 0), (0, 0))`).
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> Cropping2D(((1, 0), (1, 1)))(torch.ones(2, 5, 5, 2)).shape
        torch.Size([2, 4, 3, 2])
    """

    _rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)


class Cropping3D(_BaseCropping):
    """Crops the 3 spatial axes.

    Args:
        cropping: int, 3 ints (symmetric) or 3 `(start, end)` pairs (default `((1, 1), (1, 1), (1, 1))`).
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> Cropping3D(1)(torch.ones(1, 4, 4, 4, 3)).shape
        torch.Size([1, 2, 2, 2, 3])
    """

    _rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)
