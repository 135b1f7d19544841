"""`lamina.dtype_policies`: Keras 3's `keras.dtype_policies` (11 names).

`DTypePolicy` is lamina's policy object (the same class as `lamina.mixed_precision.DTypePolicy`);
`FloatDTypePolicy` is Keras's alias of it; the quantized policies make `Dense`, `EinsumDense`
and `Embedding` store quantized weights; `get`, `serialize` and
`deserialize` convert between names, configs and objects.

Example:
    >>> lamina.dtype_policies.get("mixed_bfloat16").compute_dtype
    'bfloat16'
"""

from lamina.dtype_policies.policy_map import DTypePolicyMap
from lamina.dtype_policies.quantized import (QUANTIZATION_MODES, AWQDTypePolicy, GPTQDTypePolicy,
                                             Int4DTypePolicy, QuantizedDTypePolicy,
                                             QuantizedFloat8DTypePolicy, policy_from_name)
from lamina.mixed_precision.policy import DTypePolicy, global_policy


class FloatDTypePolicy(DTypePolicy):
    """Keras's alias of `DTypePolicy` (kept by Keras for older code)."""


__all__ = [
    "AWQDTypePolicy", "DTypePolicy", "DTypePolicyMap", "FloatDTypePolicy", "GPTQDTypePolicy",
    "Int4DTypePolicy", "QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy", "deserialize", "get",
    "serialize",
]

_CLASSES = {cls.__name__: cls for cls in (
    DTypePolicy, FloatDTypePolicy, QuantizedDTypePolicy, QuantizedFloat8DTypePolicy, Int4DTypePolicy,
    GPTQDTypePolicy, AWQDTypePolicy, DTypePolicyMap)}


def serialize(dtype_policy):
    """The Keras config dict of a policy (as `.keras` files store it).

    Example:
        >>> serialize(DTypePolicy("float16"))["config"]
        {'name': 'float16'}
    """
    if not isinstance(dtype_policy, (DTypePolicy, DTypePolicyMap)):
        raise TypeError(
            f"dtype_policies.serialize expects a DTypePolicy or DTypePolicyMap. Received: {dtype_policy!r}."
        )
    # Keras writes its quantized policies from their own module, float policies from "keras".
    module = "keras.dtype_policies" if isinstance(dtype_policy, QuantizedDTypePolicy) else "keras"
    return {"module": module, "class_name": type(dtype_policy).__name__, "config": dtype_policy.get_config(),
            "registered_name": None}


def deserialize(config, custom_objects=None):
    """A policy object from a config dict produced by `serialize` (or by Keras).

    Args:
        config: `{"class_name": ..., "config": {...}}`.
        custom_objects: optional dict of extra policy classes by name.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "dtype_policies.deserialize expects a dict with 'class_name' and 'config'. "
            f"Received: {config!r}."
        )
    classes = {**_CLASSES, **(custom_objects or {})}
    cls = classes.get(config["class_name"])
    if cls is None:
        raise ValueError(
            f"Unknown dtype policy class {config['class_name']!r}. Expected one of {sorted(_CLASSES)}."
        )
    inner = config.get("config") or {}
    if hasattr(cls, "from_config"):
        if cls is DTypePolicyMap:
            return cls.from_config(inner, custom_objects)
        return cls(**inner) if issubclass(cls, QuantizedDTypePolicy) else cls.from_config(inner)
    return cls(**inner)


def get(identifier):
    """A `DTypePolicy` from a name, a config dict, a dtype, a policy (returned as is) or None
    (the global policy).

    Example:
        >>> get("int8_from_float32")
        <QuantizedDTypePolicy "int8_from_float32">
    """
    if identifier is None:
        return global_policy()
    if isinstance(identifier, (DTypePolicy, DTypePolicyMap)):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.startswith(QUANTIZATION_MODES):
            return policy_from_name(identifier)
        return DTypePolicy(identifier)
    try:
        from lamina.backend.dtypes import dtype_name

        return DTypePolicy(dtype_name(identifier))
    except (ValueError, TypeError):
        raise ValueError(
            "Cannot interpret `dtype` argument. Expected a string or an instance of DTypePolicy. "
            f"Received: dtype={identifier!r}"
        ) from None
