"""Keras dtype names <-> torch dtypes.

Keras configs and `.keras` files spell dtypes as strings ("float32"); torch code
wants `torch.dtype` objects. Every public entry point accepts either.
"""

import numpy as np
import torch

_NAME_TO_DTYPE = {
    "float16": torch.float16,
    "half": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float": torch.float32,
    "float64": torch.float64,
    "double": torch.float64,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "int": torch.int64,
    "uint8": torch.uint8,
    "uint16": torch.uint16,
    "uint32": torch.uint32,
    "uint64": torch.uint64,
    "float8_e4m3fn": torch.float8_e4m3fn,
    "float8_e5m2": torch.float8_e5m2,
    "bool": torch.bool,
    "complex64": torch.complex64,
    "complex128": torch.complex128,
}
_DTYPE_TO_NAME = {
    torch.float16: "float16",
    torch.bfloat16: "bfloat16",
    torch.float32: "float32",
    torch.float64: "float64",
    torch.int8: "int8",
    torch.int16: "int16",
    torch.int32: "int32",
    torch.int64: "int64",
    torch.uint8: "uint8",
    torch.uint16: "uint16",
    torch.uint32: "uint32",
    torch.uint64: "uint64",
    torch.float8_e4m3fn: "float8_e4m3fn",
    torch.float8_e5m2: "float8_e5m2",
    torch.bool: "bool",
    torch.complex64: "complex64",
    torch.complex128: "complex128",
}

_FLOATX = "float32"


def floatx() -> str:
    """The default float dtype name for weights and inputs ("float32")."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Sets the default float dtype name (`"float16"`, `"bfloat16"`, `"float32"`, `"float64"`)."""
    global _FLOATX
    dtype = standardize_dtype(value)
    if not dtype.is_floating_point:
        raise ValueError(f"set_floatx expects a float dtype name; received {value!r}.")
    _FLOATX = _DTYPE_TO_NAME[dtype]


def standardize_dtype(dtype) -> torch.dtype:
    """Turns a dtype name, numpy dtype or torch dtype into a `torch.dtype`.

    Args:
        dtype: `None` (the default float dtype), a string such as `"float32"`, a
            `torch.dtype`, or anything numpy understands as a dtype.
    """
    if dtype is None:
        return _NAME_TO_DTYPE[_FLOATX]
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, type) and issubclass(dtype, np.generic):  # np.float32 (the type)
        dtype = np.dtype(dtype).name
    if isinstance(dtype, dict):  # a serialized Keras DTypePolicy
        dtype = dtype.get("config", {}).get("name", _FLOATX)
    name = getattr(dtype, "name", dtype)  # DTypePolicy objects and numpy dtypes
    if not isinstance(name, str):
        name = str(name)
    name = name.replace("torch.", "")
    if name.startswith("mixed_"):
        # A mixed policy's variable dtype is float32; the compute dtype is handled by autocast.
        return torch.float32
    if name in _NAME_TO_DTYPE:
        return _NAME_TO_DTYPE[name]
    raise ValueError(
        f"Unknown dtype {dtype!r}. Expected one of {sorted(set(_DTYPE_TO_NAME.values()))} "
        "or a torch.dtype."
    )


def dtype_name(dtype) -> str:
    """The Keras spelling of a dtype (`torch.float32` -> `"float32"`)."""
    if isinstance(dtype, str) and dtype == "string":
        return "string"  # string inputs (NumPy arrays of str) have no torch dtype
    return _DTYPE_TO_NAME[standardize_dtype(dtype)]


def is_float_dtype(dtype) -> bool:
    return standardize_dtype(dtype).is_floating_point


# `lamina.backend.to_torch_dtype`: the name lamina's own code uses for the conversion above
# (`lamina.backend.standardize_dtype` is Keras's, which answers names).
to_torch_dtype = standardize_dtype

_PYTHON_TYPES = {int: "int32", float: "float32", bool: "bool", str: "string", "int": "int32", "string": "string"}


def standardize_dtype_name(dtype) -> str:
    """Keras's `backend.standardize_dtype`: the Keras name of any dtype spelling.

    `None` -> `floatx()`; Python `int`/`"int"` -> `"int32"`, `float` -> `"float32"` (as Keras on
    torch); torch, NumPy and string dtypes -> their name.

    Example:
        >>> standardize_dtype_name(torch.float16), standardize_dtype_name(int)
        ('float16', 'int32')
    """
    if dtype is None:
        return _FLOATX
    try:
        if dtype in _PYTHON_TYPES:
            return _PYTHON_TYPES[dtype]
    except TypeError:  # unhashable
        pass
    try:
        return _DTYPE_TO_NAME[standardize_dtype(dtype)]
    except (ValueError, TypeError, KeyError):
        raise ValueError(f"Invalid dtype: {dtype}") from None


def is_int_dtype(dtype) -> bool:
    """True for the signed and unsigned integer dtypes (Keras's `backend.is_int_dtype`)."""
    name = standardize_dtype_name(dtype)
    return name.startswith("int") or name.startswith("uint")
