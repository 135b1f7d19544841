"""Shape manipulation, joining/splitting and indexing functions of `keras.ops.numpy`.

NumPy's semantics throughout (negative axes, `axis=None` meaning the flattened tensor); shapes
that cannot work are errors naming the op and both shapes, never a silent broadcast.
"""

import math

import numpy as np
import torch

from lamina.graph.keras_tensor import KerasTensor
from lamina.ops._op import keras_op
from lamina.ops.numpy._common import (
    canonical_axes,
    canonical_axis,
    cast,
    check_choice,
    check_int,
    promote,
    shape_tuple,
    to_tensor,
    to_tensor_list,
    torch_dtype,
)

__all__ = [
    "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze", "broadcast_to",
    "flip", "fliplr", "flipud", "rot90", "roll", "tile", "repeat",
    "concatenate", "stack", "hstack", "vstack", "dstack", "append",
    "split", "array_split", "hsplit", "vsplit", "dsplit", "pad",
    "take", "take_along_axis", "get_item", "diag", "diagflat", "diagonal", "tril", "triu",
    "ndim", "size", "meshgrid", "unravel_index", "nonzero", "view",
]


@keras_op("Reshape", config=("newshape",), module="numpy")
def reshape(x, newshape):
    """Gives `x` a new shape with the same number of elements (NumPy `np.reshape`; torch `torch.reshape`).

    Args:
        x: input tensor.
        newshape: an int or a tuple of ints; one entry may be -1 (inferred).

    Returns:
        A tensor of shape `newshape`.

    Example:
        >>> ops.reshape(ops.arange(6), (2, -1)).shape  # (2, 3)
    """
    x = to_tensor("reshape", "x", x)
    shape = shape_tuple("reshape", "newshape", newshape)
    known = [d for d in shape if not (isinstance(d, int) and d == -1)]
    if sum(1 for d in shape if isinstance(d, int) and d == -1) > 1:
        raise ValueError(f"ops.reshape: `newshape` may hold at most one -1; received {newshape!r}.")
    if all(isinstance(d, int) for d in shape):
        total = math.prod(known)
        if (len(known) == len(shape) and total != x.numel()) or (
            len(known) < len(shape) and (total == 0 or x.numel() % total)
        ):
            raise ValueError(
                f"ops.reshape: cannot reshape a tensor of shape {tuple(x.shape)} ({x.numel()} elements) "
                f"into shape {tuple(shape)}."
            )
    return torch.reshape(x, shape)


@keras_op("Ravel", module="numpy")
def ravel(x):
    """The elements of `x` as a 1-D tensor, row-major (NumPy `np.ravel`; torch `torch.ravel`).

    Args:
        x: input tensor.

    Returns:
        A 1-D tensor.

    Example:
        >>> ops.ravel([[1, 2], [3, 4]])  # [1, 2, 3, 4]
    """
    return torch.ravel(to_tensor("ravel", "x", x))


@keras_op("Transpose", config=("axes",), module="numpy")
def transpose(x, axes=None):
    """Permutes the axes of `x` (NumPy `np.transpose`; torch `torch.permute`).

    Args:
        x: input tensor.
        axes: a permutation of `range(ndim)` (negative allowed); None reverses the axes.

    Returns:
        The permuted tensor (a view).

    Example:
        >>> ops.transpose(ops.zeros((2, 3, 4)), (2, 0, 1)).shape  # (4, 2, 3)
    """
    x = to_tensor("transpose", "x", x)
    if axes is None:
        return x.permute(*reversed(range(x.ndim)))
    perm = canonical_axes("transpose", axes, x.ndim, "axes")
    if len(perm) != x.ndim:
        raise ValueError(
            f"ops.transpose: `axes` must be a permutation of all {x.ndim} axes; received {axes!r} "
            f"for an input of shape {tuple(x.shape)}."
        )
    return x.permute(*perm)


@keras_op("Swapaxes", config=("axis1", "axis2"), module="numpy")
def swapaxes(x, axis1, axis2):
    """Interchanges two axes (NumPy `np.swapaxes`; torch `torch.swapaxes`).

    Args:
        x: input tensor.
        axis1: first axis.
        axis2: second axis.

    Returns:
        The tensor with the two axes swapped.

    Example:
        >>> ops.swapaxes(ops.zeros((2, 3)), 0, 1).shape  # (3, 2)
    """
    x = to_tensor("swapaxes", "x", x)
    a1 = canonical_axis("swapaxes", axis1, x.ndim, "axis1")
    a2 = canonical_axis("swapaxes", axis2, x.ndim, "axis2")
    return torch.swapaxes(x, a1, a2)


@keras_op("Moveaxis", config=("source", "destination"), module="numpy")
def moveaxis(x, source, destination):
    """Moves axes to new positions (NumPy `np.moveaxis`; torch `torch.moveaxis`).

    Args:
        x: input tensor.
        source: an axis or a tuple of axes to move.
        destination: their new positions (same length as `source`).

    Returns:
        The tensor with the axes moved.

    Example:
        >>> ops.moveaxis(ops.zeros((2, 3, 4)), 0, -1).shape  # (3, 4, 2)
    """
    x = to_tensor("moveaxis", "x", x)
    src = canonical_axes("moveaxis", source, x.ndim, "source")
    dst = canonical_axes("moveaxis", destination, x.ndim, "destination")
    if len(src) != len(dst):
        raise ValueError(
            f"ops.moveaxis: `source` and `destination` must have the same number of axes; received "
            f"{source!r} and {destination!r}."
        )
    return torch.moveaxis(x, src, dst)


@keras_op("ExpandDims", config=("axis",), module="numpy")
def expand_dims(x, axis):
    """Inserts size-1 axes at `axis` (NumPy `np.expand_dims`; torch `torch.unsqueeze`).

    Args:
        x: input tensor.
        axis: an int or a tuple of ints: positions in the output.

    Returns:
        A tensor with `len(axis)` more dimensions.

    Example:
        >>> ops.expand_dims(ops.zeros((2, 3)), -1).shape  # (2, 3, 1)
    """
    x = to_tensor("expand_dims", "x", x)
    n_new = len(axis) if isinstance(axis, (list, tuple)) else 1
    axes = canonical_axes("expand_dims", axis, x.ndim + n_new)
    for a in sorted(axes):
        x = x.unsqueeze(a)
    return x


@keras_op("Squeeze", config=("axis",), module="numpy")
def squeeze(x, axis=None):
    """Removes size-1 axes (NumPy `np.squeeze`; torch `torch.squeeze`).

    Args:
        x: input tensor.
        axis: None (all size-1 axes), an int or a tuple of ints (each must have size 1).

    Returns:
        The squeezed tensor.

    Example:
        >>> ops.squeeze(ops.zeros((1, 3, 1))).shape  # (3,)
    """
    x = to_tensor("squeeze", "x", x)
    if axis is None:
        return torch.squeeze(x)
    axes = canonical_axes("squeeze", axis, x.ndim)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(
                f"ops.squeeze: cannot squeeze axis {a} of size {x.shape[a]} (shape {tuple(x.shape)}); "
                "only size-1 axes can be removed."
            )
    return torch.squeeze(x, dim=axes) if x.ndim else x


@keras_op("BroadcastTo", config=("shape",), module="numpy")
def broadcast_to(x, shape):
    """Broadcasts `x` to `shape` (NumPy `np.broadcast_to`; torch `torch.broadcast_to`).

    Args:
        x: input tensor.
        shape: the target shape.

    Returns:
        A tensor of shape `shape` (a view).

    Example:
        >>> ops.broadcast_to([1, 2, 3], (2, 3)).shape  # (2, 3)
    """
    x = to_tensor("broadcast_to", "x", x)
    shape = shape_tuple("broadcast_to", "shape", shape)
    try:
        if torch.broadcast_shapes(tuple(x.shape), shape) != torch.Size(shape):
            raise RuntimeError
    except RuntimeError:
        raise ValueError(
            f"ops.broadcast_to: cannot broadcast a tensor of shape {tuple(x.shape)} to shape {shape}."
        ) from None
    return torch.broadcast_to(x, shape)


@keras_op("Flip", config=("axis",), module="numpy")
def flip(x, axis=None):
    """Reverses the order of elements along `axis` (NumPy `np.flip`; torch `torch.flip`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.

    Returns:
        The flipped tensor.

    Example:
        >>> ops.flip([1, 2, 3])  # [3, 2, 1]
    """
    x = to_tensor("flip", "x", x)
    axes = canonical_axes("flip", axis, x.ndim)
    return torch.flip(x, dims=tuple(range(x.ndim)) if axes is None else axes)


@keras_op("Fliplr", module="numpy")
def fliplr(x):
    """Reverses axis 1 (NumPy `np.fliplr`; torch `torch.fliplr`).

    Args:
        x: input tensor, at least 2-D.

    Returns:
        The flipped tensor.

    Example:
        >>> ops.fliplr([[1, 2], [3, 4]])  # [[2, 1], [4, 3]]
    """
    x = to_tensor("fliplr", "x", x)
    if x.ndim < 2:
        raise ValueError(f"ops.fliplr: argument `x` must be at least 2-D; received shape {tuple(x.shape)}.")
    return torch.fliplr(x)


@keras_op("Flipud", module="numpy")
def flipud(x):
    """Reverses axis 0 (NumPy `np.flipud`; torch `torch.flipud`).

    Args:
        x: input tensor, at least 1-D.

    Returns:
        The flipped tensor.

    Example:
        >>> ops.flipud([[1, 2], [3, 4]])  # [[3, 4], [1, 2]]
    """
    x = to_tensor("flipud", "x", x)
    if x.ndim < 1:
        raise ValueError("ops.flipud: argument `x` must be at least 1-D; received a scalar.")
    return torch.flipud(x)


@keras_op("Rot90", config=("k", "axes"), module="numpy")
def rot90(array, k=1, axes=(0, 1)):
    """Rotates by 90 degrees `k` times in the plane of `axes` (NumPy `np.rot90`; torch `torch.rot90`).

    Args:
        array: input tensor, at least 2-D.
        k: number of counter-clockwise quarter turns (negative: clockwise).
        axes: the two axes of the rotation plane.

    Returns:
        The rotated tensor.

    Example:
        >>> ops.rot90([[1, 2], [3, 4]])  # [[2, 4], [1, 3]]
    """
    array = to_tensor("rot90", "array", array)
    if array.ndim < 2:
        raise ValueError(f"ops.rot90: argument `array` must be at least 2-D; received shape {tuple(array.shape)}.")
    if not isinstance(axes, (list, tuple)) or len(axes) != 2:
        raise ValueError(f"ops.rot90: `axes` must be a pair of axes; received {axes!r}.")
    dims = canonical_axes("rot90", axes, array.ndim, "axes")
    return torch.rot90(array, k=check_int("rot90", "k", k), dims=dims)


@keras_op("Roll", config=("shift", "axis"), module="numpy")
def roll(x, shift, axis=None):
    """Rolls elements along `axis`, wrapping around (NumPy `np.roll`; torch `torch.roll`).

    Elements shifted past the end re-enter at the start.

    Args:
        x: input tensor.
        shift: an int or a tuple of ints (one per axis).
        axis: None (roll the flattened tensor and restore the shape), an int or a tuple of ints.

    Returns:
        The rolled tensor.

    Example:
        >>> ops.roll([1, 2, 3, 4], 1)  # [4, 1, 2, 3]
    """
    x = to_tensor("roll", "x", x)
    if axis is None:
        return torch.roll(x, shift)
    dims = canonical_axes("roll", axis, x.ndim)
    return torch.roll(x, shift, dims=dims)


@keras_op("Tile", config=("repeats",), module="numpy")
def tile(x, repeats):
    """Repeats the whole of `x` `repeats` times per axis (NumPy `np.tile`; torch `torch.tile`).

    Args:
        x: input tensor.
        repeats: an int or a tuple of ints (shorter tuples apply to the last axes).

    Returns:
        The tiled tensor.

    Example:
        >>> ops.tile([1, 2], 2)  # [1, 2, 1, 2]
    """
    x = to_tensor("tile", "x", x)
    return torch.tile(x, shape_tuple("tile", "repeats", repeats))


@keras_op("Repeat", config=("repeats", "axis"), module="numpy")
def repeat(x, repeats, axis=None):
    """Repeats each element `repeats` times along `axis` (NumPy `np.repeat`; torch `torch.repeat_interleave`).

    Args:
        x: input tensor.
        repeats: an int, or one int per element along `axis`.
        axis: None (repeat the flattened tensor) or an int.

    Returns:
        The tensor with the repeated elements.

    Example:
        >>> ops.repeat([1, 2], 2)  # [1, 1, 2, 2]
    """
    x = to_tensor("repeat", "x", x)
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    a = canonical_axis("repeat", axis, x.ndim)
    if isinstance(repeats, int) and not isinstance(repeats, bool):
        # unsqueeze + expand + reshape keeps static shapes for torch.compile/export.
        shape = list(x.shape)
        out = x.unsqueeze(a + 1).expand(*shape[: a + 1], repeats, *shape[a + 1:])
        shape[a] = shape[a] * repeats
        return out.reshape(shape)
    if isinstance(repeats, (list, tuple)):
        if len(repeats) != x.shape[a]:
            raise ValueError(
                f"ops.repeat: `repeats` must have one entry per element along axis {axis} "
                f"({x.shape[a]}); received {len(repeats)} entries."
            )
        # A known output size keeps the shape static (symbolic tracing, torch.compile).
        return torch.repeat_interleave(x, torch.tensor(repeats, device=x.device), dim=a,
                                       output_size=int(sum(repeats)))
    repeats = to_tensor("repeat", "repeats", repeats, device=x.device)
    return torch.repeat_interleave(x, repeats.long(), dim=a)


def _check_join(op, tensors, axis, same_rank=True):
    if not tensors:
        raise ValueError(f"ops.{op}: needs at least one tensor; received an empty list.")
    ranks = {t.ndim for t in tensors}
    if same_rank and len(ranks) > 1:
        raise ValueError(
            f"ops.{op}: all tensors must have the same rank; received shapes "
            f"{[tuple(t.shape) for t in tensors]}."
        )
    return tensors


def _common_dtype(tensors):
    dtype = promote(*[t.dtype for t in tensors])
    return [cast(t, dtype) for t in tensors]


@keras_op("Concatenate", config=("axis",), module="numpy")
def concatenate(xs, axis=0):
    """Joins tensors along an existing axis (NumPy `np.concatenate`; torch `torch.cat`).

    Args:
        xs: list of tensors, equal in shape except along `axis`.
        axis: the axis to join along; None flattens every tensor first.

    Returns:
        The joined tensor (dtypes promote).

    Example:
        >>> ops.concatenate([[1, 2], [3]])  # [1, 2, 3]
    """
    tensors = _check_join("concatenate", to_tensor_list("concatenate", "xs", xs), axis, same_rank=axis is not None)
    if axis is None:
        return torch.cat(_common_dtype([t.reshape(-1) for t in tensors]))
    a = canonical_axis("concatenate", axis, tensors[0].ndim)
    first = tensors[0].shape
    for i, t in enumerate(tensors[1:], start=1):
        if t.ndim != len(first) or any(t.shape[d] != first[d] for d in range(t.ndim) if d != a):
            raise ValueError(
                f"ops.concatenate: all tensors must match in every axis but axis {axis}; xs[0] has shape "
                f"{tuple(first)} and xs[{i}] has shape {tuple(t.shape)}."
            )
    return torch.cat(_common_dtype(tensors), dim=a)


@keras_op("Stack", config=("axis",), module="numpy")
def stack(x, axis=0):
    """Joins equally shaped tensors along a new axis (NumPy `np.stack`; torch `torch.stack`).

    Args:
        x: list of tensors of the same shape.
        axis: position of the new axis in the result.

    Returns:
        A tensor with one more dimension.

    Example:
        >>> ops.stack([[1, 2], [3, 4]], axis=1)  # [[1, 3], [2, 4]]
    """
    tensors = _check_join("stack", to_tensor_list("stack", "x", x), axis)
    for i, t in enumerate(tensors[1:], start=1):
        if t.shape != tensors[0].shape:
            raise ValueError(
                f"ops.stack: all tensors must have the same shape; x[0] has shape {tuple(tensors[0].shape)} "
                f"and x[{i}] has shape {tuple(t.shape)}."
            )
    a = canonical_axis("stack", axis, tensors[0].ndim + 1)
    return torch.stack(_common_dtype(tensors), dim=a)


def _stacker(op, torch_fn, summary, example):
    def fn(xs):
        return torch_fn(_common_dtype(_check_join(op, to_tensor_list(op, "xs", xs), None, same_rank=False)))

    fn.__name__ = fn.__qualname__ = op
    fn.__module__ = __name__
    fn.__doc__ = f"""{summary} (NumPy `np.{op}`; torch `torch.{op}`).

    Args:
        xs: list of tensors.

    Returns:
        The joined tensor (dtypes promote).

    Example:
        >>> ops.{example}
    """
    return fn


hstack = keras_op("Hstack", module="numpy")(_stacker(
    "hstack", torch.hstack, "Joins tensors column-wise (axis 1, or axis 0 for 1-D)",
    "hstack([[1, 2], [3]])  # [1, 2, 3]"))
vstack = keras_op("Vstack", module="numpy")(_stacker(
    "vstack", torch.vstack, "Joins tensors row-wise (axis 0, 1-D inputs become rows)",
    "vstack([[1, 2], [3, 4]])  # [[1, 2], [3, 4]]"))
dstack = keras_op("Dstack", module="numpy")(_stacker(
    "dstack", torch.dstack, "Joins tensors depth-wise (axis 2)", "dstack([[1, 2], [3, 4]]).shape  # (1, 2, 2)"))


@keras_op("Append", config=("axis",), module="numpy")
def append(x1, x2, axis=None):
    """Appends `x2` to `x1` (NumPy `np.append`; torch `torch.cat`).

    Args:
        x1: first tensor.
        x2: tensor to append.
        axis: None (flatten both first) or the axis to join along.

    Returns:
        The joined tensor.

    Example:
        >>> ops.append([1, 2], [[3, 4]])  # [1, 2, 3, 4]
    """
    x1 = to_tensor("append", "x1", x1)
    x2 = to_tensor("append", "x2", x2, device=x1.device)
    return concatenate([x1, x2], axis=axis)


def _split(op, x, indices_or_sections, axis, even):
    a = canonical_axis(op, axis, x.ndim)
    if isinstance(indices_or_sections, (int,)) and not isinstance(indices_or_sections, bool):
        sections = check_int(op, "indices_or_sections", indices_or_sections, minimum=1)
        if even and x.shape[a] % sections:
            raise ValueError(
                f"ops.{op}: axis {axis} of size {x.shape[a]} cannot be split into {sections} equal sections "
                f"(shape {tuple(x.shape)}); use `array_split` for unequal sections."
            )
        return list(torch.tensor_split(x, sections, dim=a))
    if isinstance(indices_or_sections, (torch.Tensor,)):
        indices_or_sections = indices_or_sections.tolist()
    indices = [int(i) for i in indices_or_sections]
    return list(torch.tensor_split(x, indices, dim=a))


_SPLIT_DOC = """{summary} (NumPy `np.{name}`; torch `torch.tensor_split`).

    Args:
        x: input tensor.
        indices_or_sections: an int N ({sections}), or a list of the indices where splits happen.{axis_doc}

    Returns:
        A list of tensors.

    Example:
        >>> [t.shape for t in ops.{name}({example})]
    """


@keras_op("Split", config=("indices_or_sections", "axis"), module="numpy")
def split(x, indices_or_sections, axis=0):
    return _split("split", to_tensor("split", "x", x), indices_or_sections, axis, even=True)


@keras_op("ArraySplit", config=("indices_or_sections", "axis"), module="numpy")
def array_split(x, indices_or_sections, axis=0):
    return _split("array_split", to_tensor("array_split", "x", x), indices_or_sections, axis, even=False)


@keras_op("Hsplit", config=("indices_or_sections",), module="numpy")
def hsplit(x, indices_or_sections):
    x = to_tensor("hsplit", "x", x)
    if x.ndim == 0:
        raise ValueError("ops.hsplit: argument `x` must be at least 1-D; received a scalar.")
    return _split("hsplit", x, indices_or_sections, 1 if x.ndim > 1 else 0, even=True)


@keras_op("Vsplit", config=("indices_or_sections",), module="numpy")
def vsplit(x, indices_or_sections):
    x = to_tensor("vsplit", "x", x)
    if x.ndim < 2:
        raise ValueError(f"ops.vsplit: argument `x` must be at least 2-D; received shape {tuple(x.shape)}.")
    return _split("vsplit", x, indices_or_sections, 0, even=True)


@keras_op("Dsplit", config=("indices_or_sections",), module="numpy")
def dsplit(x, indices_or_sections):
    x = to_tensor("dsplit", "x", x)
    if x.ndim < 3:
        raise ValueError(f"ops.dsplit: argument `x` must be at least 3-D; received shape {tuple(x.shape)}.")
    return _split("dsplit", x, indices_or_sections, 2, even=True)


_AXIS_DOC = "\n        axis: the axis to split along."
split.__doc__ = _SPLIT_DOC.format(summary="Splits `x` into equal sections or at indices", name="split",
                                  sections="equal sections; the axis must divide evenly", axis_doc=_AXIS_DOC,
                                  example="ops.arange(6), 3)  # [(2,), (2,), (2,)]")
array_split.__doc__ = _SPLIT_DOC.format(summary="Splits `x` into N nearly equal sections or at indices",
                                        name="array_split", sections="sections; the first ones get one more "
                                        "element when the axis does not divide", axis_doc=_AXIS_DOC,
                                        example="ops.arange(7), 3)  # [(3,), (2,), (2,)]")
hsplit.__doc__ = _SPLIT_DOC.format(summary="Splits `x` column-wise (axis 1; axis 0 for 1-D)", name="hsplit",
                                   sections="equal sections", axis_doc="",
                                   example="ops.zeros((2, 4)), 2)  # [(2, 2), (2, 2)]")
vsplit.__doc__ = _SPLIT_DOC.format(summary="Splits `x` row-wise (axis 0)", name="vsplit",
                                   sections="equal sections", axis_doc="",
                                   example="ops.zeros((4, 2)), 2)  # [(2, 2), (2, 2)]")
dsplit.__doc__ = _SPLIT_DOC.format(summary="Splits `x` depth-wise (axis 2)", name="dsplit",
                                   sections="equal sections", axis_doc="",
                                   example="ops.zeros((1, 2, 4)), 2)  # [(1, 2, 2), (1, 2, 2)]")

_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap", "maximum", "minimum", "mean", "median", "empty")


def _pad_pairs(pad_width, ndim):
    """NumPy's pad_width forms (int, (n,), (before, after), ((b, a), ...)) as one pair per axis."""
    if isinstance(pad_width, torch.Tensor):
        pad_width = pad_width.tolist()
    if isinstance(pad_width, int):
        return [(pad_width, pad_width)] * ndim
    pad_width = [list(p) if isinstance(p, (list, tuple)) else p for p in pad_width]
    if all(isinstance(p, int) for p in pad_width):
        if len(pad_width) == 1:
            return [(pad_width[0], pad_width[0])] * ndim
        if len(pad_width) == 2:
            return [tuple(pad_width)] * ndim
    elif all(isinstance(p, list) for p in pad_width):
        if len(pad_width) == 1 and len(pad_width[0]) in (1, 2):
            pair = pad_width[0] * (3 - len(pad_width[0]))
            return [tuple(pair[:2])] * ndim
        if len(pad_width) == ndim and all(len(p) in (1, 2) for p in pad_width):
            return [tuple((p * 2)[:2]) for p in pad_width]
    raise ValueError(
        f"ops.pad: `pad_width` must be an int, a (before, after) pair, or one pair per axis ({ndim} axes); "
        f"received {pad_width!r}."
    )


def _pad_index(mode, n, before, after, device):
    i = torch.arange(-before, n + after, device=device)
    if mode == "edge":
        return i.clamp(0, n - 1)
    if mode == "wrap":
        return i.remainder(n)
    if mode == "reflect":
        if n == 1:
            return torch.zeros_like(i)
        period = 2 * (n - 1)
        m = i.abs().remainder(period)
        return torch.where(m >= n, period - m, m)
    # symmetric: the edge element is repeated
    period = 2 * n
    m = i.remainder(period)
    return torch.where(m >= n, period - 1 - m, m)


@keras_op("Pad", config=("pad_width", "mode"), module="numpy")
def pad(x, pad_width, mode="constant", constant_values=None):
    """Pads `x` (NumPy `np.pad`; torch `torch.nn.functional.pad` and index gathers).

    Args:
        x: input tensor.
        pad_width: an int, a (before, after) pair, or one (before, after) pair per axis.
        mode: "constant", "edge", "reflect", "symmetric", "wrap", "maximum", "minimum", "mean",
            "median" or "empty" (as NumPy; "empty" fills with zeros).
        constant_values: the fill value for mode "constant" (default 0).

    Returns:
        The padded tensor.

    Example:
        >>> ops.pad([1, 2], (1, 2))  # [0, 1, 2, 0, 0]
    """
    x = to_tensor("pad", "x", x)
    check_choice("pad", "mode", mode, _PAD_MODES)
    if constant_values is not None and mode != "constant":
        raise ValueError(f"ops.pad: `constant_values` can only be given with mode='constant'; received mode={mode!r}.")
    pairs = _pad_pairs(pad_width, x.ndim)
    if any(b < 0 or a < 0 for b, a in pairs):
        raise ValueError(f"ops.pad: `pad_width` entries must be >= 0; received {pad_width!r}.")
    if mode in ("constant", "empty"):
        flat = []
        for before, after in reversed(pairs):
            flat += [before, after]
        value = 0 if constant_values is None else constant_values
        if x.dtype == torch.bool:
            return torch.nn.functional.pad(x.to(torch.uint8), flat, value=int(bool(value))).to(torch.bool)
        return torch.nn.functional.pad(x, flat, mode="constant", value=value)
    for axis, (before, after) in enumerate(pairs):
        if before == 0 and after == 0:
            continue
        n = x.shape[axis]
        if n == 0:
            raise ValueError(f"ops.pad: cannot pad the empty axis {axis} with mode={mode!r}.")
        if mode in ("edge", "reflect", "symmetric", "wrap"):
            x = torch.index_select(x, axis, _pad_index(mode, n, before, after, x.device))
            continue
        if mode == "mean":
            stat = torch.mean(x.to(torch.promote_types(x.dtype, torch.float32)), dim=axis, keepdim=True)
            stat = torch.round(stat).to(x.dtype) if not x.is_floating_point() else stat.to(x.dtype)
        elif mode == "median":
            stat = torch.quantile(x.to(torch.promote_types(x.dtype, torch.float32)), 0.5, dim=axis, keepdim=True)
            stat = torch.round(stat).to(x.dtype) if not x.is_floating_point() else stat.to(x.dtype)
        else:
            stat = (torch.amax if mode == "maximum" else torch.amin)(x, dim=axis, keepdim=True)
        parts = [stat.expand(*x.shape[:axis], before, *x.shape[axis + 1:]), x,
                 stat.expand(*x.shape[:axis], after, *x.shape[axis + 1:])]
        x = torch.cat(parts, dim=axis)
    return x


@keras_op("Take", config=("axis",), module="numpy")
def take(x, indices, axis=None):
    """Elements of `x` at `indices` along `axis` (NumPy `np.take`; torch `torch.index_select`).

    Negative indices count from the end.

    Args:
        x: input tensor.
        indices: integer tensor of indices (any shape).
        axis: None (index the flattened tensor) or an int.

    Returns:
        A tensor of shape `x.shape[:axis] + indices.shape + x.shape[axis + 1:]`.

    Example:
        >>> ops.take([[1, 2], [3, 4]], [1, 0], axis=1)  # [[2, 1], [4, 3]]
    """
    x = to_tensor("take", "x", x)
    indices = to_tensor("take", "indices", indices, device=x.device)
    if indices.is_floating_point() or indices.dtype == torch.bool:
        raise TypeError(f"ops.take: argument `indices` must be an integer tensor; received dtype {indices.dtype}.")
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    a = canonical_axis("take", axis, x.ndim)
    indices = indices.long()
    indices = torch.where(indices < 0, indices + x.shape[a], indices)
    out = torch.index_select(x, a, indices.reshape(-1))
    return out.reshape(*x.shape[:a], *indices.shape, *x.shape[a + 1:])


@keras_op("TakeAlongAxis", config=("axis",), module="numpy")
def take_along_axis(x, indices, axis=None):
    """Gathers values of `x` at `indices` along `axis` (NumPy `np.take_along_axis`; torch `torch.take_along_dim`).

    Args:
        x: input tensor.
        indices: integer tensor broadcastable with `x` except along `axis`.
        axis: the axis to gather along; None uses the flattened `x` (then `indices` is 1-D).

    Returns:
        The gathered values.

    Example:
        >>> ops.take_along_axis([[10, 30, 20]], [[1, 2, 0]], axis=1)  # [[30, 20, 10]]
    """
    x = to_tensor("take_along_axis", "x", x)
    indices = to_tensor("take_along_axis", "indices", indices, device=x.device)
    if indices.is_floating_point() or indices.dtype == torch.bool:
        raise TypeError(
            f"ops.take_along_axis: argument `indices` must be an integer tensor; received dtype {indices.dtype}."
        )
    indices = indices.long()
    if axis is None:
        x = x.reshape(-1)
        return torch.take_along_dim(x, torch.where(indices < 0, indices + x.shape[0], indices))
    a = canonical_axis("take_along_axis", axis, x.ndim)
    if indices.ndim != x.ndim:
        raise ValueError(
            f"ops.take_along_axis: `indices` must have the rank of `x` ({x.ndim}); received shape "
            f"{tuple(indices.shape)} for `x` of shape {tuple(x.shape)}."
        )
    indices = torch.where(indices < 0, indices + x.shape[a], indices)
    shape = [max(x.shape[d], indices.shape[d]) if d != a else None for d in range(x.ndim)]
    x = x.expand(*[s if s is not None else x.shape[a] for s in shape])
    indices = indices.expand(*[s if s is not None else indices.shape[a] for s in shape])
    return torch.gather(x, a, indices)


@keras_op("GetItem", module="numpy")
def get_item(x, key):
    """`x[key]` with NumPy-style keys (NumPy `x[key]`; torch `Tensor.__getitem__`).

    Keys: ints, slices, None, Ellipsis, integer or bool tensors, or tuples of them.

    Args:
        x: input tensor.
        key: an index, slice, tensor or a tuple of them.

    Returns:
        The indexed tensor.

    Example:
        >>> ops.get_item([[1, 2], [3, 4]], (slice(None), 1))  # [2, 4]
    """
    x = to_tensor("get_item", "x", x)

    def convert(k):
        if isinstance(k, (list,)):
            return torch.as_tensor(k, device=x.device)
        if isinstance(k, torch.Tensor):
            return k.to(x.device)
        if isinstance(k, np.ndarray):
            return torch.as_tensor(k, device=x.device)
        return k

    key = tuple(convert(k) for k in key) if isinstance(key, tuple) else convert(key)
    return x[key]


@keras_op("Diag", config=("k",), module="numpy")
def diag(x, k=0):
    """The k-th diagonal of a matrix, or a matrix with `x` on its k-th diagonal (NumPy `np.diag`; torch `torch.diag`).

    Args:
        x: a 1-D tensor (builds a matrix) or a 2-D tensor (extracts a diagonal).
        k: diagonal offset (positive: above the main diagonal).

    Returns:
        A 2-D or 1-D tensor.

    Example:
        >>> ops.diag([1, 2])  # [[1, 0], [0, 2]]
    """
    x = to_tensor("diag", "x", x)
    if x.ndim not in (1, 2):
        raise ValueError(f"ops.diag: argument `x` must be 1-D or 2-D; received shape {tuple(x.shape)}.")
    return torch.diag(x, diagonal=check_int("diag", "k", k))


@keras_op("Diagflat", config=("k",), module="numpy")
def diagflat(x, k=0):
    """A 2-D tensor with the flattened `x` on its k-th diagonal (NumPy `np.diagflat`; torch `torch.diagflat`).

    Args:
        x: input tensor (flattened).
        k: diagonal offset.

    Returns:
        A square 2-D tensor.

    Example:
        >>> ops.diagflat([[1, 2]])  # [[1, 0], [0, 2]]
    """
    x = to_tensor("diagflat", "x", x)
    return torch.diagflat(x, offset=check_int("diagflat", "k", k))


@keras_op("Diagonal", config=("offset", "axis1", "axis2"), module="numpy")
def diagonal(x, offset=0, axis1=0, axis2=1):
    """Diagonals of the 2-D planes given by `axis1` and `axis2` (NumPy `np.diagonal`; torch `torch.diagonal`).

    Args:
        x: input tensor, at least 2-D.
        offset: diagonal offset (positive: above the main diagonal).
        axis1: first axis of the planes.
        axis2: second axis of the planes.

    Returns:
        A tensor with the two axes removed and the diagonal appended as the last axis.

    Example:
        >>> ops.diagonal([[1, 2], [3, 4]])  # [1, 4]
    """
    x = to_tensor("diagonal", "x", x)
    if x.ndim < 2:
        raise ValueError(f"ops.diagonal: argument `x` must be at least 2-D; received shape {tuple(x.shape)}.")
    a1 = canonical_axis("diagonal", axis1, x.ndim, "axis1")
    a2 = canonical_axis("diagonal", axis2, x.ndim, "axis2")
    if a1 == a2:
        raise ValueError(f"ops.diagonal: `axis1` and `axis2` must differ; both are {a1}.")
    return torch.diagonal(x, offset=offset, dim1=a1, dim2=a2)


def _triangle(op, torch_fn, x, k):
    x = to_tensor(op, "x", x)
    if x.ndim < 2:
        raise ValueError(f"ops.{op}: argument `x` must be at least 2-D; received shape {tuple(x.shape)}.")
    return torch_fn(x, diagonal=check_int(op, "k", k))


@keras_op("Tril", config=("k",), module="numpy")
def tril(x, k=0):
    """Lower triangle: zeros above the k-th diagonal (NumPy `np.tril`; torch `torch.tril`).

    Args:
        x: input tensor, at least 2-D (the last two axes are the matrices).
        k: diagonal offset.

    Returns:
        A tensor of the shape of `x`.

    Example:
        >>> ops.tril([[1, 2], [3, 4]])  # [[1, 0], [3, 4]]
    """
    return _triangle("tril", torch.tril, x, k)


@keras_op("Triu", config=("k",), module="numpy")
def triu(x, k=0):
    """Upper triangle: zeros below the k-th diagonal (NumPy `np.triu`; torch `torch.triu`).

    Args:
        x: input tensor, at least 2-D (the last two axes are the matrices).
        k: diagonal offset.

    Returns:
        A tensor of the shape of `x`.

    Example:
        >>> ops.triu([[1, 2], [3, 4]])  # [[1, 2], [0, 4]]
    """
    return _triangle("triu", torch.triu, x, k)


def _ndim(x):
    return to_tensor("ndim", "x", x).ndim


_ndim_op = keras_op("Ndim", module="numpy")(_ndim)


def ndim(x):
    """The number of dimensions of `x` (NumPy `np.ndim`; torch `Tensor.ndim`).

    Args:
        x: input tensor (symbolic tensors answer from their known rank).

    Returns:
        A Python int.

    Example:
        >>> ops.ndim([[1, 2]])  # 2
    """
    if isinstance(x, KerasTensor):
        return len(x.shape)
    return _ndim(x)


ndim.op_definition = _ndim_op.op_definition


@keras_op("Size", module="numpy")
def size(x):
    """The number of elements of `x` (NumPy `np.size`; torch `Tensor.numel`).

    Args:
        x: input tensor.

    Returns:
        A scalar int32 tensor.

    Example:
        >>> ops.size([[1, 2, 3]])  # 3
    """
    x = to_tensor("size", "x", x)
    return torch.tensor(x.numel(), dtype=torch.int32, device=x.device)


@keras_op("Meshgrid", config=("indexing",), module="numpy")
def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D coordinate vectors (NumPy `np.meshgrid`; torch `torch.meshgrid`).

    Args:
        *x: 1-D tensors.
        indexing: "xy" (Cartesian, first two output axes swapped) or "ij" (matrix).

    Returns:
        A list of N-D tensors, one per input.

    Example:
        >>> [g.shape for g in ops.meshgrid([1, 2, 3], [4, 5])]  # [(2, 3), (2, 3)]
    """
    check_choice("meshgrid", "indexing", indexing, ("xy", "ij"))
    tensors = to_tensor_list("meshgrid", "x", list(x))
    for i, t in enumerate(tensors):
        if t.ndim != 1:
            raise ValueError(f"ops.meshgrid: every input must be 1-D; x[{i}] has shape {tuple(t.shape)}.")
    return list(torch.meshgrid(*tensors, indexing=indexing))


@keras_op("UnravelIndex", config=("shape",), module="numpy")
def unravel_index(indices, shape):
    """Flat indices as a tuple of coordinate tensors for `shape` (NumPy `np.unravel_index`; torch `torch.unravel_index`).

    Args:
        indices: integer tensor of flat indices.
        shape: the shape being indexed.

    Returns:
        A tuple of `len(shape)` tensors with the shape of `indices`.

    Example:
        >>> ops.unravel_index([5], (2, 3))  # ([1], [2])
    """
    indices = to_tensor("unravel_index", "indices", indices)
    if indices.is_floating_point() or indices.dtype == torch.bool:
        raise TypeError(
            f"ops.unravel_index: argument `indices` must be an integer tensor; received dtype {indices.dtype}."
        )
    shape = shape_tuple("unravel_index", "shape", shape)
    dtype = promote(indices.dtype)
    return tuple(cast(t, dtype) for t in torch.unravel_index(indices, shape))


def _nonzero_spec(x):
    # One index tensor per axis; how many non-zeros there are is only known from the data.
    return tuple(KerasTensor((None,), dtype="int32") for _ in x.shape)


@keras_op("Nonzero", module="numpy", output_spec=_nonzero_spec)
def nonzero(x):
    """Indices of the non-zero elements, one int32 tensor per axis (NumPy `np.nonzero`; torch `torch.nonzero`).

    The number of results depends on the values: not usable under `torch.compile(fullgraph=True)`.

    Args:
        x: input tensor.

    Returns:
        A tuple of 1-D int32 tensors.

    Example:
        >>> ops.nonzero([0, 3, 0, 4])  # ([1, 3],)
    """
    x = to_tensor("nonzero", "x", x)
    return tuple(cast(t, "int32") for t in torch.nonzero(x, as_tuple=True))


@keras_op("View", config=("dtype",), module="numpy")
def view(x, dtype=None):
    """The bytes of `x` reinterpreted as `dtype` (NumPy `ndarray.view`; torch `Tensor.view(dtype)`).

    Args:
        x: input tensor.
        dtype: the new dtype; a different item size changes the last axis.

    Returns:
        A tensor sharing memory with `x`.

    Example:
        >>> ops.view(ops.array([1.0], "float32"), "int32")  # [1065353216]
    """
    x = to_tensor("view", "x", x)
    if dtype is None:
        return x
    target = torch_dtype(dtype)
    if x.ndim == 0 and target.itemsize != x.dtype.itemsize:
        raise ValueError(f"ops.view: a scalar cannot be viewed as a dtype of another size ({x.dtype} -> {target}).")
    return x.view(target)
