"""Geometric ops of `keras.ops.image`: `map_coordinates`, `affine_transform`,
`perspective_transform`, `elastic_transform` (all on one batched gather sampler)."""

import itertools

import torch

from lamina.backend.dtypes import dtype_name
from lamina.ops._dtypes import convert_to_tensor
from lamina.ops._op import keras_op
from lamina.ops.image._common import (
    FILL_MODES,
    INTERPOLATION_ORDERS,
    as_image_batch,
    check_choice,
    fix_index,
    projective_sample,
    restore_layout,
    sample_nhwc,
)
from lamina.ops.image.filters import gaussian_blur

__all__ = ["map_coordinates", "affine_transform", "perspective_transform", "elastic_transform"]


@keras_op("MapCoordinates", config=("order", "fill_mode", "fill_value"), module="image")
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Reads `inputs` at fractional coordinates, nearest (order 0) or linear (order 1)
    (`scipy.ndimage.map_coordinates`; torch gathers).

    Args:
        inputs: Tensor of any rank `R`.
        coordinates: Tensor (or sequence) of shape `(R, *out_shape)`: one coordinate array per
            axis of `inputs`.
        order: 0 (nearest) or 1 (linear).
        fill_mode: `"constant"`, `"nearest"`, `"wrap"`, `"mirror"` or `"reflect"` (SciPy's).
        fill_value: The value outside the input with `fill_mode="constant"`.

    Returns:
        Tensor of shape `out_shape` and the dtype of `inputs` (integers are rounded).

    Example:
        >>> map_coordinates(torch.tensor([0.0, 10.0]), torch.tensor([[0.5, 2.0]]), 1)
        tensor([5., 0.])
    """
    inputs = convert_to_tensor(inputs)
    if isinstance(coordinates, (list, tuple)):
        coordinates = [convert_to_tensor(c, device=inputs.device) for c in coordinates]
    else:
        coordinates = list(convert_to_tensor(coordinates, device=inputs.device).unbind(0))
    if len(coordinates) != inputs.ndim:
        raise ValueError(
            f"map_coordinates: `coordinates` must hold one coordinate array per axis of `inputs` "
            f"({inputs.ndim}), received {len(coordinates)}."
        )
    if order not in (0, 1):
        raise ValueError(f"map_coordinates: `order` must be 0 or 1, received order={order!r}.")
    check_choice(fill_mode, FILL_MODES, "fill_mode", "map_coordinates")
    if coordinates[0].ndim < 1:
        raise ValueError("map_coordinates: `coordinates` must have rank >= 2 (R, *out_shape).")
    compute = inputs if inputs.is_floating_point() else inputs.to(torch.float32)
    flat = compute.reshape(-1)
    strides = [int(torch.tensor(inputs.shape[d + 1:]).prod()) for d in range(inputs.ndim)]
    per_axis = []
    for coordinate, size in zip(coordinates, inputs.shape):
        if order == 0:
            index = torch.round(coordinate) if coordinate.is_floating_point() else coordinate
            per_axis.append([(index.long(), None)])
        else:
            coordinate = coordinate.to(compute.dtype)
            lower = torch.floor(coordinate)
            upper_weight = coordinate - lower
            per_axis.append([(lower.long(), 1 - upper_weight), (lower.long() + 1, upper_weight)])
    result = None
    for nodes in itertools.product(*per_axis):
        index = None
        inside = None
        weight = None
        for (axis_index, axis_weight), size, stride in zip(nodes, inputs.shape, strides):
            fixed = fix_index(axis_index, size, fill_mode) * stride
            index = fixed if index is None else index + fixed
            valid = (axis_index >= 0) & (axis_index < size)
            inside = valid if inside is None else inside & valid
            if axis_weight is not None:
                weight = axis_weight if weight is None else weight * axis_weight
        values = flat[index]
        if fill_mode == "constant":
            values = torch.where(inside, values, torch.as_tensor(fill_value, dtype=values.dtype,
                                                                 device=values.device))
        if weight is not None:
            values = values * weight
        result = values if result is None else result + values
    if not inputs.is_floating_point():
        result = torch.round(result)
    return result.to(inputs.dtype)


def _check_sampling_args(op, interpolation, fill_mode):
    check_choice(interpolation, tuple(INTERPOLATION_ORDERS), "interpolation", op)
    if fill_mode is not None:
        check_choice(fill_mode, FILL_MODES, "fill_mode", op)


@keras_op("AffineTransform", config=("interpolation", "fill_mode", "fill_value", "data_format"),
          module="image")
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Applies projective transforms given as 8 numbers per image (`tf.raw_ops.ImageProjectiveTransformV3`;
    torch batched gathers).

    Each output pixel `(x, y)` reads the input at `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`,
    `k = c0 x + c1 y + 1`, for the transform `[a0, a1, a2, b0, b1, b2, c0, c1]`.

    Args:
        images: Image `(H, W, C)` or batch `(N, H, W, C)` (or channels_first).
        transform: Tensor of shape `(8,)` or `(N, 8)`.
        interpolation: `"nearest"` or `"bilinear"`.
        fill_mode: `"constant"`, `"nearest"`, `"wrap"`, `"mirror"` or `"reflect"`.
        fill_value: The value outside the image with `fill_mode="constant"`.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        >>> shift_right = torch.tensor([1.0, 0, -1, 0, 1, 0, 0, 0])
        >>> affine_transform(torch.arange(3.0).reshape(1, 3, 1), shift_right)[0, :, 0]
        tensor([0., 0., 1.])
    """
    _check_sampling_args("affine_transform", interpolation, fill_mode)
    batch, layout = as_image_batch("affine_transform", images, data_format)
    transform = convert_to_tensor(transform, device=batch.device)
    if transform.ndim not in (1, 2) or transform.shape[-1] != 8:
        raise ValueError(
            "affine_transform: `transform` must have shape (8,) or (batch, 8), received shape "
            f"{tuple(transform.shape)}."
        )
    transform = transform.reshape(-1, 8)
    if transform.shape[0] not in (1, batch.shape[0]):
        raise ValueError(
            f"affine_transform: {transform.shape[0]} transforms for {batch.shape[0]} images; "
            "pass one transform or one per image."
        )
    out = projective_sample(batch, transform, INTERPOLATION_ORDERS[interpolation], fill_mode,
                            fill_value)
    return restore_layout(out, layout)


def _homography(start_points, end_points):
    """The 8 projective coefficients mapping each end point to its start point (solved exactly)."""
    sx, sy = start_points[..., 0], start_points[..., 1]
    ex, ey = end_points[..., 0], end_points[..., 1]
    ones, zeros = torch.ones_like(ex), torch.zeros_like(ex)
    rows_x = torch.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], dim=-1)
    rows_y = torch.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], dim=-1)
    system = torch.stack([rows_x, rows_y], dim=-2).reshape(-1, 8, 8)  # x1, y1, x2, y2, ...
    target = torch.stack([sx, sy], dim=-1).reshape(-1, 8, 1)
    compute = torch.promote_types(system.dtype, torch.float32)
    return torch.linalg.solve(system.to(compute), target.to(compute)).reshape(-1, 8)


@keras_op("PerspectiveTransform", config=("interpolation", "fill_value", "data_format"),
          module="image")
def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Warps images so that `start_points` land on `end_points` (4 corners each)
    (`cv2.getPerspectiveTransform` + `warpPerspective`; torch `linalg.solve` + gathers).

    Args:
        images: Image or batch (channels_last or channels_first).
        start_points: `(4, 2)` or `(N, 4, 2)` points `(x, y)` in the input.
        end_points: The matching points in the output, the same shape.
        interpolation: `"nearest"` or `"bilinear"`.
        fill_value: The value outside the input.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        >>> corners = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0], [3.0, 3.0]])
        >>> perspective_transform(torch.ones(4, 4, 1), corners, corners).sum()
        tensor(16.)
    """
    _check_sampling_args("perspective_transform", interpolation, None)
    batch, layout = as_image_batch("perspective_transform", images, data_format)
    dtype = batch.dtype if batch.is_floating_point() else torch.float32
    start = convert_to_tensor(start_points, dtype=dtype, device=batch.device)
    end = convert_to_tensor(end_points, dtype=dtype, device=batch.device)
    for name, points in (("start_points", start), ("end_points", end)):
        if points.ndim not in (2, 3) or tuple(points.shape[-2:]) != (4, 2):
            raise ValueError(
                f"perspective_transform: `{name}` must have shape (4, 2) or (batch, 4, 2), "
                f"received shape {tuple(points.shape)}."
            )
    if start.shape != end.shape:
        raise ValueError(
            "perspective_transform: `start_points` and `end_points` must have the same shape, "
            f"received {tuple(start.shape)} and {tuple(end.shape)}."
        )
    transforms = _homography(start.reshape(-1, 4, 2), end.reshape(-1, 4, 2)).to(dtype)
    out = projective_sample(batch, transforms, INTERPOLATION_ORDERS[interpolation], "constant",
                            fill_value)
    return restore_layout(out, layout)


def _generator(seed, device):
    if seed is None:
        return None
    if hasattr(seed, "next"):  # a keras.random.SeedGenerator: draw one integer seed from it
        drawn = seed.next()
        seed = int(torch.as_tensor(drawn).reshape(-1)[0])
    if not isinstance(seed, int):
        raise TypeError(
            f"elastic_transform: `seed` must be None, an int or a SeedGenerator, received "
            f"{type(seed).__name__}."
        )
    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    return generator


@keras_op("ElasticTransform", config=("alpha", "sigma", "interpolation", "fill_mode",
                                      "fill_value", "seed", "data_format"), module="image")
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Elastic deformation: a random displacement field, Gaussian-smoothed, scaled by `alpha`
    (Simard et al. 2003; torch `randn` + `conv2d` + gathers).

    Args:
        images: Float image or batch (channels_last or channels_first).
        alpha: Displacement scale in pixels.
        sigma: Standard deviation of the smoothing Gaussian (its size is `int(6 sigma) | 1`).
        interpolation: `"nearest"` or `"bilinear"`.
        fill_mode: `"constant"`, `"nearest"`, `"wrap"`, `"mirror"` or `"reflect"`.
        fill_value: The value outside the image with `fill_mode="constant"`.
        seed: None (torch's global generator), an int (repeatable) or a SeedGenerator.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        >>> elastic_transform(torch.ones(8, 8, 1), alpha=0.0).equal(torch.ones(8, 8, 1))
        True
    """
    _check_sampling_args("elastic_transform", interpolation, fill_mode)
    batch, layout = as_image_batch("elastic_transform", images, data_format)
    if not batch.is_floating_point():
        raise TypeError(
            f"elastic_transform: `images` must be a float tensor, received dtype "
            f"{dtype_name(batch.dtype)}."
        )
    n, h, w, _ = batch.shape
    generator = _generator(seed, batch.device)
    noise = torch.randn((2, n, h, w, 1), generator=generator, dtype=batch.dtype,
                        device=batch.device) * sigma
    size = int(6 * sigma) | 1
    smooth = gaussian_blur(noise.reshape(2 * n, h, w, 1), (size, size), (sigma, sigma),
                           data_format="channels_last").reshape(2, n, h, w)
    ys = torch.arange(h, dtype=batch.dtype, device=batch.device).view(1, h, 1)
    xs = torch.arange(w, dtype=batch.dtype, device=batch.device).view(1, 1, w)
    x_in = xs + alpha * smooth[0]
    y_in = ys + alpha * smooth[1]
    out = sample_nhwc(batch, y_in, x_in, INTERPOLATION_ORDERS[interpolation], fill_mode,
                      fill_value)
    return restore_layout(out, layout)
