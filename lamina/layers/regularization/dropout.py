"""`Dropout`: zeroes a random fraction of inputs during training."""

import torch
import torch.nn.functional as F

from lamina.layers.layer import Layer

__all__ = ["Dropout"]


class Dropout(Layer):
    """Randomly sets inputs to 0 with probability `rate` during training and scales
    the rest by `1 / (1 - rate)`; the identity in inference.

    Args:
        rate: fraction of the inputs to drop, in [0, 1).
        noise_shape: shape of the binary mask, broadcast against the input
            (`None` entries take the input's size), e.g. `(batch, 1, features)`
            to drop the same features at every timestep.
        seed: int seed making the dropout pattern reproducible for this layer.

    Shapes:
        output shape = input shape.

    Example:
        >>> layer = Dropout(0.5)
        >>> layer(torch.ones(2, 4), training=True).shape
        torch.Size([2, 4])
    """

    supports_masking = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                f"Dropout layer '{self.name}': `rate` must be a float between 0 and 1, "
                f"received rate={rate!r}."
            )
        self.rate = float(rate)
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None
        self.seed = seed
        self._generator = None
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.noise_shape is None and self.seed is None:
            return F.dropout(inputs, self.rate, True)
        return self._dropout_with_mask(inputs)

    def _dropout_with_mask(self, inputs):
        shape = inputs.shape
        if self.noise_shape is not None:
            if len(self.noise_shape) != inputs.ndim:
                raise ValueError(
                    f"Dropout layer '{self.name}': noise_shape {self.noise_shape} must have the input's "
                    f"rank {inputs.ndim} (input shape {tuple(shape)})."
                )
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, shape))
        keep = 1.0 - self.rate
        generator = None
        if self.seed is not None:
            if self._generator is None or self._generator.device != inputs.device:
                self._generator = torch.Generator(device=inputs.device)
                self._generator.manual_seed(int(self.seed))
            generator = self._generator
        mask = torch.empty(shape, dtype=inputs.dtype, device=inputs.device).bernoulli_(keep, generator=generator)
        return inputs * mask / keep

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed,
                       "noise_shape": list(self.noise_shape) if self.noise_shape is not None else None})
        return config
