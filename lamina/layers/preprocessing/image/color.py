"""Colour augmentation layers: brightness, contrast, inversion, solarization, posterization,
colour degeneration, grayscale, auto-contrast.

Each draws one value per image of the batch (`get_random_transformation`) and applies it with
elementwise torch operations; pixel values are in `value_range` (Keras's default `(0, 255)`).
"""

import torch

from lamina.layers.preprocessing.image.base import BaseImagePreprocessingLayer

__all__ = ["RandomBrightness", "RandomContrast", "RandomInvert", "Solarization", "RandomPosterization",
           "RandomColorDegeneration", "RandomGrayscale", "AutoContrast"]


def _rescale(images, source, target):
    """Maps values from the range `source` to the range `target` (Keras's `_transform_value_range`)."""
    if tuple(source) == tuple(target):
        return images
    images = (images - source[0]) / (source[1] - source[0])
    return images * (target[1] - target[0]) + target[0]


def _grayscale(images, data_format):
    from lamina.ops.image import rgb_to_grayscale

    return rgb_to_grayscale(images, data_format=data_format)


class RandomBrightness(BaseImagePreprocessingLayer):
    """Adds a random brightness offset per image in training: `factor * (high - low)` of the range.

    Args:
        factor: a number `f` in [-1, 1] (offsets drawn from [-f, f]) or a pair `(lower, upper)`.
            -1 turns the image black, 1 white.
        value_range: the range of the input values; outputs are clipped to it.
        seed: optional int seed.

    Shapes:
        `(N, H, W, C)` or `(H, W, C)` in, same out (float).

    Example:
        >>> RandomBrightness(0.2)(torch.rand(2, 8, 8, 3) * 255).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor=factor, **kwargs)
        self._init_rng(seed)
        self.value_range = list(self._check_value_range(value_range))

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        if not training:
            return {"rgb_delta": torch.zeros(self._batch_shape(images), device=images.device)}
        delta = self._uniform(self._batch_shape(images), self.factor[0], self.factor[1], images)
        return {"rgb_delta": delta * (self.value_range[1] - self.value_range[0])}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        images = images + transformation["rgb_delta"].to(images.dtype)
        return images.clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("factor", "value_range", "seed")}


class RandomContrast(BaseImagePreprocessingLayer):
    """Scales each channel's deviation from its mean by a random factor in `[1 - lower, 1 + upper]`.

    Args:
        factor: a number in [0, 1] or a pair `(lower, upper)`.
        value_range: the range of the input values; outputs are clipped to it.
        seed: optional int seed.

    Example:
        >>> RandomContrast(0.5)(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 8, 8, 3])
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor=factor, **kwargs)
        self.value_range = value_range
        self._init_rng(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        if not training:
            return {"contrast_factor": torch.zeros(self._batch_shape(images), device=images.device)}
        return {"contrast_factor": self._uniform(self._batch_shape(images), 1.0 - self.factor[0],
                                                 1.0 + self.factor[1], self._to_compute_dtype(images[:1, :1, :1]))}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        mean = images.mean(dim=(self._height_axis, self._width_axis), keepdim=True)
        outputs = (images - mean) * transformation["contrast_factor"].to(images.dtype) + mean
        return outputs.clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("factor", "value_range", "seed")}


class RandomInvert(BaseImagePreprocessingLayer):
    """Inverts images (`high - x`) with a probability drawn from `factor`, per image.

    Args:
        factor: the probability (a number in [0, 1], or a range to draw it from).
        value_range: the range of the input values.
        seed: optional int seed.

    Example:
        >>> RandomInvert(1.0, value_range=(0, 1))(torch.zeros(1, 2, 2, 3)).max()
        tensor(1.)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self._init_rng(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        return {"apply_inversion": self._draw_apply(self._batch_shape(images)[0], images.float())}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = self._to_compute_dtype(images)
        invert = transformation["apply_inversion"][:, None, None, None]
        return torch.where(invert, self.value_range[1] - images, images)

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("factor", "value_range", "seed")}


class Solarization(BaseImagePreprocessingLayer):
    """Inverts the pixels above a random threshold, after adding a random offset (PIL's solarize).

    Args:
        addition_factor: a number in [0, 1] or a range: the offset added, as a fraction of 255.
        threshold_factor: a number in [0, 1] or a range: the threshold, as a fraction of 255.
        value_range: the range of the input values.
        seed: optional int seed.

    Example:
        >>> Solarization(threshold_factor=(0.5, 0.5))(torch.full((1, 2, 2, 3), 200.0)).max()
        tensor(55.)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self._init_rng(seed)
        self.addition_factor = self._unit_range(addition_factor, "addition_factor")
        self.threshold_factor = self._unit_range(threshold_factor, "threshold_factor")
        self.value_range = list(self._check_value_range(value_range))

    def _unit_range(self, factor, argument):
        values = factor if isinstance(factor, (tuple, list)) else [0, factor]
        if (len(values) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
                or not all(0 <= v <= 1 for v in values)):
            raise ValueError(f"Solarization layer '{self.name}': `{argument}` must be a number or a list of two "
                             f"numbers in [0, 1]; received {argument}={factor!r}.")
        return tuple(sorted(values))

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._to_compute_dtype((data["images"] if isinstance(data, dict) else data)[:1, :1, :1])
        shape = self._batch_shape(data["images"] if isinstance(data, dict) else data)
        return {"additions": self._uniform(shape, self.addition_factor[0], self.addition_factor[1] * 255, images),
                "thresholds": self._uniform(shape, self.threshold_factor[0], self.threshold_factor[1] * 255,
                                            images)}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        scaled = _rescale(images, self.value_range, (0, 255))
        results = (scaled + transformation["additions"]).clamp(0, 255)
        results = torch.where(results < transformation["thresholds"], results, 255 - results)
        return _rescale(results, (0, 255), self.value_range)

    def get_config(self):
        return {**super().get_config(),
                **self._arguments_config("value_range", "addition_factor", "threshold_factor", "seed")}


class RandomPosterization(BaseImagePreprocessingLayer):
    """Keeps only the `factor` most significant bits of each 8-bit colour value.

    Args:
        factor: the number of bits to keep, an int in [1, 8], or a range `(low, high)` to draw from
            (upper bound excluded, as Keras's `randint`).
        value_range: the range of the input values.
        seed: optional int seed.

    Example:
        >>> RandomPosterization(1)(torch.full((1, 1, 1, 3), 200.0))
        tensor([[[[128., 128., 128.]]]])
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (1, 8)
    _MAX_FACTOR = 8

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = list(self._check_value_range(value_range))
        self._init_rng(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        batch = self._batch_shape(images)[0]
        low, high = int(self.factor[0]), int(self.factor[1])
        if low != high:
            factor = self._randint((batch,), low, high, images)
        else:
            factor = torch.full((batch,), low, device=images.device)
        return {"shift_factor": (self._MAX_FACTOR - factor).to(torch.uint8)}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        shift = transformation["shift_factor"].reshape(-1, 1, 1, 1)
        pixels = _rescale(images, self.value_range, (0, 255)).to(torch.uint8)
        pixels = torch.bitwise_left_shift(torch.bitwise_right_shift(pixels, shift), shift)
        return _rescale(pixels.to(images.dtype), (0, 255), self.value_range)

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("factor", "value_range", "seed")}


class RandomColorDegeneration(BaseImagePreprocessingLayer):
    """Blends each image towards its grayscale version by a random factor in `factor`.

    Args:
        factor: a number in [0, 1] (draws from [0, f]) or a pair `(lower, upper)`.
        value_range: the range of the input values; outputs are clipped to it.
        seed: optional int seed.

    Example:
        >>> RandomColorDegeneration(0.5)(torch.rand(2, 4, 4, 3) * 255).shape
        torch.Size([2, 4, 4, 3])
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = list(self._check_value_range(value_range))
        self._init_rng(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        return {"factor": self._uniform(self._batch_shape(images), self.factor[0], self.factor[1],
                                        images.float())}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        factor = transformation["factor"].to(images.dtype)
        images = images + factor * (_grayscale(images, self.data_format) - images)
        return images.clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("factor", "value_range", "seed")}


class RandomGrayscale(BaseImagePreprocessingLayer):
    """Turns each image grayscale (kept on 3 channels) with probability `factor`.

    Args:
        factor: the probability, in [0, 1]. Defaults to 0.5.
        seed: optional int seed.

    Example:
        >>> RandomGrayscale(1.0)(torch.rand(1, 4, 4, 3)).shape
        torch.Size([1, 4, 4, 3])
    """

    _USE_BASE_FACTOR = False

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 <= factor <= 1:
            raise ValueError(f"RandomGrayscale layer '{self.name}': `factor` must be a probability between 0 and "
                             f"1; received factor={factor!r}.")
        self.factor = factor
        self._init_rng(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        images = images["images"] if isinstance(images, dict) else images
        batch = self._batch_shape(images)[0]
        return (self._uniform((batch,), 0.0, 1.0, images.float()) < self.factor).reshape(batch, 1, 1, 1)

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        should_apply = transformation if transformation is not None else self.get_random_transformation(images)
        return torch.where(should_apply, _grayscale(images, self.data_format), images)

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("factor")}


class AutoContrast(BaseImagePreprocessingLayer):
    """Stretches each channel of each image to the full `value_range` (not random; also in inference).

    Args:
        value_range: the range of the input values.

    Example:
        >>> AutoContrast(value_range=(0, 1))(torch.tensor([[[[0.25], [0.5]]]]))
        tensor([[[[0.], [1.]]]])
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = list(self._check_value_range(value_range))

    def transform_images(self, images, transformation=None, training=True):
        original = images
        images = _rescale(self._to_compute_dtype(images), self.value_range, (0, 255))
        axes = (self._height_axis, self._width_axis)
        low = images.amin(dim=axes, keepdim=True)
        high = images.amax(dim=axes, keepdim=True)
        scale = 255.0 / (high - low)
        results = (images * scale - low * scale).clamp(0.0, 255.0)
        results = _rescale(results, (0, 255), self.value_range)
        # A flat channel gives 0/0: keep its original values, as Keras does.
        return torch.where(torch.isnan(results), original.to(results.dtype), results)

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("value_range")}
