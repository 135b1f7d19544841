"""`Quantizer`: Keras's base class for weight quantizers.

lamina does not quantize layers; the base class is here so that Keras code defining its own
quantizer (a subclass implementing `__call__`) imports and serializes. Keras's concrete
quantizers (`AbsMaxQuantizer`, `quantize_and_dequantize`, ...) are not provided.
"""

__all__ = ["Quantizer"]


class Quantizer:
    """Base class of quantizers: `quantizer(x)` returns the quantized `x` (and its scale).

    Args:
        output_dtype: the dtype of quantized values (default `"int8"`).

    Example:
        >>> class Sign(Quantizer):
        ...     def __call__(self, x):
        ...         return torch.sign(x)
    """

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        raise NotImplementedError(f"{type(self).__name__} must implement `__call__(self, x)`.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} must implement `get_config()`.")
