"""Layers that mix images of a batch or erase parts of them: `MixUp`, `CutMix`, `RandomErasing`,
and `MaxNumBoundingBoxes` (pads/truncates box lists to a fixed count).

MixUp and CutMix pair each image with another of the same batch (a random permutation) and mix
the labels in the same proportion, so they need one-hot (or soft) labels in a dict
`{"images": ..., "labels": ...}`.
"""

import torch

from lamina.layers.preprocessing.image.base import BaseImagePreprocessingLayer, _is_number
from lamina.random import beta, normal, shuffle

__all__ = ["MixUp", "CutMix", "RandomErasing", "MaxNumBoundingBoxes"]


def _permutation(layer, batch, device):
    return shuffle(torch.arange(batch, device=device), seed=layer.generator).to(device)


def _box_mask(layer, images, x0, x1, y0, y1):
    """Per image, True inside the box [x0, x1) x [y0, y1) (float pixel bounds), broadcast over channels."""
    height, width = layer._image_size(images)
    ys = torch.arange(height, device=images.device, dtype=x0.dtype)
    xs = torch.arange(width, device=images.device, dtype=x0.dtype)
    inside_y = (ys >= y0[:, None]) & (ys < y1[:, None])  # (B, H)
    inside_x = (xs >= x0[:, None]) & (xs < x1[:, None])  # (B, W)
    mask = inside_y[:, :, None] & inside_x[:, None, :]  # (B, H, W)
    return mask[..., None] if layer.data_format == "channels_last" else mask[:, None]


def _random_boxes(layer, images, ratio_h, ratio_w):
    """Boxes of `ratio * size` at uniformly random positions, one per image (CutMix/RandomErasing)."""
    height, width = layer._image_size(images)
    batch = images.shape[0]
    like = layer._to_compute_dtype(images[:1, :1, :1])
    box_w, box_h = ratio_w * width, ratio_h * height
    x0 = layer._uniform((batch,), 0.0, 1.0, like) * (width - box_w)
    y0 = layer._uniform((batch,), 0.0, 1.0, like) * (height - box_h)
    return x0, x0 + box_w, y0, y0 + box_h


class MixUp(BaseImagePreprocessingLayer):
    """Blends each image (and label) with another of the batch: `w * a + (1 - w) * b`, with
    `w ~ Beta(alpha, alpha)` per image (Zhang et al., 2018).

    Args:
        alpha: the Beta distribution's concentration. Defaults to 0.2.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        seed: optional int seed.

    Example:
        >>> data = {"images": torch.rand(4, 8, 8, 3), "labels": torch.eye(4)}
        >>> MixUp()(data)["labels"].sum(dim=1)
        tensor([1., 1., 1., 1.])
    """

    _USE_BASE_FACTOR = False

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if not _is_number(alpha) or alpha <= 0:
            raise ValueError(f"MixUp layer '{self.name}': `alpha` must be a positive number; received alpha={alpha!r}.")
        self.alpha = alpha
        self._init_rng(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        batch = images.shape[0]
        weight = beta((batch,), self.alpha, self.alpha, seed=self.generator).to(images.device)
        return {"mix_weight": weight, "permutation_order": _permutation(self, batch, images.device)}

    def _mix(self, values, transformation, trailing):
        weight = transformation["mix_weight"].reshape((-1,) + (1,) * trailing).to(values.dtype)
        return weight * values + (1.0 - weight) * values[transformation["permutation_order"]]

    def transform_images(self, images, transformation=None, training=True):
        images = self._to_compute_dtype(images)
        return self._mix(images, transformation, 3) if training else images

    def transform_labels(self, labels, transformation, training=True):
        if not training:
            return labels
        labels = labels if labels.is_floating_point() else labels.to(torch.float32)
        return self._mix(labels, transformation, labels.dim() - 1)

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training:
            return segmentation_masks
        return self._mix(self._to_compute_dtype(segmentation_masks), transformation, 3)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Both images' boxes are kept: each image gets its own boxes followed by its partner's."""
        if not training:
            return bounding_boxes
        order = transformation["permutation_order"]
        result = dict(bounding_boxes)
        result["boxes"] = torch.cat([bounding_boxes["boxes"], bounding_boxes["boxes"][order]], dim=1)
        if "labels" in bounding_boxes:
            labels = torch.as_tensor(bounding_boxes["labels"])
            result["labels"] = torch.cat([labels, labels[order]], dim=1)
        return result

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("alpha", "seed")}


class CutMix(BaseImagePreprocessingLayer):
    """Pastes a random box of another image of the batch into each image; labels mix in the
    proportion of the pasted area (Yun et al., 2019).

    Args:
        factor: the range of the Beta concentration drawn per call (a number `f`: [0, f]).
        seed: optional int seed.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> CutMix()({"images": torch.rand(4, 8, 8, 3), "labels": torch.eye(4)})["images"].shape
        torch.Size([4, 8, 8, 3])
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self._init_rng(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        batch = images.shape[0]
        like = self._to_compute_dtype(images[:1, :1, :1])
        alpha = float(self._uniform((), self.factor[0], self.factor[1], like)) + 1e-6
        weight = beta((batch,), alpha, alpha, seed=self.generator).to(device=images.device, dtype=like.dtype)
        ratio = torch.sqrt(1.0 - weight)
        x0, x1, y0, y1 = _random_boxes(self, images, ratio, ratio)
        height, width = self._image_size(images)
        return {"permutation_order": _permutation(self, batch, images.device),
                "batch_masks": _box_mask(self, images, x0, x1, y0, y1),
                "mix_weight": 1.0 - (x1 - x0) * (y1 - y0) / (width * height)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        return torch.where(transformation["batch_masks"], images[transformation["permutation_order"]], images)

    def transform_labels(self, labels, transformation, training=True):
        if not training or transformation is None:
            return labels
        labels = labels if labels.is_floating_point() else labels.to(torch.float32)
        weight = transformation["mix_weight"].reshape((-1,) + (1,) * (labels.dim() - 1)).to(labels.dtype)
        return weight * labels + (1.0 - weight) * labels[transformation["permutation_order"]]

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("factor", "seed")}


class RandomErasing(BaseImagePreprocessingLayer):
    """Erases a random box of each image (with probability `factor`), filling it with
    `fill_value` or Gaussian noise (Zhong et al., 2017).

    Args:
        factor: the probability of erasing, a number or a range.
        scale: the erased area as a fraction of the image (each side the square root of it),
            a number or `(low, high)`.
        fill_value: a number, one value per channel, or None (noise scaled to the range).
        value_range: the range of the input values; fills are clipped to it.
        seed: optional int seed.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> RandomErasing(1.0, fill_value=0)(torch.ones(2, 8, 8, 3), training=True).min()
        tensor(0.)
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255), seed=None,
                 data_format=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        factor_range = self.factor
        self._set_factor(scale)
        self.scale, self.factor = self.factor, factor_range
        if fill_value is not None and not _is_number(fill_value) and not (
                isinstance(fill_value, (tuple, list)) and len(fill_value) == 3 and all(map(_is_number, fill_value))):
            raise ValueError(f"RandomErasing layer '{self.name}': `fill_value` must be None, a number or a list of "
                             f"three numbers; received fill_value={fill_value!r}.")
        self.fill_value = fill_value
        self.value_range = list(self._check_value_range(value_range))
        self._init_rng(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        images = self._to_compute_dtype(images)
        batch = images.shape[0]
        # `scale` is a fraction of the area: each side is its square root.
        sides = torch.sqrt(self._uniform((batch, 2), self.scale[0], self.scale[1], images))
        x0, x1, y0, y1 = _random_boxes(self, images, sides[:, 1], sides[:, 0])
        mask = _box_mask(self, images, x0, x1, y0, y1)
        apply = self._draw_apply(batch, images)
        if self.fill_value is None:
            fill = normal(tuple(images.shape), dtype=images.dtype, seed=self.generator).to(images.device)
            fill = fill * self.value_range[1]
        else:
            fill = torch.as_tensor(self.fill_value, dtype=images.dtype, device=images.device)
            if fill.dim() == 1 and self.data_format == "channels_first":
                fill = fill.reshape(-1, 1, 1)
            fill = fill.expand_as(images)
        return {"apply_erasing": apply, "batch_masks": mask,
                "fill_value": fill.clamp(self.value_range[0], self.value_range[1])}

    def transform_images(self, images, transformation=None, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        erase = transformation["batch_masks"] & transformation["apply_erasing"].reshape(-1, 1, 1, 1)
        return torch.where(erase, transformation["fill_value"].to(images.dtype), images)

    def get_config(self):
        return {**super().get_config(),
                **self._arguments_config("factor", "scale", "fill_value", "value_range", "seed")}


class MaxNumBoundingBoxes(BaseImagePreprocessingLayer):
    """Pads (with `fill_value`) or truncates each image's boxes and labels to `max_number`, so box
    tensors of a dataset have one shape.

    Args:
        max_number: the number of boxes per image.
        fill_value: the value of padding boxes and labels. Defaults to -1.

    Example:
        >>> data = {"images": torch.rand(1, 4, 4, 3), "bounding_boxes": {"boxes": torch.rand(1, 2, 4),
        ...                                                              "labels": torch.ones(1, 2)}}
        >>> MaxNumBoundingBoxes(5, bounding_box_format="xyxy")(data)["bounding_boxes"]["boxes"].shape
        torch.Size([1, 5, 4])
    """

    _USE_BASE_FACTOR = False

    def __init__(self, max_number, fill_value=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(max_number, bool) or not isinstance(max_number, int) or max_number < 1:
            raise ValueError(f"MaxNumBoundingBoxes layer '{self.name}': `max_number` must be a positive int; "
                             f"received max_number={max_number!r}.")
        self.max_number = max_number
        self.fill_value = int(fill_value)

    def transform_images(self, images, transformation=None, training=True):
        return images

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        result = dict(bounding_boxes)
        for key in ("boxes", "labels"):
            if key not in bounding_boxes:
                continue
            values = torch.as_tensor(bounding_boxes[key])[:, :self.max_number]
            missing = self.max_number - values.shape[1]
            if missing > 0:
                pad_shape = (values.shape[0], missing) + tuple(values.shape[2:])
                values = torch.cat([values, values.new_full(pad_shape, self.fill_value)], dim=1)
            result[key] = values
        return result

    def get_config(self):
        return {**super().get_config(), **self._arguments_config("max_number", "fill_value")}
