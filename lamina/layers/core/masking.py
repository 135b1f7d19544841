"""`Masking`: masks timesteps whose features all equal `mask_value`."""

from lamina.layers.layer import Layer

__all__ = ["Masking"]


class Masking(Layer):
    """Masks a sequence: timesteps whose features all equal `mask_value` are skipped downstream.

    Such timesteps are also zeroed in the output, as in Keras.

    Args:
        mask_value: the padding value (default 0.0).

    Shapes:
        `(batch, timesteps, features)` -> same; mask `(batch, timesteps)`.

    Example:
        >>> Masking(mask_value=0.0)(torch.zeros(2, 3, 4)).shape
        torch.Size([2, 3, 4])
    """

    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float)):
            raise ValueError(f"Masking layer '{self.name}': `mask_value` must be a number, received "
                             f"mask_value={mask_value!r}.")
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        return (inputs != self.mask_value).any(dim=-1)

    def call(self, inputs):
        keep = (inputs != self.mask_value).any(dim=-1, keepdim=True)
        # The eager `_keras_mask` is attached by Layer.forward from `compute_mask`.
        return inputs * keep.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
