"""`resize` and `scale_and_translate` of `keras.ops.image`.

Keras's reference semantics are JAX's `jax.image.resize` / `scale_and_translate` (TensorFlow
agrees): separable kernels (triangle, Keys cubic with a = -0.5, Lanczos 3/5) evaluated at pixel
centres, widened by the scale when antialiasing a downsample. Plain bilinear and nearest run on
`F.interpolate` (the same values); every other case applies one `(out, in)` weight matrix per
spatial axis with a matmul, so all methods (Lanczos included) work on any device and are
differentiable.
"""

import math

import torch
import torch.nn.functional as F

from lamina.ops._args import int_tuple
from lamina.ops._dtypes import convert_to_tensor
from lamina.ops._op import keras_op
from lamina.ops.image._common import as_image_batch, check_choice, restore_layout

__all__ = ["resize", "scale_and_translate"]

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")
SCALE_AND_TRANSLATE_METHODS = ("linear", "bilinear", "trilinear", "cubic", "bicubic", "tricubic",
                               "lanczos3", "lanczos5")


def _triangle(x):
    return torch.clamp(1.0 - x.abs(), min=0.0)


def _keys_cubic(x):
    x = x.abs()
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return torch.where(x >= 2.0, 0.0, torch.where(x >= 1.0, far, near))


def _lanczos(radius):
    def kernel(x):
        x = x.abs()
        safe = torch.where(x > 1e-3, x, torch.ones_like(x))
        value = radius * torch.sin(math.pi * safe) * torch.sin(math.pi * safe / radius) / (
            math.pi ** 2 * safe * safe)
        return torch.where(x > radius, 0.0, torch.where(x > 1e-3, value, 1.0))
    return kernel


_KERNELS = {"linear": _triangle, "cubic": _keys_cubic, "lanczos3": _lanczos(3.0),
            "lanczos5": _lanczos(5.0)}


def _weight_matrix(in_size, out_size, scale, translation, kernel, antialias, dtype, device):
    """`(in_size, out_size)` weights: output pixel j reads input pixel i with weight w[i, j]."""
    scale = torch.as_tensor(scale, dtype=dtype, device=device)
    translation = torch.as_tensor(translation, dtype=dtype, device=device)
    inv_scale = 1.0 / scale
    kernel_scale = torch.clamp(inv_scale, min=1.0) if antialias else torch.ones((), dtype=dtype,
                                                                                 device=device)
    sample = (torch.arange(out_size, dtype=dtype, device=device) + 0.5) * inv_scale \
        - translation * inv_scale - 0.5
    distance = (sample[None, :] - torch.arange(in_size, dtype=dtype, device=device)[:, None]).abs()
    weights = kernel(distance / kernel_scale)
    total = weights.sum(dim=0, keepdim=True)
    weights = torch.where(total.abs() > 1000.0 * torch.finfo(torch.float32).eps,
                          weights / torch.where(total != 0, total, torch.ones_like(total)), 0.0)
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return torch.where(inside[None, :], weights, 0.0)


def _apply_separable(x, axes, sizes, scales, translations, kernel, antialias):
    """Resamples `x` along each axis in `axes` with that axis's weight matrix."""
    for axis, size, scale, shift in zip(axes, sizes, scales, translations):
        w = _weight_matrix(x.shape[axis], size, scale, shift, kernel, antialias, x.dtype, x.device)
        x = torch.tensordot(x, w, dims=([axis], [0])).movedim(-1, axis)
    return x


def _to_compute_dtype(x):
    return x if x.is_floating_point() else x.to(torch.float32)


def _back_to_dtype(out, dtype):
    if out.dtype == dtype:
        return out
    if dtype.is_floating_point:
        return out.to(dtype)
    info = torch.iinfo(dtype) if dtype != torch.bool else None
    out = torch.round(out)
    if info is not None:
        out = out.clamp(info.min, info.max)
    return out.to(dtype)


@keras_op("Resize", config=("size", "interpolation", "antialias", "crop_to_aspect_ratio",
                            "pad_to_aspect_ratio", "fill_mode", "fill_value", "data_format"),
          module="image")
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resizes images to `size` (`jax.image.resize` / `tf.image.resize`; torch
    `F.interpolate` for bilinear and nearest).

    Args:
        images: Image `(H, W, C)` or batch `(N, H, W, C)` (or channels_first).
        size: `(height, width)` of the output.
        interpolation: `"bilinear"`, `"nearest"`, `"bicubic"`, `"lanczos3"` or `"lanczos5"`.
        antialias: Widen the filter when downsampling (no effect for `"nearest"`).
        crop_to_aspect_ratio: First crop the largest centred window of the target aspect ratio.
        pad_to_aspect_ratio: First pad (centred, with `fill_value`) to the target aspect ratio.
        fill_mode: Only `"constant"`.
        fill_value: The padding value for `pad_to_aspect_ratio`.
        data_format: `"channels_last"` or `"channels_first"`; default the global image format.

    Returns:
        Images of spatial size `size`, in the input's dtype (integers are rounded).

    Example:
        >>> resize(torch.ones(1, 4, 4, 3), (2, 2)).shape
        torch.Size([1, 2, 2, 3])
    """
    check_choice(interpolation, RESIZE_INTERPOLATIONS, "interpolation", "resize")
    check_choice(fill_mode, ("constant",), "fill_mode", "resize")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            "resize: pass at most one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio`, "
            "received both True."
        )
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise ValueError(
            f"resize: `size` must be a tuple of two ints (height, width), received size={size!r}."
        )
    target_h, target_w = int_tuple(tuple(size), 2, "size", "resize")
    batch, layout = as_image_batch("resize", images, data_format)
    dtype = batch.dtype
    x = _to_compute_dtype(batch)
    height, width = x.shape[1], x.shape[2]
    if crop_to_aspect_ratio:
        crop_h = max(min(height, int(width * target_h / target_w)), 1)
        crop_w = max(min(width, int(height * target_w / target_h)), 1)
        top, left = int((height - crop_h) / 2), int((width - crop_w) / 2)
        x = x[:, top:top + crop_h, left:left + crop_w, :]
    elif pad_to_aspect_ratio:
        pad_h = max(height, int(width * target_h / target_w))
        pad_w = max(width, int(height * target_w / target_h))
        top, left = int((pad_h - height) / 2), int((pad_w - width) / 2)
        x = F.pad(x, (0, 0, left, left, top, top), value=float(fill_value))
    if interpolation == "nearest" or (interpolation == "bilinear" and not antialias):
        mode = "nearest-exact" if interpolation == "nearest" else "bilinear"
        nchw = x.permute(0, 3, 1, 2)
        out = F.interpolate(nchw, size=(target_h, target_w), mode=mode,
                            align_corners=False if mode == "bilinear" else None)
        out = out.permute(0, 2, 3, 1)
    else:
        kernel = _KERNELS[{"bilinear": "linear", "bicubic": "cubic"}.get(interpolation,
                                                                          interpolation)]
        scales = (target_h / x.shape[1], target_w / x.shape[2])
        out = _apply_separable(x, (1, 2), (target_h, target_w), scales, (0.0, 0.0), kernel,
                               antialias)
    return restore_layout(_back_to_dtype(out, dtype), layout)


@keras_op("ScaleAndTranslate", config=("spatial_dims", "method", "antialias"), module="image")
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """Resamples `images` along `spatial_dims` with a scale and a translation
    (`jax.image.scale_and_translate`; torch matmuls with per-axis weight matrices).

    Args:
        images: Tensor of any rank.
        output_shape: The full output shape (sizes of the other axes unchanged).
        scale: One scale per spatial dim (`output = input * scale + translation`, in pixels).
        translation: One translation per spatial dim.
        spatial_dims: The axes to resample.
        method: `"linear"`/`"bilinear"`/`"trilinear"`, `"cubic"`/`"bicubic"`/`"tricubic"`,
            `"lanczos3"` or `"lanczos5"`.
        antialias: Widen the kernel when downsampling.

    Example:
        >>> scale_and_translate(torch.ones(4, 4), (2, 2), [0.5, 0.5], [0.0, 0.0], (0, 1),
        ...                     "linear")
        tensor([[1., 1.],
                [1., 1.]])
    """
    check_choice(method, SCALE_AND_TRANSLATE_METHODS, "method", "scale_and_translate")
    kernel_name = ("linear" if method in ("linear", "bilinear", "trilinear") else
                   "cubic" if method in ("cubic", "bicubic", "tricubic") else method)
    x = convert_to_tensor(images)
    dims = [d % x.ndim for d in spatial_dims]
    if len(output_shape) != x.ndim:
        raise ValueError(
            f"scale_and_translate: `output_shape` must have one entry per axis of `images` "
            f"({x.ndim}), received output_shape={tuple(output_shape)}."
        )
    scale = convert_to_tensor(scale, device=x.device).reshape(-1)
    translation = convert_to_tensor(translation, device=x.device).reshape(-1)
    if scale.numel() != len(dims) or translation.numel() != len(dims):
        raise ValueError(
            "scale_and_translate: `scale` and `translation` need one value per spatial dim "
            f"({len(dims)}), received {scale.numel()} and {translation.numel()}."
        )
    dtype = x.dtype
    compute = _to_compute_dtype(x)
    out = _apply_separable(compute, dims, [int(output_shape[d]) for d in dims],
                           scale.to(compute.dtype), translation.to(compute.dtype),
                           _KERNELS[kernel_name], antialias)
    if not dtype.is_floating_point:
        out = torch.round(out).clamp(x.min(), x.max())
    return _back_to_dtype(out, dtype)
