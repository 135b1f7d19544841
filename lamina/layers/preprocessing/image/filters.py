"""Blur and sharpness augmentation: `RandomGaussianBlur`, `RandomSharpness`."""

import torch

from lamina.layers.preprocessing.image.base import BaseImagePreprocessingLayer, _is_number

__all__ = ["RandomGaussianBlur", "RandomSharpness"]


class RandomGaussianBlur(BaseImagePreprocessingLayer):
    """Blurs each image with probability `factor`, with a Gaussian kernel whose standard deviations
    are drawn from `sigma` (one pair per call, as Keras).

    Args:
        factor: the probability of blurring (a number or a range).
        kernel_size: an odd int, or a pair of odd ints `(width, height)`.
        sigma: a number `s` (drawn from [0, s]) or a range for the standard deviations.
        value_range: the range of the input values; outputs are clipped to it.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        seed: optional int seed.

    Example:
        >>> RandomGaussianBlur(1.0, kernel_size=5)(torch.rand(2, 8, 8, 3), training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        sizes = list(kernel_size) if isinstance(kernel_size, (tuple, list)) else [kernel_size, kernel_size]
        if len(sizes) != 2 or not all(_is_number(k) and int(k) == k and k > 0 and k % 2 == 1 for k in sizes):
            raise ValueError(f"RandomGaussianBlur layer '{self.name}': `kernel_size` must be an odd positive int or "
                             f"a pair of them; received kernel_size={kernel_size!r}.")
        self.kernel_size = tuple(int(k) for k in sizes)
        factor_range = self.factor
        self._set_factor(sigma)
        self.sigma, self.factor = self.factor, factor_range
        self.value_range = value_range
        self._init_rng(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._to_compute_dtype(data["images"] if isinstance(data, dict) else data)
        batch = images.shape[0]
        apply = self._draw_apply(batch, images)
        return {"should_apply_blur": apply,
                "blur_factor": self._uniform((2,), self.sigma[0], self.sigma[1], images) + 1e-6}

    def transform_images(self, images, transformation=None, training=True):
        from lamina.ops.image import gaussian_blur

        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        blurred = gaussian_blur(images, kernel_size=self.kernel_size, sigma=transformation["blur_factor"],
                                data_format=self.data_format)
        images = torch.where(transformation["should_apply_blur"].reshape(-1, 1, 1, 1), blurred, images)
        return images.clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(),
                **self._arguments_config("factor", "kernel_size", "sigma", "value_range", "seed")}


class RandomSharpness(BaseImagePreprocessingLayer):
    """Sharpens or softens each image: blends it with a 3x3 smoothed copy by a random factor
    (PIL's `ImageEnhance.Sharpness`; `factor` 0.5 keeps the image).

    Args:
        factor: a number in [0, 1] or a pair; the blend weight is twice the drawn value.
        value_range: the range of the input values; outputs are clipped to it.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        seed: optional int seed.

    Example:
        >>> RandomSharpness(0.5)(torch.rand(2, 8, 8, 3) * 255).shape
        torch.Size([2, 8, 8, 3])
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self.value_range = list(self._check_value_range(value_range))
        self._init_rng(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = self._to_compute_dtype(data["images"] if isinstance(data, dict) else data)
        return {"factor": self._uniform((images.shape[0],), self.factor[0], self.factor[1], images)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        channels = images.shape[self._channel_axis]
        a, b = 1.0 / 13.0, 5.0 / 13.0
        kernel = torch.tensor([[a, a, a], [a, b, a], [a, a, a]], dtype=images.dtype, device=images.device)
        nchw = images.permute(0, 3, 1, 2) if self.data_format == "channels_last" else images
        smoothed = torch.nn.functional.conv2d(nchw, kernel.expand(channels, 1, 3, 3), padding=1, groups=channels)
        if self.data_format == "channels_last":
            smoothed = smoothed.permute(0, 2, 3, 1)
        weight = (transformation["factor"] * 2).to(images.dtype).reshape(-1, 1, 1, 1)
        images = images + (1.0 - weight) * (smoothed - images)
        return images.clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("factor", "value_range", "seed")}
