"""`draw_segmentation_masks`: class masks painted over images (Keras's `keras.visualization`)."""

import numpy as np
import torch

__all__ = ["draw_segmentation_masks", "to_numpy_images"]


def to_numpy_images(images, data_format, what="images"):
    """A float32 NumPy batch `(N, H, W, C)` from a tensor/array in `data_format`."""
    from lamina.backend.config import image_data_format

    array = images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else np.asarray(images)
    if array.ndim != 4:
        raise ValueError(f"`{what}` must be batched 4D tensor. Received: {what}.shape={tuple(array.shape)}")
    if (data_format or image_data_format()) == "channels_first":
        array = array.transpose(0, 2, 3, 1)
    return array


def _palette(num_classes):
    palette = np.array([2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1])
    return [((i * palette) % 255).tolist() for i in range(num_classes)]


def draw_segmentation_masks(images, segmentation_masks, num_classes=None, color_mapping=None, alpha=0.8,
                            blend=True, ignore_index=-1, data_format=None):
    """Paints each pixel of `images` with its class colour from `segmentation_masks`.

    Args:
        images: `(N, H, W, C)` (or `(N, C, H, W)` with `channels_first`), values in 0-255.
        segmentation_masks: integer masks `(N, H, W, 1)` (or `(N, 1, H, W)`).
        num_classes: number of classes coloured; default (as Keras) the largest class id in the
            masks (so that id itself is left unpainted; pass `num_classes` to include it).
        color_mapping: `{class id: (r, g, b)}`; default Keras's generated palette.
        alpha: weight of the colour when blending.
        blend: blend colours with the image (returns uint8 NumPy) or return the painted
            image alone (a float32 tensor).
        ignore_index: mask value left unpainted when blending.
        data_format: `"channels_last"`/`"channels_first"`; default `image_data_format()`.

    Example:
        >>> images = np.zeros((1, 4, 4, 3)); masks = np.ones((1, 4, 4, 1), dtype="int32")
        >>> draw_segmentation_masks(images, masks, num_classes=2).dtype
        dtype('uint8')
    """
    images = to_numpy_images(images, data_format).astype("float32")
    masks = to_numpy_images(segmentation_masks, data_format, "segmentation_masks")
    if masks.dtype.kind not in "iu":
        raise TypeError(f"`segmentation_masks` must be in integer dtype. Received: segmentation_masks.dtype={masks.dtype}")
    if num_classes is None:
        num_classes = int(masks.max())
    colors = _palette(num_classes) if color_mapping is None else [color_mapping[i] for i in range(num_classes)]
    valid = masks[..., 0] != ignore_index
    painted = images.copy()
    for class_id, color in enumerate(colors):
        painted[masks[..., 0] == class_id] = np.asarray(color, dtype="float32")[None, :]
    if not blend:
        return torch.from_numpy(painted)
    outputs = images * (1 - alpha) + painted * alpha
    outputs = np.where(valid[..., None], outputs, images)
    return outputs.astype("uint8")
