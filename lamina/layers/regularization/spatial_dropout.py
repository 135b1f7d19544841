"""`SpatialDropout1D/2D/3D`: drops whole feature maps (the same channels at every position)."""

from lamina.layers._conv_args import normalize_data_format
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.regularization._random import SeededNoise, check_rate

__all__ = ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"]


class _BaseSpatialDropout(SeededNoise, Layer):
    """Dropout with a mask of shape `(batch, 1..., channels)`; identity in inference."""

    supports_masking = True
    _rank = 1

    def __init__(self, rate, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = f"{type(self).__name__} layer '{self.name}'"
        self.rate = check_rate(rate, owner)
        self.seed = seed
        self.data_format = normalize_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=self._rank + 2)
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = [inputs.shape[0]] + [1] * (inputs.ndim - 1)
        channel_axis = -1 if self.data_format == "channels_last" else 1
        shape[channel_axis] = inputs.shape[channel_axis]
        keep = 1.0 - self.rate
        mask = inputs.new_empty(shape).bernoulli_(keep, generator=self._generator_for(inputs))
        return inputs * mask / keep

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        # Keras's SpatialDropout takes no **kwargs (so no `trainable`); keep the config loadable there.
        config.pop("trainable", None)
        config.update({"rate": self.rate, "seed": self.seed})
        if self._rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_BaseSpatialDropout):
    """Drops entire 1-D feature maps: input `(batch, steps, channels)`, mask `(batch, 1, channels)`.

    Args:
        rate: fraction of the channels to drop.
        seed: optional int seed for reproducible masks.
        name, dtype: as for every layer (Keras takes no other keyword arguments here).

    Example:
        >>> SpatialDropout1D(0.5)(torch.ones(2, 5, 4), training=True).shape
        torch.Size([2, 5, 4])
    """

    _rank = 1

    # Keras's explicit signature (no **kwargs): a config with other keys would not load in Keras.
    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)


class SpatialDropout2D(_BaseSpatialDropout):
    """Drops entire 2-D feature maps: mask `(batch, 1, 1, channels)` (channels_last).

    Args:
        rate: fraction of the channels to drop.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        seed: optional int seed for reproducible masks.
        name, dtype: as for every layer (Keras takes no other keyword arguments here).

    Example:
        >>> SpatialDropout2D(0.5)(torch.ones(2, 4, 4, 3), training=True).shape
        torch.Size([2, 4, 4, 3])
    """

    _rank = 2

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, data_format=data_format, name=name, dtype=dtype)


class SpatialDropout3D(_BaseSpatialDropout):
    """Drops entire 3-D feature maps: mask `(batch, 1, 1, 1, channels)` (channels_last).

    Args:
        rate: fraction of the channels to drop.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        seed: optional int seed for reproducible masks.
        name, dtype: as for every layer (Keras takes no other keyword arguments here).

    Example:
        >>> SpatialDropout3D(0.5)(torch.ones(2, 3, 3, 3, 2), training=True).shape
        torch.Size([2, 3, 3, 3, 2])
    """

    _rank = 3

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, data_format=data_format, name=name, dtype=dtype)
