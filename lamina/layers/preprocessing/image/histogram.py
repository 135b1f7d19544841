"""Histogram equalization: `Equalization` (global) and `ContrastLimitedAdaptiveHistogramEqualization`
(per tile, clipped, interpolated)."""

import torch

from lamina.layers.preprocessing.image.base import BaseImagePreprocessingLayer
from lamina.layers.preprocessing.image.color import _rescale

__all__ = ["Equalization", "ContrastLimitedAdaptiveHistogramEqualization"]


def _channels_first(layer, images):
    return images.permute(0, 3, 1, 2) if layer.data_format == "channels_last" else images


def _channels_back(layer, images):
    return images.permute(0, 2, 3, 1) if layer.data_format == "channels_last" else images


class Equalization(BaseImagePreprocessingLayer):
    """Equalizes the histogram of each channel of each image, in training (inference is the
    identity, as in Keras).

    Keras 3.15 builds one histogram per channel over the whole batch, so an image's result depends
    on the other images of its batch; lamina equalizes each image on its own (PIL's `equalize`),
    which equals Keras for a batch of one.

    Args:
        value_range: the range of the input values.
        bins: the number of histogram bins. Defaults to 256.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> Equalization()(torch.randint(0, 100, (2, 8, 8, 3)), training=True).amax()
        tensor(255.)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(bins, bool) or not isinstance(bins, int) or bins < 2:
            raise ValueError(f"Equalization layer '{self.name}': `bins` must be an int >= 2; received bins={bins!r}.")
        self.bins = bins
        self.value_range = list(self._check_value_range(value_range))

    def transform_images(self, images, transformation=None, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        channels = _channels_first(self, _rescale(images, self.value_range, (0, 255)))  # (B, C, H, W)
        batch, count = channels.shape[:2]
        flat = channels.reshape(batch * count, -1)
        bins = self.bins
        index = (flat.float() * (bins - 1) / 255.0).to(torch.int64).clamp(0, bins - 1)
        histogram = torch.zeros(flat.shape[0], bins, device=flat.device).scatter_add_(
            1, index, torch.ones_like(index, dtype=torch.float32))
        cdf = histogram.cumsum(dim=1)
        cdf_min = torch.where(cdf > 0, cdf, torch.full_like(cdf, float("inf"))).amin(dim=1, keepdim=True)
        denominator = cdf[:, -1:] - cdf_min
        denominator = torch.where(denominator == 0, torch.ones_like(denominator), denominator)
        table = (((cdf - cdf_min) * 255) / denominator).round().clamp(0, 255)
        lookup = (flat / 255.0 * (bins - 1)).clamp(0, bins - 1).to(torch.int64)
        equalized = table.gather(1, lookup).to(flat.dtype)
        # A flat channel (one occupied bin) stays as it is.
        flat_channel = (histogram > 0).sum(dim=1, keepdim=True) <= 1
        equalized = torch.where(flat_channel, flat, equalized).reshape(channels.shape)
        return _rescale(_channels_back(self, equalized), (0, 255), self.value_range)

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("bins", "value_range")}


class ContrastLimitedAdaptiveHistogramEqualization(BaseImagePreprocessingLayer):
    """CLAHE: equalizes each tile of a `tile_grid_size` grid with a histogram clipped at
    `clip_limit` (excess spread over all bins), then blends neighbouring tiles' mappings
    bilinearly so no tile edges show (not random; also in inference).

    Args:
        value_range: the range of the input values.
        clip_limit: the histogram clip, as a multiple of the uniform bin count (0: no clip).
        tile_grid_size: `(rows, columns)` of tiles.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))(
        ...     torch.rand(1, 16, 16, 3) * 255).shape
        torch.Size([1, 16, 16, 3])
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        grid = tuple(tile_grid_size) if isinstance(tile_grid_size, (tuple, list)) else ()
        if len(grid) != 2 or not all(isinstance(g, int) and not isinstance(g, bool) and g > 0 for g in grid):
            raise ValueError(f"ContrastLimitedAdaptiveHistogramEqualization layer '{self.name}': `tile_grid_size` "
                             f"must be two positive ints; received tile_grid_size={tile_grid_size!r}.")
        self.value_range = list(self._check_value_range(value_range))
        self.clip_limit = clip_limit
        self.tile_grid_size = grid

    def transform_images(self, images, transformation=None, training=True):
        original_dtype = images.dtype
        images = _rescale(images.to(torch.float32), self.value_range, (0, 255))
        result = _channels_back(self, self._clahe(_channels_first(self, images)))
        return _rescale(result, (0, 255), self.value_range).to(original_dtype)

    def _clahe(self, images):
        batch, channels, height, width = images.shape
        grid_h, grid_w = self.tile_grid_size
        tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
        pad_h, pad_w = tile_h * grid_h - height, tile_w * grid_w - width
        padded = images
        if pad_h or pad_w:  # mirror the last rows/columns so every tile is full
            padded = torch.cat([padded, padded.flip(2)[:, :, :pad_h]], dim=2) if pad_h else padded
            padded = torch.cat([padded, padded.flip(3)[:, :, :, :pad_w]], dim=3) if pad_w else padded
        pixels = padded.to(torch.int64).clamp(0, 255)
        # (B, C, grid_h, grid_w, tile_h * tile_w): every tile's pixels.
        tiles = pixels.reshape(batch, channels, grid_h, tile_h, grid_w, tile_w).permute(0, 1, 2, 4, 3, 5)
        tiles = tiles.reshape(batch, channels, grid_h, grid_w, tile_h * tile_w)
        hist = torch.zeros(tiles.shape[:-1] + (256,), device=images.device).scatter_add_(
            -1, tiles, torch.ones_like(tiles, dtype=torch.float32))
        if self.clip_limit > 0:
            clipped = hist.clamp(0, self.clip_limit * tile_h * tile_w / 256.0)
            hist = clipped + (hist - clipped).sum(dim=-1, keepdim=True) / 256.0
        cdf = hist.cumsum(dim=-1)
        cdf_min = cdf.amin(dim=-1, keepdim=True)
        denominator = tile_h * tile_w - cdf_min
        denominator = torch.where(denominator == 0, torch.ones_like(denominator), denominator)
        mapping = ((cdf - cdf_min) * 255.0 / denominator).clamp(0, 255)
        # Edge tiles repeated once around, so every pixel has four neighbouring tiles.
        mapping = torch.cat([mapping[:, :, :1], mapping, mapping[:, :, -1:]], dim=2)
        mapping = torch.cat([mapping[:, :, :, :1], mapping, mapping[:, :, :, -1:]], dim=3)

        def neighbours(length, tile, count):
            position = (torch.arange(length, dtype=torch.float32, device=images.device) - tile / 2.0) / tile + 1.0
            low = position.floor()
            weight = position - low
            return low.clamp(0, count + 1).long(), (low + 1).clamp(0, count + 1).long(), weight

        y0, y1, wy = neighbours(tile_h * grid_h, tile_h, grid_h)
        x0, x1, wx = neighbours(tile_w * grid_w, tile_w, grid_w)
        b = torch.arange(batch, device=images.device)[:, None, None, None]
        c = torch.arange(channels, device=images.device)[None, :, None, None]

        def look_up(rows, cols):
            return mapping[b, c, rows[None, None, :, None], cols[None, None, None, :], pixels]

        wy, wx = wy[:, None], wx[None, :]
        top = look_up(y0, x0) * (1 - wx) + look_up(y0, x1) * wx
        bottom = look_up(y1, x0) * (1 - wx) + look_up(y1, x1) * wx
        return (top * (1 - wy) + bottom * wy)[:, :, :height, :width]

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("value_range", "clip_limit", "tile_grid_size")}
