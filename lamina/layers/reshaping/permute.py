"""`Permute`: reorders the non-batch dimensions."""

from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

__all__ = ["Permute"]


class Permute(Layer):
    """Permutes the non-batch axes; `dims` are 1-based (the batch axis is 0 and stays first).

    Args:
        dims: a permutation of `1..rank`, e.g. `(2, 1)` swaps the two axes of a sequence.

    The output is a view of the input (no copy).

    Example:
        >>> Permute((2, 1))(torch.ones(2, 3, 5)).shape
        torch.Size([2, 5, 3])
    """

    supports_masking = True

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(int(d) for d in dims)
        except (TypeError, ValueError):
            dims = None
        if dims is None or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Permute layer '{self.name}': the indices in `dims` must be a permutation of "
                             f"1..n (consecutive, starting from 1), received dims={kwargs.get('dims', dims)!r}.")
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)
        self._perm = (0,) + dims

    def call(self, inputs):
        return inputs.permute(self._perm)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[d] for d in self._perm)

    def get_config(self):
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config
