"""Patch extraction, padding and cropping ops of `keras.ops.image`."""

import torch
import torch.nn.functional as F

from lamina.ops._args import int_tuple, standardize_data_format
from lamina.ops._dtypes import convert_to_tensor
from lamina.ops._op import keras_op
from lamina.ops.image._common import as_image_batch, restore_layout
from lamina.ops.nn.conv import conv

__all__ = ["extract_patches", "extract_patches_3d", "pad_images", "crop_images"]


def _patches(op, images, size, strides, dilation_rate, padding, data_format, rank):
    x = convert_to_tensor(images)
    if x.ndim not in (rank + 1, rank + 2):
        raise ValueError(
            f"{op}: the input must have rank {rank + 1} (one {'image' if rank == 2 else 'volume'}) "
            f"or {rank + 2} (a batch), received shape {tuple(x.shape)}."
        )
    size = int_tuple(tuple(size) if isinstance(size, (list, tuple)) else size, rank, "size", op)
    strides = size if not strides else int_tuple(
        tuple(strides) if isinstance(strides, (list, tuple)) else strides, rank, "strides", op)
    data_format = standardize_data_format(data_format, op)
    unbatched = x.ndim == rank + 1
    if unbatched:
        x = x.unsqueeze(0)
    channels = x.shape[-1] if data_format == "channels_last" else x.shape[1]
    dtype = x.dtype
    compute = x if x.is_floating_point() else x.to(torch.float32)
    # Keras's definition: a conv with an identity kernel, so the patch vector is ordered
    # (patch row, patch column[, depth], channel), channel fastest.
    out_dim = channels
    for s in size:
        out_dim *= s
    kernel = torch.eye(out_dim, dtype=compute.dtype, device=compute.device).reshape(
        size + (channels, out_dim))
    patches = conv(compute, kernel, strides, padding, data_format, dilation_rate)
    if not dtype.is_floating_point:
        patches = torch.round(patches).to(dtype)
    return patches.squeeze(0) if unbatched else patches


@keras_op("ExtractPatches", config=("size", "strides", "dilation_rate", "padding", "data_format"),
          module="image")
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Image patches flattened into the channel axis (`tf.image.extract_patches`; torch
    `F.conv2d` with an identity kernel). A 3-tuple `size` extracts 3-D patches.

    Args:
        images: Image `(H, W, C)` or batch `(N, H, W, C)` (or channels_first).
        size: Patch size, an int or `(ph, pw)`.
        strides: Step between patches; default `size` (non-overlapping).
        dilation_rate: Spacing of the pixels inside a patch.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        `(N, out_h, out_w, ph * pw * C)` (or channels_first).

    Example:
        >>> extract_patches(torch.ones(1, 8, 8, 3), 4).shape
        torch.Size([1, 2, 2, 48])
    """
    if isinstance(size, (list, tuple)) and len(size) == 3:
        return _patches("extract_patches", images, size, strides, dilation_rate, padding,
                        data_format, 3)
    return _patches("extract_patches", images, size, strides, dilation_rate, padding,
                    data_format, 2)


# Keras records 3-D patches under the same Operation as 2-D ones.
@keras_op("ExtractPatches",
          config=("size", "strides", "dilation_rate", "padding", "data_format"), module="image")
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """3-D patches of volumes flattened into the channel axis (`tf.extract_volume_patches`;
    torch `F.conv3d` with an identity kernel).

    Args:
        volumes: Volume `(D, H, W, C)` or batch `(N, D, H, W, C)` (or channels_first).
        size: Patch size, an int or `(pd, ph, pw)`.
        strides: Step between patches; default `size`.
        dilation_rate: Spacing inside a patch.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        >>> extract_patches_3d(torch.ones(1, 4, 4, 4, 2), 2).shape
        torch.Size([1, 2, 2, 2, 16])
    """
    return _patches("extract_patches_3d", volumes, size, strides, dilation_rate, padding,
                    data_format, 3)


def _check_two_of_three(op, names, values):
    if sum(v is None for v in values) != 1:
        given = ", ".join(f"{n}={v!r}" for n, v in zip(names, values))
        raise ValueError(f"{op}: pass exactly two of {', '.join(names)}; received {given}.")
    for name, value in zip(names, values):
        if value is not None and (not isinstance(value, int) or value < 0):
            raise ValueError(f"{op}: `{name}` must be an int >= 0, received {name}={value!r}.")


@keras_op("PadImages", config=("top_padding", "left_padding", "bottom_padding", "right_padding",
                               "target_height", "target_width", "data_format"), module="image")
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Zero-pads images to a size (`tf.image.pad_to_bounding_box`; torch `F.pad`).

    Give two of `top_padding`, `bottom_padding`, `target_height` and two of `left_padding`,
    `right_padding`, `target_width`.

    Args:
        images: Image or batch (channels_last or channels_first).
        top_padding, left_padding, bottom_padding, right_padding: Rows/columns of zeros.
        target_height, target_width: The output size.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        >>> pad_images(torch.ones(2, 2, 1), 1, 1, target_height=4, target_width=4)[:, :, 0]
        tensor([[0., 0., 0., 0.],
                [0., 1., 1., 0.],
                [0., 1., 1., 0.],
                [0., 0., 0., 0.]])
    """
    _check_two_of_three("pad_images", ("top_padding", "bottom_padding", "target_height"),
                        (top_padding, bottom_padding, target_height))
    _check_two_of_three("pad_images", ("left_padding", "right_padding", "target_width"),
                        (left_padding, right_padding, target_width))
    batch, layout = as_image_batch("pad_images", images, data_format)
    height, width = batch.shape[1], batch.shape[2]
    top = target_height - bottom_padding - height if top_padding is None else top_padding
    bottom = target_height - top - height if bottom_padding is None else bottom_padding
    left = target_width - right_padding - width if left_padding is None else left_padding
    right = target_width - left - width if right_padding is None else right_padding
    for name, value in (("top_padding", top), ("bottom_padding", bottom),
                        ("left_padding", left), ("right_padding", right)):
        if value < 0:
            raise ValueError(
                f"pad_images: the target size is smaller than the image ({height}x{width}): "
                f"{name} would be {value}."
            )
    return restore_layout(F.pad(batch, (0, 0, left, right, top, bottom)), layout)


@keras_op("CropImages", config=("top_cropping", "left_cropping", "bottom_cropping",
                                "right_cropping", "target_height", "target_width", "data_format"),
          module="image")
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crops images to a box (`tf.image.crop_to_bounding_box`; torch slicing).

    Give two of `top_cropping`, `bottom_cropping`, `target_height` and two of `left_cropping`,
    `right_cropping`, `target_width`.

    Args:
        images: Image or batch (channels_last or channels_first).
        top_cropping, left_cropping, bottom_cropping, right_cropping: Rows/columns removed.
        target_height, target_width: The output size.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        >>> crop_images(torch.arange(16.0).reshape(4, 4, 1), 1, 1, target_height=2,
        ...             target_width=2)[:, :, 0]
        tensor([[ 5.,  6.],
                [ 9., 10.]])
    """
    _check_two_of_three("crop_images", ("top_cropping", "bottom_cropping", "target_height"),
                        (top_cropping, bottom_cropping, target_height))
    _check_two_of_three("crop_images", ("left_cropping", "right_cropping", "target_width"),
                        (left_cropping, right_cropping, target_width))
    batch, layout = as_image_batch("crop_images", images, data_format)
    height, width = batch.shape[1], batch.shape[2]
    top = height - target_height - bottom_cropping if top_cropping is None else top_cropping
    out_h = height - bottom_cropping - top if target_height is None else target_height
    left = width - target_width - right_cropping if left_cropping is None else left_cropping
    out_w = width - right_cropping - left if target_width is None else target_width
    if top < 0 or left < 0 or out_h < 0 or out_w < 0 or top + out_h > height or \
            left + out_w > width:
        raise ValueError(
            f"crop_images: the box (top={top}, left={left}, height={out_h}, width={out_w}) does "
            f"not fit in the image ({height}x{width})."
        )
    return restore_layout(batch[:, top:top + out_h, left:left + out_w, :], layout)
