"""`BaseImagePreprocessingLayer`: what every image preprocessing/augmentation layer shares.

Keras 3's protocol, so that custom augmentation layers written for Keras port unchanged:

- `call(data, training=True)` takes a batch `(N, H, W, C)` or one image `(H, W, C)` (channels
  first with `data_format="channels_first"`), or a dict with `"images"` and optionally
  `"labels"`, `"bounding_boxes"` and `"segmentation_masks"`, transformed consistently.
- `get_random_transformation(data, training, seed)` draws the random parameters of one call,
  once for the whole batch (one value per image), as tensors on the images' device;
  `transform_images`/`transform_labels`/`transform_bounding_boxes`/
  `transform_segmentation_masks` apply them. Passing your own transformation to
  `transform_images` gives a deterministic result (the tests compare those with Keras).
- Active in training only; the default of `training` is True, as in Keras: a layer called on
  its own augments; inside a model, `predict`/`evaluate` and `model.eval()` turn it off.

Randomness comes from the layer's `SeedGenerator` (`self.generator`, as in Keras), seeded by
`seed`; without one it takes its seed from Python's `random`, so `lamina.utils.set_random_seed`
makes a run repeat. Its state is a buffer (in `state_dict`; not in `.keras` files, as Keras).
"""

import numbers

import torch

from lamina import backend
from lamina.layers._conv_args import normalize_data_format
from lamina.layers.layer import Layer
from lamina.random import SeedGenerator, randint, uniform

__all__ = ["BaseImagePreprocessingLayer"]


class BaseImagePreprocessingLayer(Layer):
    """Base class of the image preprocessing layers (see the module docstring).

    Args:
        factor: the augmentation strength, a number `f` (the range `[-f, f]`, clipped to the
            layer's bounds) or a pair `(lower, upper)`; only for layers that use the base factor.
        bounding_box_format: the format of `data["bounding_boxes"]["boxes"]` (`"xyxy"`,
            `"rel_xyxy"`, `"xywh"`, `"center_xywh"`, `"yxyx"`, `"rel_yxyx"`, ...).
        data_format: `"channels_last"` (default) or `"channels_first"`.
    """

    supports_masking = False
    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS = (-1, 1)

    def __init__(self, factor=None, bounding_box_format=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = normalize_data_format(data_format, f"{type(self).__name__} layer '{self.name}'")
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(f"{type(self).__name__} layer '{self.name}' does not take a `factor` argument; "
                             f"received factor={factor!r}.")
        self.built = True

    # -- arguments -------------------------------------------------------------------------

    def _set_factor(self, factor):
        low, high = self._FACTOR_BOUNDS
        problem = (f"{type(self).__name__} layer '{self.name}': `factor` must be a number or a list of two "
                   f"numbers in the range [{low}, {high}]; received factor={factor!r}.")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or not all(_is_number(f) for f in factor):
                raise ValueError(problem)
            if factor[0] > high or factor[1] < low:
                raise ValueError(problem)
            lower, upper = sorted(float(f) for f in factor)
        elif _is_number(factor):
            if factor < low or factor > high:
                raise ValueError(problem)
            factor = abs(float(factor))
            lower, upper = max(-factor, float(low)), factor
        else:
            raise ValueError(problem)
        self.factor = (lower, upper)

    def _check_value_range(self, value_range):
        if (not isinstance(value_range, (tuple, list)) or len(value_range) != 2
                or not all(_is_number(v) for v in value_range)):
            raise ValueError(f"{type(self).__name__} layer '{self.name}': `value_range` must be a list of two "
                             f"numbers such as [0, 255] or [0, 1]; received value_range={value_range!r}.")
        return tuple(sorted(value_range))

    # -- axes and shapes ---------------------------------------------------------------------

    @property
    def _height_axis(self):
        return -3 if self.data_format == "channels_last" else -2

    @property
    def _width_axis(self):
        return -2 if self.data_format == "channels_last" else -1

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else -3

    def _image_size(self, images):
        return images.shape[self._height_axis], images.shape[self._width_axis]

    def _check_rank(self, images):
        if images.dim() not in (3, 4):
            raise ValueError(f"{type(self).__name__} layer '{self.name}' expects one image of rank 3 "
                             f"(height, width, channels) or a batch of rank 4; received shape "
                             f"{tuple(images.shape)}.")
        return images.dim() == 4

    # -- randomness ----------------------------------------------------------------------------

    def _init_rng(self, seed):
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def _uniform(self, shape, low, high, like):
        """Uniform draws in [low, high) from the layer's generator, on `like`'s device and float dtype."""
        dtype = like.dtype if like.is_floating_point() else torch.float32
        return uniform(shape, minval=low, maxval=high, dtype=dtype, seed=self.generator).to(like.device)

    def _draw_apply(self, batch, like):
        """Per image, whether to apply the layer: True with a probability drawn from `factor`."""
        probability = self._uniform((batch,), self.factor[0], self.factor[1], like)
        return self._uniform((batch,), 0.0, 1.0, like) < probability

    def _arguments_config(self, *names):
        """`{name: value}` of the named attributes for `get_config` (tuples written as lists)."""
        return {name: list(getattr(self, name)) if isinstance(getattr(self, name), tuple) else getattr(self, name)
                for name in names}

    def _randint(self, shape, low, high, like):
        """Integers in [low, high) from the layer's generator, on `like`'s device."""
        return randint(shape, low, high, dtype="int64", seed=self.generator).to(like.device)

    def _batch_shape(self, images, trailing=3):
        batch = images.shape[0] if images.dim() == 4 else 1
        return (batch,) + (1,) * trailing

    # -- the Keras protocol ------------------------------------------------------------------

    def get_random_transformation(self, data, training=True, seed=None):
        return None

    def transform_images(self, images, transformation, training=True):
        raise NotImplementedError(f"{type(self).__name__} does not define transform_images.")

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return segmentation_masks

    def _to_compute_dtype(self, images):
        images = torch.as_tensor(images)
        return images.to(backend.to_torch_dtype(self.compute_dtype))

    def call(self, data, training=True):
        images = data["images"] if isinstance(data, dict) else data
        if not isinstance(images, torch.Tensor):
            images = torch.as_tensor(images)
        batched = self._check_rank(images)
        if not batched:
            images = images.unsqueeze(0)
        transformation = self.get_random_transformation(
            {**data, "images": images} if isinstance(data, dict) else images, training=training)
        out_images = self.transform_images(images, transformation, training=training)
        if not isinstance(data, dict):
            return out_images if batched else out_images.squeeze(0)
        result = dict(data)
        result["images"] = out_images if batched else out_images.squeeze(0)
        if "labels" in data:
            labels = torch.as_tensor(data["labels"])
            labels = self.transform_labels(labels if batched else labels.unsqueeze(0), transformation,
                                           training=training)
            result["labels"] = labels if batched else labels.squeeze(0)
        if "segmentation_masks" in data:
            masks = torch.as_tensor(data["segmentation_masks"])
            masks = self.transform_segmentation_masks(masks if batched else masks.unsqueeze(0), transformation,
                                                      training=training)
            result["segmentation_masks"] = masks if batched else masks.squeeze(0)
        if "bounding_boxes" in data:
            if not self.bounding_box_format:
                raise ValueError(f"{type(self).__name__} layer '{self.name}' received 'bounding_boxes' but has no "
                                 f"`bounding_box_format`; pass one, e.g. bounding_box_format='xyxy'.")
            boxes = _batched_boxes(data["bounding_boxes"], batched)
            boxes = self.transform_bounding_boxes(boxes, transformation, training=training)
            result["bounding_boxes"] = boxes if batched else {k: v.squeeze(0) for k, v in boxes.items()}
        return result

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {**super().get_config(), "data_format": self.data_format}
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _batched_boxes(bounding_boxes, batched):
    if not isinstance(bounding_boxes, dict) or "boxes" not in bounding_boxes:
        raise ValueError("'bounding_boxes' must be a dict with 'boxes' (and usually 'labels'); received "
                         f"{type(bounding_boxes).__name__}.")
    boxes = {k: torch.as_tensor(v) for k, v in bounding_boxes.items()}
    if not batched:
        boxes = {k: v.unsqueeze(0) for k, v in boxes.items()}
    if boxes["boxes"].is_floating_point() is False:
        boxes["boxes"] = boxes["boxes"].to(torch.float32)
    return boxes
