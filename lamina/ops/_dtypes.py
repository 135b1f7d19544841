"""Tensor conversion and Keras's dtype promotion, for every op.

`result_type` is Keras 3's `keras.backend.result_type` (its lattice is JAX's): an int tensor
with a float32 tensor gives float32, Python scalars are *weak* (`int8 + 1` stays int8,
`int8 + 1.0` gives `floatx()`), and 64-bit results are narrowed to 32 bits as on Keras's JAX
and torch backends. `convert_to_tensor` follows Keras's torch backend: Python ints become int32
(int64 when they do not fit), Python floats `floatx()`, NumPy arrays keep their dtype (float64
stays float64), lists take the promoted dtype of their items; torch tensors pass through on
their own device.
"""

import numpy as np
import torch

from lamina.backend.dtypes import floatx

__all__ = [
    "convert_to_tensor", "convert_to_numpy", "result_type", "standardize_dtype", "to_torch_dtype",
    "ALLOWED_DTYPES", "FLOAT_TYPES", "INT_TYPES",
]

BOOL_TYPES = ("bool",)
INT_TYPES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
COMPLEX_TYPES = ("complex64", "complex128")
FLOAT8_TYPES = ("float8_e4m3fn", "float8_e5m2")
WEAK_TYPES = ("int", "float")
ALLOWED_DTYPES = BOOL_TYPES + INT_TYPES + FLOAT_TYPES + COMPLEX_TYPES + FLOAT8_TYPES + ("string",)

_TORCH_DTYPES = {
    "bool": torch.bool, "uint8": torch.uint8, "int8": torch.int8, "int16": torch.int16,
    "int32": torch.int32, "int64": torch.int64, "bfloat16": torch.bfloat16, "float16": torch.float16,
    "float32": torch.float32, "float64": torch.float64, "complex64": torch.complex64,
    "complex128": torch.complex128,
    # torch has these with limited kernel support; Keras's torch backend maps them the same way.
    "uint16": getattr(torch, "uint16", None), "uint32": getattr(torch, "uint32", None),
    "uint64": getattr(torch, "uint64", None),
    "float8_e4m3fn": getattr(torch, "float8_e4m3fn", None), "float8_e5m2": getattr(torch, "float8_e5m2", None),
}
_TORCH_TO_NAME = {v: k for k, v in _TORCH_DTYPES.items() if v is not None}
# Python types as Keras's torch backend reads them (`int` is int32, not NumPy's int64).
_PYTHON_TYPES = {bool: "bool", int: "int32", float: "float32", str: "string", complex: "complex64",
                 "int": "int32", "float": "float32", "double": "float64", "half": "float16"}


def standardize_dtype(dtype) -> str:
    """The Keras name of a dtype given as a name, Python type, NumPy or torch dtype.

    Args:
        dtype: `None` (gives `floatx()`), `"float32"`, `int`, `np.float32`, `torch.int8`, ...

    Returns:
        A name from `ALLOWED_DTYPES`, e.g. `standardize_dtype(torch.int8) == "int8"`.
    """
    if dtype is None:
        return floatx()
    if isinstance(dtype, torch.dtype):
        if dtype in _TORCH_TO_NAME:
            return _TORCH_TO_NAME[dtype]
        raise ValueError(f"Invalid dtype: torch dtype {dtype} has no Keras name; expected one of "
                         f"{sorted(_TORCH_TO_NAME.values())}.")
    if isinstance(dtype, (str, type)) and dtype in _PYTHON_TYPES:
        return _PYTHON_TYPES[dtype]
    name = dtype
    if hasattr(dtype, "name") and isinstance(dtype.name, str):  # np.dtype, DTypePolicy
        name = dtype.name
    elif isinstance(dtype, type):  # np.float32
        name = np.dtype(dtype).name if issubclass(dtype, np.generic) else dtype.__name__
    elif isinstance(dtype, dict):  # a serialized DTypePolicy
        name = dtype.get("config", {}).get("name")
    if isinstance(name, str):
        name = name.replace("torch.", "")
        if name.startswith("mixed_"):
            name = "float32"
        if name in _PYTHON_TYPES:
            return _PYTHON_TYPES[name]
    if name not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype!r}. Expected one of {sorted(ALLOWED_DTYPES)}, a NumPy or "
                         f"a torch dtype.")
    return name


_TORCH_DTYPE_CACHE = {}


def to_torch_dtype(dtype) -> torch.dtype:
    """The `torch.dtype` for any dtype `standardize_dtype` accepts."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, str):
        cached = _TORCH_DTYPE_CACHE.get(dtype)
        if cached is not None:
            return cached
    name = standardize_dtype(dtype)
    torch_dtype = _TORCH_DTYPES.get(name)
    if torch_dtype is None:
        raise ValueError(f"Unsupported dtype for PyTorch: {dtype!r} (Keras name {name!r}).")
    if isinstance(dtype, str):
        _TORCH_DTYPE_CACHE[dtype] = torch_dtype
    return torch_dtype


# ---------------------------------------------------------------------------------------------
# The promotion lattice (Keras's, adapted by Keras from JAX): each dtype -> its next higher ones.

def _lattice():
    b1, = BOOL_TYPES
    u1, u2, u4, u8, i1, i2, i4, i8 = INT_TYPES
    bf, f2, f4, f8 = FLOAT_TYPES
    i_, f_ = WEAK_TYPES
    c64, c128 = COMPLEX_TYPES
    return {b1: [i_], u1: [i2, u2], u2: [i4, u4], u4: [i8, u8], u8: [f_], i_: [u1, i1, c64], i1: [i2],
            i2: [i4], i4: [i8], i8: [f_], f_: [bf, f2], bf: [f4], f2: [f4], f4: [f8, c64], f8: [c128],
            c64: [c128], c128: []}


def _upper_bounds():
    lattice = _lattice()
    bounds = {node: {node} for node in lattice}
    for node in lattice:
        while True:
            grown = set().union(*(lattice[b] for b in bounds[node]))
            if grown <= bounds[node]:
                break
            bounds[node] |= grown
    return bounds


_UPPER_BOUNDS = _upper_bounds()
_TO_32_BITS = {"int64": "int32", "uint64": "uint32", "float64": "float32", "complex128": "complex64"}


_LUB_CACHE = {}


def _least_upper_bound(*nodes):
    # A plain dict, not functools.lru_cache: torch.compile traces through it without a warning.
    cached = _LUB_CACHE.get(nodes)
    if cached is not None:
        return cached
    result = _compute_least_upper_bound(nodes)
    _LUB_CACHE[nodes] = result
    return result


def _compute_least_upper_bound(nodes):
    common = set.intersection(*(_UPPER_BOUNDS[n] for n in nodes))
    least = (common & set(nodes)) or {c for c in common if common <= _UPPER_BOUNDS[c]}
    if len(least) != 1:
        raise ValueError(f"Input dtypes {nodes} have no implicit dtype promotion path. Cast the inputs "
                         f"explicitly to the dtype you want (ops.cast).")
    return least.pop()


def _weak(name):
    if name == "bool":
        return name
    for kind in ("float", "int", "complex"):
        if kind in name:
            return kind
    return name


def _resolve_weak(name, precision):
    kind = "f" if name == "bfloat16" else name[:1]
    if kind == "b":
        return "bool"
    return {"i": "int", "u": "uint"}.get(kind, "float") + precision


def _dtype_and_weakness(value):
    """(Keras dtype name, weak?) of a dtype, a Python type or a value."""
    if isinstance(value, torch.Tensor):  # the common case first
        name = _TORCH_TO_NAME.get(value.dtype)
        return (name, False) if name is not None else (standardize_dtype(value.dtype), False)
    if isinstance(value, str):
        return (value, False) if value in ALLOWED_DTYPES else (standardize_dtype(value), False)
    if value is int or value is float:
        return standardize_dtype(value), True
    if isinstance(value, bool):
        return "bool", False
    if isinstance(value, (int, float)) and not isinstance(value, np.generic):
        return standardize_dtype(type(value)), True
    if isinstance(value, complex):
        return "complex64", False
    if isinstance(value, (torch.Tensor, np.ndarray, np.generic)):
        return standardize_dtype(value.dtype), False
    if hasattr(value, "dtype") and not isinstance(value, type):  # KerasTensor, Variable
        return standardize_dtype(value.dtype), False
    return standardize_dtype(value), False


def result_type(*dtypes):
    """The dtype of combining `dtypes` by Keras 3's promotion rules (`keras.backend.result_type`).

    Args:
        *dtypes: dtypes (names, Python types `int`/`float`, NumPy or torch dtypes) or values
            (tensors, arrays; Python numbers count as weak, like the types `int`/`float`).
            `None` stands for `floatx()`.

    Returns:
        A Keras dtype name; `floatx()` for no arguments.

    Example:
        >>> result_type("int32", "float32"), result_type("int8", int), result_type("int8", float)
        ('float32', 'int8', 'float32')
    """
    if not dtypes:
        return floatx()
    pairs = tuple(_dtype_and_weakness(floatx() if d is None else d) for d in dtypes)
    key = (pairs, floatx())
    cached = _RESULT_CACHE.get(key)
    if cached is not None:
        return cached
    result = _promote(pairs, dtypes)
    if len(_RESULT_CACHE) < 4096:
        _RESULT_CACHE[key] = result
    return result


_RESULT_CACHE = {}


def _promote(pairs, dtypes):
    for name, _ in pairs:
        if name in FLOAT8_TYPES:
            raise ValueError(f"There is no implicit conversion from float8 dtypes to others; cast explicitly. "
                             f"Received: {dtypes}")
    names = [p[0] for p in pairs]
    weak = [p[1] for p in pairs]
    if len(names) == 1:
        out, out_weak = names[0], weak[0]
    elif len(set(names)) == 1 and not all(weak):
        out, out_weak = names[0], False
    elif all(weak):
        out, out_weak = _least_upper_bound(*sorted(set(names))), True
    else:
        out = _least_upper_bound(*sorted({_weak(n) if w else n for n, w in zip(names, weak)}))
        out_weak = out in WEAK_TYPES
    if out_weak and out != "bool":
        out = _resolve_weak(out, floatx()[-2:])
    return _TO_32_BITS.get(out, out)


# ---------------------------------------------------------------------------------------------
# Conversion.

def _flat_items(x):
    if isinstance(x, (list, tuple)):
        for item in x:
            yield from _flat_items(item)
    else:
        yield x


def convert_to_tensor(x, dtype=None, device=None, sparse=None, ragged=None):
    """A torch tensor from a tensor, NumPy array, Python scalar or (nested) list.

    Follows Keras's torch backend: torch tensors keep their device (cast when `dtype` is given),
    Python ints become int32 (int64 beyond 32 bits), Python floats `floatx()`, NumPy arrays keep
    their dtype, lists take the promoted dtype of their items, lists of tensors are stacked.

    Args:
        x: the value.
        dtype: optional target dtype (name, NumPy or torch dtype).
        device: optional device for values that are not already tensors (and to move tensors).
        sparse: must be falsy (torch has no Keras sparse tensors).
        ragged: must be falsy.

    Returns:
        A `torch.Tensor`.

    Example:
        >>> convert_to_tensor([1, 2]).dtype, convert_to_tensor(1.5).dtype
        (torch.int32, torch.float32)
    """
    if sparse:
        raise ValueError("convert_to_tensor: `sparse=True` is not supported by lamina (torch has no Keras "
                         "sparse tensors). Pass sparse=False or a dense value.")
    if ragged:
        raise ValueError("convert_to_tensor: `ragged=True` is not supported by lamina (torch has no ragged "
                         "tensors). Pad the values to a dense tensor.")
    torch_dtype = None if dtype is None else to_torch_dtype(dtype)
    if isinstance(x, torch.Tensor):
        out = x if torch_dtype is None or x.dtype == torch_dtype else x.to(torch_dtype)
        return out if device is None else out.to(device)
    value = getattr(x, "value", None)  # a Variable holding a tensor
    if isinstance(value, torch.Tensor) and not isinstance(x, np.ndarray):
        return convert_to_tensor(value, dtype, device)
    if _is_keras_tensor(x):
        raise ValueError(f"convert_to_tensor received the symbolic tensor {x!r}, which has no value. Call the "
                         f"op on it directly (ops functions accept symbolic tensors) or use it in a layer.")
    if isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic):
        if torch_dtype is None:
            if isinstance(x, bool):
                torch_dtype = torch.bool
            elif isinstance(x, int):
                torch_dtype = torch.int64 if x < -(2 ** 31) or x >= 2 ** 31 else torch.int32
            elif isinstance(x, float):
                torch_dtype = to_torch_dtype(floatx())
            else:
                torch_dtype = torch.complex64
        return torch.as_tensor(x, dtype=torch_dtype, device=device)
    if isinstance(x, (list, tuple)):
        items = list(_flat_items(x))
        if any(isinstance(item, torch.Tensor) for item in items):
            # Lists of tensors (at any depth) are stacked, keeping the tensors' device.
            parts = [convert_to_tensor(item, dtype, device) for item in x]
            if torch_dtype is None:
                torch_dtype = to_torch_dtype(result_type(*parts))
                parts = [p.to(torch_dtype) for p in parts]
            try:
                return torch.stack(parts)
            except RuntimeError as error:
                raise ValueError(f"convert_to_tensor could not stack the list of tensors with shapes "
                                 f"{[tuple(p.shape) for p in parts]}: {error}") from None
        if torch_dtype is None:
            torch_dtype = to_torch_dtype(result_type(*[getattr(i, "dtype", type(i)) for i in items])
                                         if items else floatx())
        try:
            return torch.as_tensor(np.array(x), dtype=torch_dtype, device=device)
        except (ValueError, TypeError) as error:
            raise ValueError(f"convert_to_tensor could not convert the list {_short(x)} to a tensor: {error}. "
                             f"Lists must be rectangular and hold numbers or tensors.") from None
    try:
        array = np.asarray(x)
    except Exception as error:  # noqa: BLE001 - any conversion failure gets the same explanation
        raise ValueError(f"convert_to_tensor cannot convert {_short(x)} of type {type(x).__name__} to a "
                         f"tensor: {error}") from None
    if array.dtype == object or array.dtype.kind in "USV":
        raise ValueError(f"convert_to_tensor cannot convert {_short(x)} of type {type(x).__name__} (NumPy dtype "
                         f"{array.dtype}) to a tensor; expected numbers, arrays or tensors.")
    if array.dtype == np.uint32:  # Keras's torch backend: no uint32 kernels
        array = array.astype(np.int64)
    elif array.dtype == np.uint16:
        array = array.astype(np.int32)
    elif array.dtype == np.uint64:
        array = array.astype(np.int64)
    if not array.flags["C_CONTIGUOUS"] or not array.flags["WRITEABLE"]:
        array = array.copy(order="C")  # (np.ascontiguousarray would turn a 0-d array into 1-d)
    out = torch.from_numpy(array)
    if torch_dtype is not None and out.dtype != torch_dtype:
        out = out.to(torch_dtype)
    return out if device is None else out.to(device)


def convert_to_numpy(x):
    """A NumPy array from a tensor (detached, copied to the CPU) or any array-like value.

    bfloat16 tensors become float32 arrays (NumPy has no bfloat16 without `ml_dtypes`).

    Example:
        >>> convert_to_numpy(torch.ones(2)).tolist()
        [1.0, 1.0]
    """
    if _is_keras_tensor(x):
        raise ValueError(f"convert_to_numpy received the symbolic tensor {x!r}, which has no value; call the "
                         f"model on real data to get values.")
    if isinstance(x, (list, tuple)):
        return np.array([convert_to_numpy(item) for item in x])
    value = getattr(x, "value", None)
    if isinstance(value, torch.Tensor) and not isinstance(x, torch.Tensor):
        x = value
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.device.type != "cpu":
            x = x.cpu()
        if x.dtype == torch.bfloat16:
            x = x.to(torch.float32)
        return x.numpy()
    return np.asarray(x)


def _is_keras_tensor(x):
    from lamina.graph.keras_tensor import KerasTensor

    return isinstance(x, KerasTensor)


def _short(value):
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."
