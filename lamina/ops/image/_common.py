"""Shared pieces of `ops.image`: image-batch checks and the coordinate sampler.

The sampler reads `images` at fractional coordinates, nearest or bilinear, with Keras's (SciPy
`ndimage`'s) fill modes; it gathers for the whole batch at once (no Python loop over images or
pixels), so it is differentiable in the image values and the coordinates.
"""

import torch

from lamina.backend.dtypes import dtype_name
from lamina.ops._args import check_choice, standardize_data_format
from lamina.ops._dtypes import convert_to_tensor

__all__ = ["as_image_batch", "restore_layout", "INTERPOLATION_ORDERS", "FILL_MODES",
           "fix_index", "sample_nhwc", "check_choice"]

INTERPOLATION_ORDERS = {"nearest": 0, "bilinear": 1}
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def as_image_batch(op, images, data_format, name="images"):
    """`images` (rank 3 or 4) as a channels_last batch `(N, H, W, C)`, plus how to undo it."""
    images = convert_to_tensor(images)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"{op}: `{name}` must have rank 3 (one image) or 4 (a batch), received shape "
            f"{tuple(images.shape)}."
        )
    data_format = standardize_data_format(data_format, op)
    unbatched = images.ndim == 3
    if unbatched:
        images = images.unsqueeze(0)
    if data_format == "channels_first":
        images = images.permute(0, 2, 3, 1)
    return images, (unbatched, data_format)


def restore_layout(images, layout):
    unbatched, data_format = layout
    if data_format == "channels_first":
        images = images.permute(0, 3, 1, 2)
    return images.squeeze(0) if unbatched else images


def require_float(op, images, name="images"):
    if not images.is_floating_point():
        raise TypeError(
            f"{op}: `{name}` must be a float tensor, received dtype {dtype_name(images.dtype)}; "
            "cast it first (e.g. ops.cast(images, 'float32'))."
        )


def fix_index(index, size, fill_mode):
    """Maps integer indices outside `[0, size)` back inside, per fill mode (SciPy's names)."""
    if fill_mode in ("constant", "nearest"):
        return index.clamp(0, size - 1)
    if fill_mode == "wrap":
        return torch.remainder(index, size)
    if fill_mode == "mirror":  # d c b | a b c d | c b a
        if size == 1:
            return torch.zeros_like(index)
        period = 2 * (size - 1)
        return (size - 1) - torch.abs(torch.remainder(index, period) - (size - 1))
    # reflect: d c b a | a b c d | d c b a
    period = 2 * size
    folded = torch.remainder(index, period)
    return torch.where(folded < size, folded, period - 1 - folded)


def _nodes(coordinate, order):
    """[(integer index, weight)] of one axis's interpolation nodes."""
    if order == 0:
        rounded = torch.round(coordinate) if coordinate.is_floating_point() else coordinate
        return [(rounded.long(), None)]
    lower = torch.floor(coordinate)
    upper_weight = coordinate - lower
    lower = lower.long()
    return [(lower, 1 - upper_weight), (lower + 1, upper_weight)]


def sample_nhwc(images, y, x, order, fill_mode, fill_value):
    """`images` `(N, H, W, C)` read at float coordinates `y`, `x` of shape `(N, *out)`.

    Returns `(N, *out, C)`; outside the image the fill mode decides (`constant`: `fill_value`).
    """
    n, h, w, c = images.shape
    out_shape = y.shape[1:]
    flat = images.reshape(n, h * w, c)
    y = y.reshape(n, -1)
    x = x.reshape(n, -1)
    result = None
    for iy, wy in _nodes(y, order):
        for ix, wx in _nodes(x, order):
            index = fix_index(iy, h, fill_mode) * w + fix_index(ix, w, fill_mode)
            values = torch.gather(flat, 1, index.unsqueeze(-1).expand(-1, -1, c))
            if fill_mode == "constant":
                inside = ((iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)).unsqueeze(-1)
                values = torch.where(inside, values,
                                     torch.as_tensor(fill_value, dtype=values.dtype,
                                                     device=values.device))
            if wy is not None:
                values = values * (wy * wx).unsqueeze(-1).to(values.dtype)
            result = values if result is None else result + values
    return result.reshape((n,) + tuple(out_shape) + (c,))


def projective_sample(images, transforms, order, fill_mode, fill_value):
    """Each output pixel `(x, y)` of `images` `(N, H, W, C)` read at the input point
    `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`, `k = c0 x + c1 y + 1`, from the rows
    `[a0, a1, a2, b0, b1, b2, c0, c1]` of `transforms` `(N or 1, 8)`."""
    n, h, w, _ = images.shape
    dtype = images.dtype if images.is_floating_point() else torch.float32
    t = transforms.to(dtype)
    ys = torch.arange(h, dtype=dtype, device=images.device).view(1, h, 1)
    xs = torch.arange(w, dtype=dtype, device=images.device).view(1, 1, w)
    a0, a1, a2, b0, b1, b2, c0, c1 = (t[:, i].view(-1, 1, 1) for i in range(8))
    k = c0 * xs + c1 * ys + 1.0
    x_in = (a0 * xs + a1 * ys + a2) / k
    y_in = (b0 * xs + b1 * ys + b2) / k
    x_in, y_in = x_in.expand(n, h, w), y_in.expand(n, h, w)
    source = images if images.is_floating_point() else images.to(dtype)
    out = sample_nhwc(source, y_in, x_in, order, fill_mode, fill_value)
    if not images.is_floating_point():
        out = torch.round(out).to(images.dtype)
    return out
