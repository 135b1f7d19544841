"""Layers that change the image size: `Resizing`, `CenterCrop`, `RandomCrop`.

All three give a fixed `(height, width)` output, in training and inference, so a model's shapes
are known when it is built.
"""

import torch

from lamina.layers.preprocessing.image.base import BaseImagePreprocessingLayer

__all__ = ["Resizing", "CenterCrop", "RandomCrop"]


def _check_size(layer, height, width):
    for argument, value in (("height", height), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{type(layer).__name__} layer '{layer.name}': `{argument}` must be a positive int; "
                             f"received {argument}={value!r}.")


def _back_to_input_dtype(resized, images):
    """Integer images come back rounded and saturated in their own dtype, as Keras's `Resizing`."""
    if resized.dtype == images.dtype:
        return resized
    if not images.is_floating_point():
        info = torch.iinfo(images.dtype)
        resized = resized.round().clamp(info.min, info.max)
    return resized.to(images.dtype)


def _aspect_window(height, width, target_height, target_width, pad=False):
    """(top, left, window_height, window_width) of the centred window with the target's aspect
    ratio: the largest inside the image, or with `pad` the smallest around it."""
    if pad:
        scale = max(height / target_height, width / target_width)
        window_h, window_w = target_height * scale, target_width * scale
        return (height - window_h) / 2, (width - window_w) / 2, window_h, window_w
    window_h = max(min(height, int(width * target_height / target_width)), 1)
    window_w = max(min(width, int(height * target_width / target_height)), 1)
    return (height - window_h) // 2, (width - window_w) // 2, window_h, window_w


class _FixedSize(BaseImagePreprocessingLayer):
    _USE_BASE_FACTOR = False

    def _window_boxes(self, bounding_boxes, input_size, window):
        """Boxes of the image cut to `window` (top, left, height, width) and scaled to the output size."""
        from lamina.utils.bounding_boxes import clip_to_image_size, convert_format

        height, width = input_size
        top, left, window_h, window_w = window
        boxes = convert_format(bounding_boxes, self.bounding_box_format, "xyxy", height=height, width=width)
        x1, y1, x2, y2 = boxes["boxes"].unbind(-1)
        sx, sy = self.width / window_w, self.height / window_h
        moved = torch.stack([(x1 - left) * sx, (y1 - top) * sy, (x2 - left) * sx, (y2 - top) * sy], dim=-1)
        boxes = clip_to_image_size({**boxes, "boxes": moved}, height=self.height, width=self.width)
        return convert_format(boxes, "xyxy", self.bounding_box_format, height=self.height, width=self.width)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[self._height_axis] = self.height
        shape[self._width_axis] = self.width
        return tuple(shape)

    def _smart_resize(self, images, interpolation="bilinear"):
        """The largest centred window of the target aspect ratio, resized to the target size."""
        from lamina.ops.image import resize

        return resize(images, (self.height, self.width), interpolation=interpolation, crop_to_aspect_ratio=True,
                      data_format=self.data_format)

    def _crop(self, images, top, left):
        if self.data_format == "channels_last":
            return images[:, top:top + self.height, left:left + self.width, :]
        return images[:, :, top:top + self.height, left:left + self.width]


class Resizing(_FixedSize):
    """Resizes images to `(height, width)`, in training and inference.

    Args:
        height, width: the output size.
        interpolation: `"bilinear"` (default), `"nearest"`, `"bicubic"`, `"lanczos3"`,
            `"lanczos5"`, `"area"`.
        crop_to_aspect_ratio: crop the largest centred window of the target aspect ratio first.
        pad_to_aspect_ratio: pad (with `fill_value`) to the target aspect ratio first.
        fill_mode: how padding is filled (`"constant"`).
        fill_value: the padding value.
        antialias: filter when downsampling.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Shapes:
        `(N, H, W, C)` -> `(N, height, width, C)` (or unbatched).

    Example:
        >>> Resizing(4, 6)(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 4, 6, 3])
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                 fill_mode="constant", fill_value=0.0, antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        _check_size(self, height, width)
        self.height, self.width = height, width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def _resize(self, images, interpolation):
        from lamina.ops.image import resize

        resized = resize(images, (self.height, self.width), interpolation=interpolation, antialias=self.antialias,
                         crop_to_aspect_ratio=self.crop_to_aspect_ratio, pad_to_aspect_ratio=self.pad_to_aspect_ratio,
                         fill_mode=self.fill_mode, fill_value=self.fill_value, data_format=self.data_format)
        return _back_to_input_dtype(resized, images)

    def transform_images(self, images, transformation=None, training=True):
        return self._resize(images, self.interpolation)

    def transform_segmentation_masks(self, segmentation_masks, transformation=None, training=True):
        return self._resize(segmentation_masks, "nearest")

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        return self._image_size(images)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        height, width = transformation
        if self.crop_to_aspect_ratio or self.pad_to_aspect_ratio:
            window = _aspect_window(height, width, self.height, self.width, pad=self.pad_to_aspect_ratio)
        else:
            window = (0, 0, height, width)
        return self._window_boxes(bounding_boxes, (height, width), window)

    def get_config(self):
        return {**super().get_config(),
                **self._arguments_config("height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio", "fill_mode", "fill_value", "antialias")}


class CenterCrop(_FixedSize):
    """Crops the centre `(height, width)` window; smaller images are resized (keeping the aspect
    ratio by cropping) instead.

    Args:
        height, width: the output size.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> CenterCrop(4, 6)(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 4, 6, 3])
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        _check_size(self, height, width)
        self.height, self.width = height, width

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        return {"input_shape": tuple(images.shape)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._to_compute_dtype(images)
        height, width = self._image_size(images)
        if height >= self.height and width >= self.width:
            return self._crop(images, (height - self.height) // 2, (width - self.width) // 2)
        return self._smart_resize(images)

    def transform_segmentation_masks(self, segmentation_masks, transformation=None, training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        shape = transformation["input_shape"]
        height, width = shape[self._height_axis], shape[self._width_axis]
        if height >= self.height and width >= self.width:
            window = ((height - self.height) // 2, (width - self.width) // 2, self.height, self.width)
        else:
            window = _aspect_window(height, width, self.height, self.width)
        return self._window_boxes(bounding_boxes, (height, width), window)

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("height", "width")}


class _CropWindow(tuple):
    """RandomCrop's transformation: Keras's `(top, left)` (None, None for the centred resize), with
    the input size the boxes need."""

    def __new__(cls, top, left, input_size):
        window = super().__new__(cls, (top, left))
        window.input_size = input_size
        return window

    @property
    def top(self):
        return self[0]

    @property
    def left(self):
        return self[1]


class RandomCrop(_FixedSize):
    """Crops a random `(height, width)` window in training (one position per batch, as Keras).

    In inference, and in training when the image is not larger than the target, the largest
    centred window of the target aspect ratio is resized to the target size (Keras documents this;
    Keras 3.15 itself returns inference inputs uncropped, contradicting its own output shape).

    Args:
        height, width: the output size.
        seed: optional int seed.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> RandomCrop(4, 4)(torch.rand(2, 8, 8, 3), training=True).shape
        torch.Size([2, 4, 4, 3])
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(data_format=data_format, name=name, **kwargs)
        _check_size(self, height, width)
        self.height, self.width = height, width
        self._init_rng(seed)

    def _draw_window(self, images, training):
        height, width = self._image_size(images)
        if not (training and height > self.height and width > self.width):
            return None
        top = int(self._randint((), 0, height - self.height + 1, images))
        left = int(self._randint((), 0, width - self.width + 1, images))
        return top, left

    def transform_images(self, images, transformation, training=True):
        return self._apply(self._to_compute_dtype(images), transformation, "bilinear")

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self._apply(self._to_compute_dtype(segmentation_masks), transformation, "nearest")

    def _apply(self, images, transformation, interpolation):
        # `transformation`: Keras's (top, left), a `_CropWindow`, or None for the centred resize.
        top, left = (None, None) if transformation is None else tuple(transformation)[:2]
        if top is None:
            return self._smart_resize(images, interpolation=interpolation)
        return self._crop(images, int(top), int(left))

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        height, width = transformation.input_size
        if transformation.top is None:
            window = _aspect_window(height, width, self.height, self.width)
        else:
            window = (transformation.top, transformation.left, self.height, self.width)
        return self._window_boxes(bounding_boxes, (height, width), window)

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        window = self._draw_window(images, training)
        top, left = (None, None) if window is None else window
        return _CropWindow(top, left, self._image_size(images))

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("height", "width", "seed")}
