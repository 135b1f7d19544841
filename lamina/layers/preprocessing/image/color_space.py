"""Hue and saturation augmentation (through HSV), and `RandomColorJitter` combining them with
brightness and contrast."""

import torch

from lamina.layers.preprocessing.image.base import BaseImagePreprocessingLayer
from lamina.layers.preprocessing.image.color import RandomBrightness, RandomContrast, _rescale

__all__ = ["RandomHue", "RandomSaturation", "RandomColorJitter"]

_EPSILON = 1e-7


def _hsv_channels(layer, images, change):
    """Applies `change(h, s, v) -> (h, s, v)` in HSV space (channel axis as the layer's format)."""
    from lamina.ops.image import hsv_to_rgb, rgb_to_hsv

    hsv = rgb_to_hsv(images, data_format=layer.data_format)
    axis = layer._channel_axis
    h, s, v = hsv.unbind(axis)
    return hsv_to_rgb(torch.stack(change(h, s, v), dim=axis), data_format=layer.data_format)


class RandomHue(BaseImagePreprocessingLayer):
    """Rotates the hue of each image by a random amount, in either direction.

    Args:
        factor: a number in [0, 1] or a pair: the hue shift's size (1 is half a turn).
        value_range: the range of the input values.
        seed: optional int seed.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> RandomHue(0.5)(torch.rand(2, 4, 4, 3) * 255).shape
        torch.Size([2, 4, 4, 3])
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self.value_range = value_range
        self._init_rng(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = self._to_compute_dtype(data["images"] if isinstance(data, dict) else data)
        batch = images.shape[0]
        invert = torch.where(self._uniform((batch,), 0.0, 1.0, images) > 0.5, -1.0, 1.0).to(images.dtype)
        factor = self._uniform((batch,), self.factor[0], self.factor[1], images)
        return {"factor": invert * factor * 0.5}

    def transform_images(self, images, transformation=None, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        shift = transformation["factor"].to(images.dtype).reshape(-1, 1, 1)

        def rotate_hue(h, s, v):
            h = h + shift
            h = torch.where(h > 1.0, h - 1.0, h)
            return torch.where(h < 0.0, h + 1.0, h), s, v

        unit = _rescale(images, self.value_range, (0, 1))
        return _rescale(_hsv_channels(self, unit, rotate_hue).clamp(0, 1), (0, 1), self.value_range)

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("factor", "value_range", "seed")}


class RandomSaturation(BaseImagePreprocessingLayer):
    """Scales the saturation of each image by a random factor (0 gives grayscale, large values
    saturate fully); `factor` 0.5 keeps the image unchanged.

    Args:
        factor: a number in [0, 1] or a pair, drawn per image and mapped to `f / (1 - f)`.
        value_range: the range of the input values.
        seed: optional int seed.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> RandomSaturation((0.5, 0.5))(torch.rand(1, 4, 4, 3)).shape
        torch.Size([1, 4, 4, 3])
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self.value_range = list(self._check_value_range(value_range))
        self._init_rng(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = self._to_compute_dtype(data["images"] if isinstance(data, dict) else data)
        factor = self._uniform((images.shape[0],), self.factor[0], self.factor[1], images)
        return {"factor": factor / (1 - factor + _EPSILON)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        scale = transformation["factor"].to(images.dtype).reshape(-1, 1, 1)
        # As Keras 3.15: the saturation is clipped to `value_range` (a no-op for [0, 255] inputs).
        low, high = self.value_range
        return _hsv_channels(self, images, lambda h, s, v: (h, (s * scale).clamp(low, high), v))

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("factor", "value_range", "seed")}


class RandomColorJitter(BaseImagePreprocessingLayer):
    """Random brightness, contrast, saturation and hue changes, in that order; each applied only
    when its factor is given.

    Args:
        value_range: the range of the input values.
        brightness_factor, contrast_factor, saturation_factor, hue_factor: as the `factor` of
            `RandomBrightness`, `RandomContrast`, `RandomSaturation`, `RandomHue`.
        seed: optional int seed.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> jitter = RandomColorJitter(brightness_factor=0.2, hue_factor=0.1)
        >>> jitter(torch.rand(2, 4, 4, 3) * 255).shape
        torch.Size([2, 4, 4, 3])
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None, saturation_factor=None,
                 hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        self._init_rng(seed)
        common = {"value_range": value_range, "seed": seed}
        self.random_brightness = (None if brightness_factor is None
                                  else RandomBrightness(brightness_factor, **common, name="random_brightness"))
        self.random_contrast = (None if contrast_factor is None
                                else RandomContrast(contrast_factor, **common, name="random_contrast"))
        self.random_saturation = (None if saturation_factor is None
                                  else RandomSaturation(saturation_factor, **common, name="random_saturation"))
        self.random_hue = None if hue_factor is None else RandomHue(hue_factor, **common, name="random_hue")

    def _steps(self):
        return [layer for layer in (self.random_brightness, self.random_contrast, self.random_saturation,
                                    self.random_hue) if layer is not None]

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        return {layer.name: layer.get_random_transformation(images, training=training) for layer in self._steps()}

    def transform_images(self, images, transformation=None, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        for layer in self._steps():
            # Keras draws each step's values here; lamina draws them in get_random_transformation
            # so that one transformation reproduces the result (None: draw now, as Keras).
            step = None if transformation is None else transformation.get(layer.name)
            if step is None:
                step = layer.get_random_transformation(images, training=True)
            images = layer.transform_images(images, step, training=True)
        return images

    def get_config(self):
        return {**super().get_config(),
                **self._arguments_config("value_range", "brightness_factor", "contrast_factor", "saturation_factor", "hue_factor", "seed")}
