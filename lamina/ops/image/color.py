"""Colour-space ops of `keras.ops.image`: grayscale, RGB <-> HSV."""

import torch

from lamina.ops._op import keras_op
from lamina.ops.image._common import as_image_batch, require_float, restore_layout

__all__ = ["rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb"]


def _check_channels(op, images, allowed):
    if images.shape[-1] not in allowed:
        raise ValueError(
            f"{op}: the images must have {' or '.join(str(a) for a in allowed)} channels, "
            f"received {images.shape[-1]} (channels-last shape {tuple(images.shape)}); check "
            "`data_format`."
        )


@keras_op("RGBToGrayscale", config=("data_format",), module="image")
def rgb_to_grayscale(images, data_format=None):
    """Luma `0.2989 R + 0.587 G + 0.114 B`, keeping a channel axis of size 1
    (`tf.image.rgb_to_grayscale`; torch composed ops). One-channel input is returned as is.

    Args:
        images: RGB image `(H, W, 3)` or batch `(N, H, W, 3)` (or channels_first).
        data_format: `"channels_last"` or `"channels_first"`; default the global image format.

    Example:
        >>> rgb_to_grayscale(torch.ones(2, 2, 3)).shape
        torch.Size([2, 2, 1])
    """
    batch, layout = as_image_batch("rgb_to_grayscale", images, data_format)
    _check_channels("rgb_to_grayscale", batch, (1, 3))
    if batch.shape[-1] == 1:
        return restore_layout(batch.clone(), layout)
    weights = torch.tensor([0.2989, 0.587, 0.114], device=batch.device,
                           dtype=batch.dtype if batch.is_floating_point() else torch.float32)
    gray = (batch.to(weights.dtype) * weights).sum(-1, keepdim=True)
    return restore_layout(gray.to(batch.dtype), layout)


@keras_op("RGBToHSV", config=("data_format",), module="image")
def rgb_to_hsv(images, data_format=None):
    """RGB in [0, 1] to HSV, hue in [0, 1) (`tf.image.rgb_to_hsv`; torch composed ops).

    Args:
        images: Float RGB image or batch (channels_last or channels_first).
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        >>> rgb_to_hsv(torch.tensor([[[1.0, 0.0, 0.0]]]))
        tensor([[[0., 1., 1.]]])
    """
    batch, layout = as_image_batch("rgb_to_hsv", images, data_format)
    require_float("rgb_to_hsv", batch)
    _check_channels("rgb_to_hsv", batch, (3,))
    eps = torch.finfo(batch.dtype).eps
    batch = torch.where(batch.abs() < eps, torch.zeros_like(batch), batch)
    r, g, b = batch.unbind(-1)
    value = torch.maximum(torch.maximum(r, g), b)
    spread = value - torch.minimum(torch.minimum(r, g), b)
    saturation = torch.where(value > 0, spread / torch.where(value > 0, value, 1.0), 0.0)
    norm = 1.0 / (6.0 * torch.where(spread > 0, spread, 1.0))
    hue = torch.where(value == g, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
    hue = torch.where(value == r, norm * (g - b), hue)
    hue = torch.where(spread > 0, hue, 0.0) + (hue < 0.0).to(hue.dtype)
    return restore_layout(torch.stack((hue, saturation, value), dim=-1), layout)


@keras_op("HSVToRGB", config=("data_format",), module="image")
def hsv_to_rgb(images, data_format=None):
    """HSV (hue in [0, 1)) to RGB, the inverse of `rgb_to_hsv` (`tf.image.hsv_to_rgb`;
    torch composed ops).

    Args:
        images: Float HSV image or batch (channels_last or channels_first).
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        >>> hsv_to_rgb(torch.tensor([[[0.0, 1.0, 1.0]]]))
        tensor([[[1., 0., 0.]]])
    """
    batch, layout = as_image_batch("hsv_to_rgb", images, data_format)
    require_float("hsv_to_rgb", batch)
    _check_channels("hsv_to_rgb", batch, (3,))
    hue, saturation, value = batch.unbind(-1)
    dh = torch.remainder(hue, 1.0) * 6.0
    dr = torch.clamp(torch.abs(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = torch.clamp(2.0 - torch.abs(dh - 2.0), 0.0, 1.0)
    db = torch.clamp(2.0 - torch.abs(dh - 4.0), 0.0, 1.0)
    grey = 1.0 - saturation
    rgb = [value * (grey + saturation * d) for d in (dr, dg, db)]
    return restore_layout(torch.stack(rgb, dim=-1), layout)
