"""Geometric augmentation layers: flips and the affine family (rotation, zoom, translation, shear).

The affine layers build one 8-parameter projective transform per image (Keras's
`[a0, a1, a2, b0, b1, b2, c0, c1]`, mapping output to input coordinates) and resample the whole
batch at once with `lamina.ops.image.affine_transform` (fill modes `reflect`, `wrap`,
`constant`, `nearest`; `nearest`/`bilinear` interpolation).
"""

import math

import torch

from lamina.layers.preprocessing.image.base import BaseImagePreprocessingLayer, _is_number

__all__ = ["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomShear"]

HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL = "horizontal", "vertical", "horizontal_and_vertical"
_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")


class RandomFlip(BaseImagePreprocessingLayer):
    """Flips each image left-right and/or top-bottom with probability 1/2 in training.

    Args:
        mode: `"horizontal"`, `"vertical"` or `"horizontal_and_vertical"` (default).
        seed: optional int seed.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Shapes:
        `(N, H, W, C)` or `(H, W, C)` in, same out.

    Example:
        >>> RandomFlip("horizontal", seed=1)(torch.rand(4, 8, 8, 3)).shape
        torch.Size([4, 8, 8, 3])
    """

    _USE_BASE_FACTOR = False

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if mode not in (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL):
            raise ValueError(f"RandomFlip layer '{self.name}': `mode` must be 'horizontal', 'vertical' or "
                             f"'horizontal_and_vertical'; received mode={mode!r}.")
        self._init_rng(seed)
        self.mode = mode

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        return {"flips": self._uniform(self._batch_shape(images), 0.0, 1.0, images.float()) <= 0.5,
                "input_shape": tuple(images.shape)}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        flips = transformation["flips"]
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            images = torch.where(flips, images.flip(self._width_axis), images)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            images = torch.where(flips, images.flip(self._height_axis), images)
        return images

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        from lamina.utils.bounding_boxes import _move_boxes, clip_to_image_size, convert_format

        height, width = (transformation["input_shape"][self._height_axis],
                         transformation["input_shape"][self._width_axis])
        boxes = convert_format(bounding_boxes, source=self.bounding_box_format, target="rel_xyxy",
                               height=height, width=width)
        flips = transformation["flips"].reshape(-1, 1, 1)
        x1, y1, x2, y2 = boxes["boxes"].unbind(-1)
        xyxy = boxes["boxes"]
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            xyxy = torch.where(flips, torch.stack([1 - x2, y1, 1 - x1, y2], dim=-1), xyxy)
            x1, y1, x2, y2 = xyxy.unbind(-1)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            xyxy = torch.where(flips, torch.stack([x1, 1 - y2, x2, 1 - y1], dim=-1), xyxy)
        boxes = {**boxes, "boxes": xyxy}
        boxes = clip_to_image_size(boxes, height=height, width=width, bounding_box_format="rel_xyxy")
        return convert_format(boxes, source="rel_xyxy", target=self.bounding_box_format, height=height, width=width)

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("seed", "mode")}


class _AffineLayer(BaseImagePreprocessingLayer):
    """Shared by the layers that resample through one affine transform per image."""

    _USE_BASE_FACTOR = False

    def _set_resampling(self, fill_mode, interpolation, fill_value):
        if fill_mode not in _FILL_MODES:
            raise ValueError(f"{type(self).__name__} layer '{self.name}': `fill_mode` must be one of {_FILL_MODES}; "
                             f"received fill_mode={fill_mode!r}.")
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(f"{type(self).__name__} layer '{self.name}': `interpolation` must be one of "
                             f"{_INTERPOLATIONS}; received interpolation={interpolation!r}.")
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def _range(self, factor, argument, low=-1.0, high=1.0, low_open=False):
        problem = (f"{type(self).__name__} layer '{self.name}': `{argument}` must be a number or a list of two "
                   f"numbers in the range {'(' if low_open else '['}{low}, {high}]; received {argument}={factor!r}.")
        values = list(factor) if isinstance(factor, (tuple, list)) else None
        if values is None:
            if not _is_number(factor):
                raise ValueError(problem)
            values = [-abs(factor), abs(factor)]
        if len(values) != 2 or not all(_is_number(v) for v in values):
            raise ValueError(problem)
        for v in values:
            if v > high or v < low or (low_open and v == low):
                raise ValueError(problem)
        return tuple(sorted(float(v) for v in values))

    def _resample(self, images, matrices, interpolation=None):
        from lamina.layers.preprocessing.image._fast_affine import affine_grid_sample, can_use_grid_sample
        from lamina.ops.image import affine_transform

        interpolation = interpolation or self.interpolation
        if can_use_grid_sample(images, matrices, interpolation, self.fill_mode):  # same values, fused kernel
            return affine_grid_sample(images, matrices, self.fill_mode, self.fill_value, self.data_format)
        return affine_transform(images, matrices.to(images.dtype), interpolation=interpolation or self.interpolation,
                                fill_mode=self.fill_mode, fill_value=self.fill_value, data_format=self.data_format)

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        return self._resample(images, self._matrices(transformation))

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training or transformation is None:
            return segmentation_masks
        masks = self._to_compute_dtype(segmentation_masks)
        return self._resample(masks, self._matrices(transformation), interpolation="nearest")

    def _input_size(self, transformation):
        if "input_shape" in transformation:
            shape = transformation["input_shape"]
            return shape[self._height_axis], shape[self._width_axis]
        return transformation["image_height"], transformation["image_width"]

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Moves each box's corners as the pixels move and keeps the enclosing box, clipped."""
        if not training or transformation is None:
            return bounding_boxes
        from lamina.utils.bounding_boxes import _move_boxes, clip_to_image_size, convert_format

        height, width = self._input_size(transformation)
        boxes = convert_format(bounding_boxes, self.bounding_box_format, "xyxy", height=height, width=width)
        xyxy = boxes["boxes"]
        params = self._matrices(transformation).to(xyxy)
        # The 8 parameters map output to input points; boxes move the other way.
        ones = torch.ones_like(params[:, :1])
        forward = torch.linalg.inv(torch.cat([params, ones], dim=1).reshape(-1, 3, 3))
        boxes = {**boxes, "boxes": _move_boxes(xyxy, forward)}
        boxes = clip_to_image_size(boxes, height=height, width=width, bounding_box_format="xyxy")
        return convert_format(boxes, "xyxy", self.bounding_box_format, height=height, width=width)

    def _common_config(self):
        return {"fill_mode": self.fill_mode, "fill_value": self.fill_value, "interpolation": self.interpolation,
                "seed": self.seed}


def affine_matrix(center_x, center_y, angle, translate_x, translate_y, scale, shear_x, shear_y, height, width):
    """Keras's per-image transform (output -> input coordinates) from degrees, pixels and ratios.

    Composes scaling, shear and rotation about the centre `(center_x, center_y)` (fractions of the
    size), then translation; every argument but the sizes is a `(batch,)` tensor.
    """
    to_radians = math.pi / 180.0
    angle, shear_x, shear_y = angle * to_radians, torch.tan(shear_x * to_radians), torch.tan(shear_y * to_radians)
    cx, cy = center_x * (width - 1), center_y * (height - 1)
    cos, sin = torch.cos(angle), torch.sin(angle)
    a0 = scale * (cos + shear_x * sin)
    a1 = scale * (-sin + shear_x * cos)
    a2 = translate_x + cx - cx * a0 - cy * a1
    b0 = scale * (shear_y * cos + sin)
    b1 = scale * (shear_y * -sin + cos)
    b2 = translate_y + cy - cx * b0 - cy * b1
    zeros = torch.zeros_like(a0)
    return torch.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], dim=1)


class RandomRotation(_AffineLayer):
    """Rotates each image by a random angle, `factor` being a fraction of a full turn.

    Args:
        factor: a number `f` (angles in `[-f * 360, f * 360]` degrees) or a pair `(lower, upper)`.
        fill_mode: how points outside the image are filled: `"reflect"` (default), `"wrap"`,
            `"constant"` (with `fill_value`) or `"nearest"`.
        interpolation: `"bilinear"` (default) or `"nearest"`.
        seed: optional int seed.
        fill_value: the value for `fill_mode="constant"`.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> RandomRotation(0.1)(torch.rand(2, 16, 16, 3), training=True).shape
        torch.Size([2, 16, 16, 3])
    """

    _USE_BASE_FACTOR = True

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self._init_rng(seed)
        self._set_resampling(fill_mode, interpolation, fill_value)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        batch = self._batch_shape(images)[0]
        height, width = self._image_size(images)
        like = images if images.is_floating_point() else images.float()
        angle = self._uniform((batch,), self.factor[0] * 360.0, self.factor[1] * 360.0, like)
        zeros, ones = torch.zeros_like(angle), torch.ones_like(angle)
        matrix = affine_matrix(0.5, 0.5, angle, zeros, zeros, ones, zeros, zeros, height, width)
        return {"angle": angle, "rotation_matrix": matrix, "image_height": height, "image_width": width,
                "batch_size": batch}

    def _matrices(self, transformation):
        return transformation["rotation_matrix"]

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor), **self._common_config()}


class RandomZoom(_AffineLayer):
    """Zooms each image in or out by a random factor per axis.

    Args:
        height_factor: a number `f` or a pair `(lower, upper)` in (-1, 1]: the vertical zoom is drawn
            from `[1 + lower, 1 + upper]` (positive values zoom out, negative values zoom in).
        width_factor: the same for the horizontal axis; None (default) keeps the aspect ratio.
        fill_mode, interpolation, seed, fill_value, data_format: as in `RandomRotation`.

    Example:
        >>> RandomZoom(0.2)(torch.rand(2, 16, 16, 3), training=True).shape
        torch.Size([2, 16, 16, 3])
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = self._range(height_factor, "height_factor", low_open=True)
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = self._range(width_factor, "width_factor", low_open=True)
        self._init_rng(seed)
        self._set_resampling(fill_mode, interpolation, fill_value)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        like = images if images.is_floating_point() else images.float()
        shape = (self._batch_shape(images)[0], 1)
        height_zoom = self._uniform(shape, 1.0 + self.height_lower, 1.0 + self.height_upper, like)
        width_zoom = (height_zoom if self.width_factor is None
                      else self._uniform(shape, 1.0 + self.width_lower, 1.0 + self.width_upper, like))
        return {"height_zoom": height_zoom, "width_zoom": width_zoom, "input_shape": tuple(images.shape)}

    def _matrices(self, transformation):
        shape = transformation["input_shape"]
        height, width = shape[self._height_axis], shape[self._width_axis]
        zx, zy = transformation["width_zoom"].float(), transformation["height_zoom"].float()
        zeros = torch.zeros_like(zx)
        x_offset = (width - 1.0) / 2.0 * (1.0 - zx)
        y_offset = (height - 1.0) / 2.0 * (1.0 - zy)
        return torch.cat([zx, zeros, x_offset, zeros, zy, y_offset, zeros, zeros], dim=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor,
                **self._common_config()}


class RandomTranslation(_AffineLayer):
    """Shifts each image by a random fraction of its height and width.

    Args:
        height_factor: a number `f` or a pair `(lower, upper)` in [-1, 1]: the vertical shift as a
            fraction of the height (positive moves down).
        width_factor: the same for the horizontal shift (positive moves right).
        fill_mode, interpolation, seed, fill_value, data_format: as in `RandomRotation`.

    Example:
        >>> RandomTranslation(0.1, 0.1)(torch.rand(2, 16, 16, 3), training=True).shape
        torch.Size([2, 16, 16, 3])
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = self._range(height_factor, "height_factor")
        self.width_factor = width_factor
        self.width_lower, self.width_upper = self._range(width_factor, "width_factor")
        self._init_rng(seed)
        self._set_resampling(fill_mode, interpolation, fill_value)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        like = images if images.is_floating_point() else images.float()
        height, width = self._image_size(images)
        shape = (self._batch_shape(images)[0], 1)
        dy = self._uniform(shape, self.height_lower, self.height_upper, like) * height
        dx = self._uniform(shape, self.width_lower, self.width_upper, like) * width
        return {"translations": torch.cat([dx, dy], dim=1).float(), "input_shape": tuple(images.shape)}

    def _matrices(self, transformation):
        shift = transformation["translations"]
        ones, zeros = torch.ones_like(shift[:, :1]), torch.zeros_like(shift[:, :1])
        return torch.cat([ones, zeros, -shift[:, :1], zeros, ones, -shift[:, 1:], zeros, zeros], dim=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor,
                **self._common_config()}


class RandomShear(_AffineLayer):
    """Shears each image along x and/or y by random factors, in a random direction.

    Args:
        x_factor: a number `f` in [0, 1] or a pair: the horizontal shear drawn from `[-f, f]`.
        y_factor: the same for the vertical shear.
        interpolation, fill_mode, fill_value, data_format, seed: as in `RandomRotation`.

    Example:
        >>> RandomShear(0.2, 0.2)(torch.rand(2, 16, 16, 3), training=True).shape
        torch.Size([2, 16, 16, 3])
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.x_factor = self._shear_range(x_factor, "x_factor")
        self.y_factor = self._shear_range(y_factor, "y_factor")
        # The arguments as given go into the config: Keras 3.15 writes the [-f, f] ranges and then
        # refuses them when reading (its check wants [0, 1]), so lamina-written files keep `f`.
        self._factor_arguments = {"x_factor": x_factor, "y_factor": y_factor}
        self._init_rng(seed)
        self._set_resampling(fill_mode, interpolation, fill_value)

    def _shear_range(self, factor, argument):
        # A number is a strength in [0, 1]; a pair is the range itself, which is what get_config
        # writes ([-f, f]; Keras 3.15 then refuses its own config, lamina reads it).
        if _is_number(factor) and not 0.0 <= factor <= 1.0:
            raise ValueError(f"RandomShear layer '{self.name}': `{argument}` must be a number in [0, 1] or a list "
                             f"of two numbers in [-1, 1]; received {argument}={factor!r}.")
        return self._range(factor, argument)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        like = self._to_compute_dtype(images[:1, :1, :1])
        shape = (self._batch_shape(images)[0], 1)
        invert = torch.where(self._uniform(shape, 0.0, 1.0, like) > 0.5, -1.0, 1.0).to(like.dtype)
        shear_y = self._uniform(shape, self.y_factor[0], self.y_factor[1], like)
        shear_x = self._uniform(shape, self.x_factor[0], self.x_factor[1], like)
        return {"shear_factor": torch.cat([shear_x, shear_y], dim=1) * invert, "input_shape": tuple(images.shape)}

    def _matrices(self, transformation):
        shear = transformation["shear_factor"]
        ones, zeros = torch.ones_like(shear[:, 0]), torch.zeros_like(shear[:, 0])
        return torch.stack([ones, shear[:, 0], zeros, shear[:, 1], ones, zeros, zeros, zeros], dim=1)

    def get_config(self):
        arguments = {k: list(v) if isinstance(v, tuple) else v for k, v in self._factor_arguments.items()}
        return {**super().get_config(), **arguments, **self._common_config()}
