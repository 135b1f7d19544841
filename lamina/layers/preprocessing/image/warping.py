"""Non-affine warps: `RandomPerspective` (a random homography per image) and
`RandomElasticTransform` (a smoothed random displacement field)."""

import torch

from lamina.layers.preprocessing.image.base import BaseImagePreprocessingLayer, _is_number

__all__ = ["RandomPerspective", "RandomElasticTransform"]

_INTERPOLATIONS = ("nearest", "bilinear")
_ELASTIC_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _check_choice(layer, argument, value, choices):
    if value not in choices:
        raise ValueError(f"{type(layer).__name__} layer '{layer.name}': `{argument}` must be one of {tuple(choices)}; "
                         f"received {argument}={value!r}.")
    return value


def _apply_where(flags, changed, images):
    return torch.where(flags.reshape(-1, 1, 1, 1), changed, images)


class RandomPerspective(BaseImagePreprocessingLayer):
    """Moves each image's corners by random fractions of its size (a perspective warp), with
    probability `factor`.

    Args:
        factor: the probability of warping (a number or a range).
        scale: in [0, 1]: corners move by up to `scale / 2` of the image size.
        interpolation: `"bilinear"` (default) or `"nearest"`.
        fill_value: the value of pixels from outside the image.
        seed: optional int seed.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> RandomPerspective(scale=0.3)(torch.rand(2, 8, 8, 3), training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=None, data_format=None,
                 **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        if not _is_number(scale) or not 0.0 <= scale <= 1.0:
            raise ValueError(f"RandomPerspective layer '{self.name}': `scale` must be a number in [0, 1]; received "
                             f"scale={scale!r}.")
        self.scale = scale
        self.fill_value = fill_value
        self.interpolation = _check_choice(self, "interpolation", interpolation, _INTERPOLATIONS)
        self._init_rng(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._to_compute_dtype(data["images"] if isinstance(data, dict) else data)
        batch = images.shape[0]
        height, width = self._image_size(images)
        apply = self._draw_apply(batch, images)
        moves = self._uniform((batch, 4, 2), -0.5 * self.scale, 0.5 * self.scale, images)
        start = torch.tensor([[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1], [width - 1, height - 1]],
                             dtype=images.dtype, device=images.device).expand(batch, 4, 2)
        return {"apply_perspective": apply, "start_points": start, "end_points": start + start * moves,
                "input_shape": tuple(images.shape)}

    def transform_images(self, images, transformation=None, training=True):
        from lamina.ops.image import perspective_transform

        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        warped = perspective_transform(images, transformation["start_points"], transformation["end_points"],
                                       interpolation=self.interpolation, fill_value=self.fill_value,
                                       data_format=self.data_format)
        return _apply_where(transformation["apply_perspective"], warped, images)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Box corners move with the homography taking start points to end points; the enclosing
        box is kept, clipped to the image."""
        if not training or transformation is None:
            return bounding_boxes
        from lamina.ops.image.transforms import _homography
        from lamina.utils.bounding_boxes import _move_boxes, clip_to_image_size, convert_format

        shape = transformation["input_shape"]
        height, width = shape[self._height_axis], shape[self._width_axis]
        boxes = convert_format(bounding_boxes, self.bounding_box_format, "xyxy", height=height, width=width)
        xyxy = boxes["boxes"]
        # `_homography(a, b)` maps b's points to a's: here start (input) -> end (output).
        params = _homography(transformation["end_points"], transformation["start_points"]).to(xyxy)
        forward = torch.cat([params, torch.ones_like(params[:, :1])], dim=1).reshape(-1, 3, 3)
        warped = _move_boxes(xyxy, forward)
        apply = transformation["apply_perspective"].reshape(-1, 1, 1)
        boxes = {**boxes, "boxes": torch.where(apply, warped, xyxy)}
        boxes = clip_to_image_size(boxes, height=height, width=width, bounding_box_format="xyxy")
        return convert_format(boxes, "xyxy", self.bounding_box_format, height=height, width=width)

    def get_config(self):
        return {**super().get_config(),
                **self._arguments_config("factor", "scale", "interpolation", "fill_value", "seed")}


class RandomElasticTransform(BaseImagePreprocessingLayer):
    """Elastic distortion (Simard et al., 2003) with probability `factor`: a random displacement
    field, smoothed and scaled with the image size and a random strength from `scale`.

    Args:
        factor: the probability of distorting (a number or a range).
        scale: a number `s` in [0, 1] (strength drawn from [0, s]) or a range.
        interpolation: `"bilinear"` (default) or `"nearest"`.
        fill_mode: `"reflect"` (default), `"mirror"`, `"wrap"`, `"nearest"` or `"constant"`.
        fill_value: the value for `fill_mode="constant"`.
        value_range: the range of the input values; outputs are clipped to it.
        seed: optional int seed.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> RandomElasticTransform(seed=1)(torch.rand(2, 16, 16, 3) * 255, training=True).shape
        torch.Size([2, 16, 16, 3])
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        factor_range = self.factor
        self._set_factor(scale)
        self.scale, self.factor = self.factor, factor_range
        self.interpolation = _check_choice(self, "interpolation", interpolation, _INTERPOLATIONS)
        self.fill_mode = _check_choice(self, "fill_mode", fill_mode, _ELASTIC_FILL_MODES)
        self.fill_value = fill_value
        self.value_range = value_range
        self._init_rng(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        images = self._to_compute_dtype(data["images"] if isinstance(data, dict) else data)
        batch = images.shape[0]
        apply = self._draw_apply(batch, images)
        strength = self._uniform((), self.scale[0], self.scale[1], images)
        # The displacement field's own seed, so that the transformation reproduces the result.
        field_seed = int(self._randint((), 0, 2 ** 31 - 1, images))
        return {"apply_transform": apply, "distortion_factor": strength, "seed": field_seed}

    def transform_images(self, images, transformation=None, training=True):
        from lamina.ops.image import elastic_transform

        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        height, width = self._image_size(images)
        strength = float(transformation["distortion_factor"])
        alpha, sigma = max(height, width) * 0.1 * strength, min(height, width) * 0.05 * strength
        seed = transformation["seed"]
        warped = elastic_transform(images, alpha=alpha, sigma=sigma, interpolation=self.interpolation,
                                   fill_mode=self.fill_mode, fill_value=self.fill_value,
                                   seed=seed if isinstance(seed, int) else self.generator,
                                   data_format=self.data_format)
        images = _apply_where(transformation["apply_transform"], warped, images)
        return images.clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(),
                **self._arguments_config("factor", "scale", "interpolation", "fill_mode", "fill_value", "value_range", "seed")}
