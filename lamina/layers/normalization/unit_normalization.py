"""`UnitNormalization`: scales each sample to unit L2 norm along `axis`."""

import torch

from lamina.layers.layer import Layer

__all__ = ["UnitNormalization"]


class UnitNormalization(Layer):
    """`x / ||x||_2` over `axis` (the squared norm is floored at 1e-12, as in Keras).

    Args:
        axis: int or list of ints (default -1).

    Example:
        >>> UnitNormalization()(torch.tensor([[3.0, 4.0]]))
        tensor([[0.6000, 0.8000]])
    """

    supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            axis = [int(a) for a in axis]
        elif not isinstance(axis, int) or isinstance(axis, bool):
            raise ValueError(f"UnitNormalization layer '{self.name}': `axis` must be an int or a list of "
                             f"ints, received axis={axis!r}.")
        self.axis = axis
        self._dims = tuple(axis) if isinstance(axis, list) else axis
        self.built = True

    def call(self, inputs):
        square_sum = torch.sum(inputs * inputs, dim=self._dims, keepdim=True)
        return inputs * torch.rsqrt(torch.clamp(square_sum, min=1e-12))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
