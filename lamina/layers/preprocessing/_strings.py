"""How string data flows through lamina's preprocessing layers.

torch has no string tensor, so strings stay NumPy arrays (dtype `str_`/`object`) or Python lists
until a layer maps them to numbers: `TextVectorization`, `StringLookup`, `Hashing` accept them and
return integer/float `torch.Tensor`s. `Layer.__call__` passes string arrays through untouched; every
numeric layer still refuses them (torch cannot convert them, and the error names the layer).

This module holds the small helpers those layers share: recognising string data, turning any
accepted input into a NumPy array of Python `str`, and the device an output tensor goes to.
"""

import numpy as np
import torch

__all__ = ["is_string_array", "as_string_array", "output_device"]


def is_string_array(value) -> bool:
    """True for NumPy arrays of str/bytes/objects, and (nested) lists/tuples whose first leaf is a str."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "USO"
    if isinstance(value, (list, tuple)) and value:
        first = value[0]
        while isinstance(first, (list, tuple)) and first:
            first = first[0]
        return isinstance(first, (str, bytes))
    return isinstance(value, (str, bytes))


def _decode(item):
    if isinstance(item, bytes):
        return item.decode("utf-8")
    if isinstance(item, str):
        return item
    if isinstance(item, np.ndarray) and item.ndim == 0:
        return _decode(item.item())
    raise TypeError(f"expected a string, received {type(item).__name__} {item!r}")


def as_string_array(value, layer_name):
    """Any string input (array, list, scalar str, bytes) as an `object` array of Python `str`."""
    array = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
    if array.dtype.kind not in "USO":
        raise TypeError(f"Layer '{layer_name}' expects string inputs (a NumPy array of str or a list "
                        f"of str); received an array of dtype {array.dtype}.")
    out = np.empty(array.shape, dtype=object)
    flat_in, flat_out = array.reshape(-1), out.reshape(-1)
    try:
        for i, item in enumerate(flat_in):
            flat_out[i] = _decode(item)
    except TypeError as error:
        raise TypeError(f"Layer '{layer_name}' expects string inputs; {error}. Pass a NumPy array "
                        f"of str or a list of str.") from None
    return out


def output_device(layer, inputs=None):
    """The device of a tensor input, else the layer's own (its buffers), else torch's default."""
    if isinstance(inputs, torch.Tensor):
        return inputs.device
    for buffer in layer.buffers():
        return buffer.device
    return torch.get_default_device()


_INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool")


def pop_integer_dtype(kwargs):
    """Removes an integer `dtype` (a name or Keras's serialized DTypePolicy) from `kwargs` and
    returns its name, else None. Keras gives these layers integer dtypes (e.g. Hashing's "int64");
    lamina's dtype policies are floating point, so the layer keeps the integer output dtype itself."""
    dtype = kwargs.get("dtype")
    name = dtype
    if isinstance(dtype, dict):
        name = (dtype.get("config") or {}).get("name")
    elif dtype is not None and not isinstance(dtype, str):
        name = str(dtype).replace("torch.", "")
    if isinstance(name, str) and name in _INT_DTYPES:
        kwargs.pop("dtype")
        return name
    return None


def serialize_dtype(name):
    """A dtype name in Keras's config form (a DTypePolicy dict)."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}
