"""`Rescaling`: `inputs * scale + offset`, e.g. pixel values 0..255 to 0..1."""

import numbers

import torch

from lamina import backend
from lamina.layers.layer import Layer

__all__ = ["Rescaling"]


def _as_number_or_list(value, argument):
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    try:
        values = torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        values = None
    if values is None or not values.dtype.is_floating_point or values.dim() > 8:
        raise ValueError(f"Rescaling: `{argument}` must be a number or a (nested) list of numbers that "
                         f"broadcasts against the input; received {argument}={value!r}.")
    return values.tolist()


class Rescaling(Layer):
    """Multiplies by `scale` and adds `offset`, in the layer's compute dtype.

    Args:
        scale: number, or a list broadcasting against the input (e.g. one per channel).
        offset: number or list, added after scaling.

    Shapes:
        output shape = input shape; integer inputs become the compute dtype (float32).

    Example:
        >>> Rescaling(1 / 127.5, offset=-1)(torch.tensor([0, 255]))
        tensor([-1.,  1.])
    """

    supports_masking = True

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = _as_number_or_list(scale, "scale")
        self.offset = _as_number_or_list(offset, "offset")
        self.built = True

    def call(self, inputs):
        # Float inputs already arrive in the compute dtype (Layer.__call__); integers are cast here.
        dtype = inputs.dtype if inputs.is_floating_point() else backend.to_torch_dtype(self.compute_dtype)
        inputs = inputs.to(dtype)
        scale = torch.as_tensor(self.scale, dtype=dtype, device=inputs.device)
        offset = torch.as_tensor(self.offset, dtype=dtype, device=inputs.device)
        return inputs * scale + offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}
