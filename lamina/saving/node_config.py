"""Arguments of graph nodes (`inbound_nodes`) in Keras's format, both ways.

A symbolic tensor argument is written as
`{"class_name": "__keras_tensor__", "config": {"shape", "dtype", "keras_history": [layer, node, index]}}`;
slices and `...` (from `x[:, 1:]`) as `__slice__` / `__ellipsis__`; constant tensors and arrays
passed to ops (`ops.slice_update(x, (0, 0), ops.zeros((1, 4)))`) as `__tensor__` / `__numpy__`
holding their values and dtype, as Keras writes them.
"""

import numpy as np
import torch

from lamina import backend
from lamina.graph.keras_tensor import KerasTensor
from lamina.saving.errors import LoadError, SavingError, short_repr

__all__ = ["serialize_node_value", "deserialize_node_value"]

_PLAIN = (str, int, float, bool, type(None))


def serialize_node_value(value, tensor_config, where):
    """JSON form of a call argument; `tensor_config(kt)` gives `[layer, node, index]`."""
    if isinstance(value, KerasTensor):
        return {"class_name": "__keras_tensor__", "config": {
            "shape": list(value.shape), "dtype": backend.dtype_name(value.dtype),
            "keras_history": tensor_config(value)}}
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, (list, tuple)):
        return [serialize_node_value(v, tensor_config, where) for v in value]
    if isinstance(value, dict):
        return {str(k): serialize_node_value(v, tensor_config, where) for k, v in value.items()}
    if isinstance(value, slice):
        return {"class_name": "__slice__", "config": {
            "start": serialize_node_value(value.start, tensor_config, where),
            "stop": serialize_node_value(value.stop, tensor_config, where),
            "step": serialize_node_value(value.step, tensor_config, where)}}
    if value is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(value, torch.Tensor):
        from lamina.ops._dtypes import convert_to_numpy, standardize_dtype

        return {"class_name": "__tensor__", "config": {"value": convert_to_numpy(value).tolist(),
                                                       "dtype": standardize_dtype(value.dtype)}}
    if isinstance(value, np.ndarray) and value.ndim > 0 and value.dtype.kind in "biufc":
        from lamina.ops._dtypes import standardize_dtype

        return {"class_name": "__numpy__", "config": {"value": value.tolist(), "dtype": standardize_dtype(value.dtype)}}
    if isinstance(value, (np.generic, np.ndarray)) and np.ndim(value) == 0 and np.asarray(value).dtype.kind in "biuf":
        return value.item()
    raise SavingError(
        f"Cannot save the call of {where}: one of its arguments is a {type(value).__name__} ({value!r}), "
        f"which the Keras format cannot store. Pass plain values (numbers, strings, lists) or make it a "
        f"constructor argument of the layer."
    )


def deserialize_node_value(value, get_tensor, depth=0):
    """Inverse of `serialize_node_value`; `get_tensor(name, node, index)` resolves histories.

    `get_tensor` raises `_NotReady` when the producing node has not been rebuilt yet.
    """
    if depth > 64:
        raise LoadError("A node argument in the config is nested more than 64 levels deep; the file is corrupt.")
    if isinstance(value, list):
        return [deserialize_node_value(v, get_tensor, depth + 1) for v in value]
    if isinstance(value, dict):
        kind = value.get("class_name")
        config = value.get("config")
        if kind == "__keras_tensor__":
            history = config.get("keras_history") if isinstance(config, dict) else None
            if not (isinstance(history, list) and len(history) == 3 and isinstance(history[0], str)
                    and isinstance(history[1], int) and isinstance(history[2], int)):
                raise LoadError(f"A __keras_tensor__ in the config has a malformed keras_history: "
                                f"{short_repr(history)}.")
            return get_tensor(*history)
        if kind == "__slice__" and isinstance(config, dict):
            return slice(*(deserialize_node_value(config.get(k), get_tensor, depth + 1)
                           for k in ("start", "stop", "step")))
        if kind == "__ellipsis__":
            return Ellipsis
        if kind in ("__tensor__", "__numpy__") and isinstance(config, dict):
            return _constant(kind, config)
        if kind in ("__lambda__", "__tensor__", "__numpy__", "__bytes__", "__typespec__"):
            raise LoadError(f"A node argument of kind {short_repr(kind)} is not supported by lamina's loader.")
        return {k: deserialize_node_value(v, get_tensor, depth + 1) for k, v in value.items()}
    if isinstance(value, _PLAIN):
        return value
    raise LoadError(f"Unexpected node argument {short_repr(value)} in the config.")


def _constant(kind, config):
    """A `__tensor__` / `__numpy__` value: numbers only, in one of Keras's numeric dtypes."""
    from lamina.ops._dtypes import standardize_dtype, to_torch_dtype

    try:
        dtype = standardize_dtype(config.get("dtype"))
        if dtype == "string":
            raise ValueError("string constants are not supported")
        array = np.array(config.get("value"), dtype="float32" if dtype == "bfloat16" else dtype)
        if array.dtype.kind not in "biufc":
            raise ValueError(f"values of kind {array.dtype.kind!r}")
    except (ValueError, TypeError) as error:
        raise LoadError(f"A {kind} node argument in the config is malformed ({error}); expected numbers and a "
                        f"numeric dtype.") from None
    if kind == "__numpy__":
        return array
    return torch.as_tensor(array).to(to_torch_dtype(dtype))
