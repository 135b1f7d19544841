"""Helpers shared by the `lamina.ops.numpy` families: conversion, dtype names, axes, errors.

Every op converts its tensor arguments here so that (1) NumPy arrays and Python scalars become
tensors on the device of the tensor arguments (a CUDA tensor plus a NumPy array stays on CUDA),
and (2) bad arguments fail with one message format: the op, the argument, what was expected,
what was received.
"""

import functools
import numbers

import numpy as np
import torch

from lamina.backend.dtypes import floatx, standardize_dtype
from lamina.ops._dtypes import convert_to_tensor, result_type

__all__ = []  # private module

# Keras dtype names by kind, as Keras's `backend.common.dtypes` spells them.
INT_NAMES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
FLOAT_NAMES = ("bfloat16", "float16", "float32", "float64")


_NAMES = {}  # torch.dtype -> Keras name, filled on first use (dtype_name runs on every op call)


def dtype_name(dtype) -> str:
    """Keras's spelling of a torch dtype (`torch.float32` -> `"float32"`)."""
    if not isinstance(dtype, torch.dtype):
        dtype = standardize_dtype(dtype)
    name = _NAMES.get(dtype)
    if name is None:
        name = _NAMES[dtype] = str(dtype).replace("torch.", "")
    return name


def name_of(x) -> str:
    return dtype_name(x.dtype)


def is_int_or_bool(x) -> bool:
    name = name_of(x)
    return "int" in name or name == "bool"


_WIDE = {"float32": "float64", "int32": "int64", "uint32": "uint64", "complex64": "complex128"}


def promote(*dtypes) -> str:
    """Keras's `backend.result_type` on torch dtypes, Keras names or Python types (weak).

    One deliberate difference: Keras maps 64-bit results to 32 bits (JAX's default), so
    `result_type("float64", "float64")` is "float32". lamina keeps the 64-bit dtype when an input
    has it (torch's and NumPy's rule, and what Keras's torch backend returns for most ops), so
    float64 data is not silently computed in float32.
    """
    names = tuple(dtype_name(d) if isinstance(d, torch.dtype) else d for d in dtypes)
    if torch.compiler.is_compiling():  # dynamo traces through caches (and warns about them)
        return _promote_uncached(names)
    try:
        return _promote_cached(names, floatx())
    except TypeError:  # an unhashable dtype-like value: no caching
        return _promote_uncached(names)


def _promote_uncached(names):
    result = result_type(*names)
    wide = _WIDE.get(result)
    if wide is not None and wide in names:
        return wide
    return result


@functools.lru_cache(maxsize=4096)
def _promote_cached(names, current_floatx):
    # floatx is part of the key: weak Python floats resolve to it.
    return _promote_uncached(names)


_TORCH_DTYPES = {}  # Keras name -> torch.dtype cache


def torch_dtype(dtype):
    """A torch dtype from a Keras name / torch dtype / NumPy dtype / Python type; None stays None."""
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, str):
        found = _TORCH_DTYPES.get(dtype)
        if found is None:
            found = _TORCH_DTYPES[dtype] = standardize_dtype(dtype)
        return found
    if dtype is bool:
        return torch.bool
    if dtype is int:
        return torch.int32
    if dtype is float:
        return standardize_dtype(floatx())
    return standardize_dtype(dtype)


def cast(x, dtype):
    dtype = dtype if isinstance(dtype, torch.dtype) else torch_dtype(dtype)
    return x if x.dtype == dtype else x.to(dtype)


def _device_of(values):
    for v in values:
        if isinstance(v, torch.Tensor):
            return v.device
    return None


def _describe(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {name_of(value)}"
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{type(value).__name__} {text}"


def to_tensor(op, arg, value, dtype=None, device=None):
    """Converts one argument; a value that cannot become a tensor is an error naming `op.arg`."""
    if isinstance(value, torch.Tensor) and dtype is None and (device is None or value.device == device):
        return value
    if isinstance(value, (str, bytes, dict, set)) or value is None:
        raise TypeError(
            f"ops.{op}: argument `{arg}` must be a tensor, a NumPy array or a Python number/list; "
            f"received {_describe(value)}."
        )
    try:
        out = convert_to_tensor(value, dtype=dtype, device=device)
        if isinstance(value, (np.ndarray, np.generic)) and out.ndim != np.ndim(value):
            out = out.reshape(np.shape(value))  # 0-d arrays and NumPy scalars stay 0-d
        return out
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(
            f"ops.{op}: argument `{arg}` could not be converted to a tensor ({error}); "
            f"received {_describe(value)}. Pass a tensor, a NumPy array or a (nested) list of numbers."
        ) from None


def to_tensors(op, **named):
    """Converts several arguments onto the device of the first tensor among them."""
    device = _device_of(named.values())
    return [to_tensor(op, arg, value, device=device) for arg, value in named.items()]


def to_tensor_list(op, arg, values):
    """A list of tensors from a list/tuple argument (`concatenate`, `stack`, ...)."""
    if isinstance(values, torch.Tensor):
        return list(values.unbind(0))
    if isinstance(values, np.ndarray):
        values = list(values)
    if not isinstance(values, (list, tuple)):
        raise TypeError(
            f"ops.{op}: argument `{arg}` must be a list or tuple of tensors; received {_describe(values)}."
        )
    device = _device_of(values)
    return [to_tensor(op, f"{arg}[{i}]", v, device=device) for i, v in enumerate(values)]


def _broadcast_shapes(shapes):
    """NumPy broadcasting of int shapes (fast path); symbolic sizes go to torch.broadcast_shapes."""
    first = shapes[0]
    if all(s == first for s in shapes[1:]):
        return first
    if not all(type(d) is int for s in shapes for d in s):
        return tuple(torch.broadcast_shapes(*shapes))
    out = [1] * max(len(s) for s in shapes)
    for s in shapes:
        for i, d in enumerate(reversed(s), start=1):
            if d != 1:
                if out[-i] != 1 and out[-i] != d:
                    raise RuntimeError("shapes do not broadcast")
                out[-i] = d
    return tuple(out)


def broadcast_check(op, **tensors):
    """Raises a clear error when the tensors' shapes do not broadcast (NumPy rules)."""
    shapes = [tuple(t.shape) for t in tensors.values()]
    try:
        return _broadcast_shapes(shapes)
    except RuntimeError:
        described = ", ".join(f"`{name}` {tuple(t.shape)}" for name, t in tensors.items())
        raise ValueError(
            f"ops.{op}: the shapes of {described} cannot be broadcast together (NumPy broadcasting: "
            "trailing dimensions must be equal or 1). Reshape or expand the inputs so they match."
        ) from None


def canonical_axis(op, axis, ndim, arg="axis"):
    """One axis as a non-negative int; out-of-range or non-integer axes are errors naming `op`."""
    if isinstance(axis, torch.Tensor) and axis.ndim == 0 and not axis.is_floating_point():
        axis = int(axis)
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"ops.{op}: argument `{arg}` must be an integer; received {_describe(axis)}.")
    axis = int(axis)
    if not -max(ndim, 1) <= axis < max(ndim, 1):
        raise ValueError(
            f"ops.{op}: argument `{arg}`={axis} is out of range for an input of rank {ndim} "
            f"(expected an integer in [{-max(ndim, 1)}, {max(ndim, 1) - 1}])."
        )
    return axis % max(ndim, 1)


def canonical_axes(op, axis, ndim, arg="axis"):
    """`None` -> None; an int or a sequence of ints -> a tuple of distinct non-negative axes."""
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        axes = tuple(canonical_axis(op, a, ndim, arg) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"ops.{op}: argument `{arg}` repeats an axis; received {axis!r}.")
        return axes
    return (canonical_axis(op, axis, ndim, arg),)


def check_choice(op, arg, value, choices):
    if value not in choices:
        raise ValueError(f"ops.{op}: argument `{arg}` must be one of {list(choices)}; received {value!r}.")


def check_int(op, arg, value, minimum=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"ops.{op}: argument `{arg}` must be an integer; received {_describe(value)}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"ops.{op}: argument `{arg}` must be >= {minimum}; received {value}.")
    return int(value)


def shape_tuple(op, arg, shape):
    """A shape argument (int, list/tuple of ints, or 1-D integer tensor) as a tuple of ints."""
    if isinstance(shape, torch.Size):
        return tuple(shape)
    if isinstance(shape, (torch.Tensor, np.ndarray)):
        shape = shape.tolist()
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        return (int(shape),)
    if isinstance(shape, (list, tuple)):
        out = []
        for dim in shape:
            if isinstance(dim, torch.Tensor) and dim.ndim == 0:
                dim = int(dim)
            if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
                if isinstance(dim, torch.SymInt):
                    out.append(dim)
                    continue
                raise TypeError(
                    f"ops.{op}: argument `{arg}` must be a tuple of integers; received {shape!r}."
                )
            out.append(int(dim))
        return tuple(out)
    raise TypeError(f"ops.{op}: argument `{arg}` must be an int or a tuple of ints; received {_describe(shape)}.")
