"""A `grid_sample` path for the affine image layers (RandomRotation, RandomZoom, ...).

`lamina.ops.image.affine_transform` reproduces TensorFlow's projective sampler with batched
gathers (any fill mode, nearest or bilinear). For the common case - bilinear, an affine
transform (no perspective terms), fill mode "reflect", "nearest" or "constant", float images -
torch's fused `grid_sample` gives the same numbers several times faster:
- "reflect" (half-sample symmetric: d c b a | a b c d) reflects each neighbour index in the
  gather sampler; `grid_sample`'s "reflection" (align_corners=False) reflects the coordinate
  about the pixel borders and clamps it, which interpolates the same values;
- "nearest" clamps each neighbour index; "border" clamps the coordinate: the same values;
- "constant" replaces outside neighbours by `fill_value`; since the bilinear weights sum to 1,
  that is `grid_sample(images - fill_value, zeros padding) + fill_value`.
tests/layers/test_fast_affine.py checks both paths give equal outputs.
"""

import torch
import torch.nn.functional as F

__all__ = ["can_use_grid_sample", "affine_grid_sample"]

_PADDING = {"reflect": "reflection", "nearest": "border", "constant": "zeros"}


def can_use_grid_sample(images, transforms, interpolation, fill_mode):
    """Whether `affine_grid_sample` equals `affine_transform` for these arguments."""
    return (interpolation == "bilinear" and fill_mode in _PADDING and isinstance(images, torch.Tensor)
            and images.is_floating_point() and images.dim() == 4
            and bool((transforms.reshape(-1, 8)[:, 6:] == 0).all()))


def affine_grid_sample(images, transforms, fill_mode, fill_value, data_format):
    """`affine_transform(images, transforms, "bilinear", fill_mode, fill_value, data_format)` for a
    batch of float images and affine transforms `(N or 1, 8)`, via `grid_sample`."""
    nchw = images.permute(0, 3, 1, 2) if data_format == "channels_last" else images
    n, _, h, w = nchw.shape
    t = transforms.reshape(-1, 8).to(nchw.dtype)
    ys = torch.arange(h, dtype=nchw.dtype, device=nchw.device).view(1, h, 1)
    xs = torch.arange(w, dtype=nchw.dtype, device=nchw.device).view(1, 1, w)
    a0, a1, a2, b0, b1, b2 = (t[:, i].view(-1, 1, 1) for i in range(6))
    # input pixel coordinates of every output pixel, normalized as align_corners=False reads them
    x_in = (a0 * xs + a1 * ys + a2) * (2.0 / w) + (1.0 / w - 1.0)
    y_in = (b0 * xs + b1 * ys + b2) * (2.0 / h) + (1.0 / h - 1.0)
    grid = torch.stack([x_in.expand(n, h, w), y_in.expand(n, h, w)], dim=-1)
    shift = float(fill_value) if fill_mode == "constant" else 0.0
    source = nchw - shift if shift else nchw
    out = F.grid_sample(source, grid, mode="bilinear", padding_mode=_PADDING[fill_mode], align_corners=False)
    if shift:
        out = out + shift
    return out.permute(0, 2, 3, 1) if data_format == "channels_last" else out
