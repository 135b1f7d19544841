"""Argument checks shared by the `lamina.random` functions (shapes, dtypes, eager inputs)."""

import numbers

import numpy as np
import torch

from lamina.backend.dtypes import dtype_name, floatx, standardize_dtype

__all__ = ["check_shape", "float_dtype", "int_dtype", "eager_tensor", "draw_device"]


def check_shape(shape, fn_name) -> tuple:
    """`shape` as a tuple of non-negative ints, or a clear error naming `fn_name`."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if isinstance(shape, (torch.Tensor, np.ndarray)):
        shape = shape.tolist() if shape.ndim else [int(shape)]
    if not isinstance(shape, (tuple, list, torch.Size)):
        raise TypeError(
            f"lamina.random.{fn_name}: `shape` must be a tuple of ints. Received: shape={shape!r} "
            f"(of type {type(shape).__name__})."
        )
    dims = []
    for dim in shape:
        if dim is None:
            raise ValueError(
                f"lamina.random.{fn_name}: `shape` must be fully known; received shape={tuple(shape)} "
                "with a None dimension. Random draws are eager: a symbolic (KerasTensor) batch "
                "dimension cannot be sampled while a Functional model is being built. Draw inside a "
                "layer's `call` (e.g. a custom Layer, or layers.GaussianNoise / layers.Dropout) instead."
            )
        if isinstance(dim, torch.Tensor) and dim.ndim == 0:
            dim = int(dim)
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or dim < 0:
            raise ValueError(
                f"lamina.random.{fn_name}: every dimension of `shape` must be a non-negative int. "
                f"Received: shape={tuple(shape)}."
            )
        dims.append(int(dim))
    return tuple(dims)


def float_dtype(dtype, fn_name) -> torch.dtype:
    torch_dtype = standardize_dtype(dtype if dtype is not None else floatx())
    if not torch_dtype.is_floating_point:
        raise ValueError(
            f"`keras.random.{fn_name}` requires a floating point `dtype`. Received: dtype={dtype!r}. "
            + ("Use `keras.random.randint` for integers." if fn_name == "uniform" else "")
        )
    return torch_dtype


def int_dtype(dtype, fn_name) -> torch.dtype:
    torch_dtype = standardize_dtype(dtype)
    if torch_dtype.is_floating_point or torch_dtype.is_complex or torch_dtype == torch.bool:
        raise ValueError(
            f"`keras.random.{fn_name}` requires an integer `dtype`. Received: dtype={dtype!r} "
            f"({dtype_name(torch_dtype)})."
        )
    return torch_dtype


def eager_tensor(x, fn_name, argument) -> torch.Tensor:
    """A torch tensor for `x` (NumPy arrays and Python numbers are converted)."""
    from lamina.graph.keras_tensor import KerasTensor

    if isinstance(x, KerasTensor):
        raise TypeError(
            f"lamina.random.{fn_name}: `{argument}` is a symbolic KerasTensor {x!r}. Random draws are "
            "eager only: call this function inside a layer's `call` (e.g. a custom Layer or "
            "layers.Lambda), not while building a Functional model."
        )
    if isinstance(x, torch.Tensor):
        return x
    if isinstance(x, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(x))
    if isinstance(x, float):
        return torch.tensor(x, dtype=standardize_dtype(floatx()))
    try:
        return torch.as_tensor(x)
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(
            f"lamina.random.{fn_name}: `{argument}` must be a tensor or array-like. "
            f"Received: {argument}={x!r} (of type {type(x).__name__})."
        ) from error


def draw_device(seed) -> torch.device:
    """Where a shape-only draw lands: a layer-held SeedGenerator's device, else torch's default
    device (which `lamina.device(...)` / `with torch.device(...)` set)."""
    from lamina.random.seed_generator import SeedGenerator

    if isinstance(seed, SeedGenerator) and seed._owner is not None:
        return seed.device
    if torch.compiler.is_compiling():
        return None  # torch's factories then use the default device (a query would break the graph)
    return torch.get_default_device()
