"""`lamina.quantizers`: Keras 3's `keras.quantizers` (quantizer functions, quantizers and configs).

Layers use these in `layer.quantize(mode)` / `model.quantize(mode)` (`Dense`, `EinsumDense`,
`Embedding`); `get`, `serialize` and `deserialize` move quantizers and configs to and from the
configs Keras writes (`{"module": "keras.quantizers", "class_name": ..., "config": ...}`).

Example:
    >>> q, scale = lamina.quantizers.abs_max_quantize(torch.tensor([[0.5, -1.0]]), axis=-1)
    >>> q.tolist()
    [[63, -127]]
"""

import inspect

from lamina.quantizers.quantization_config import (AWQConfig, Float8QuantizationConfig, GPTQConfig,
                                                   Int4QuantizationConfig, Int8QuantizationConfig,
                                                   QuantizationConfig)
from lamina.quantizers.quantizers import (AbsMaxQuantizer, Quantizer, abs_max_quantize,
                                          abs_max_quantize_grouped_with_zero_point, compute_float8_amax_history,
                                          compute_float8_scale, fake_quant_with_min_max_vars, pack_int4,
                                          quantize_and_dequantize, unpack_int4)

__all__ = [
    "AWQConfig", "AbsMaxQuantizer", "Float8QuantizationConfig", "GPTQConfig", "Int4QuantizationConfig",
    "Int8QuantizationConfig", "QuantizationConfig", "Quantizer", "abs_max_quantize",
    "abs_max_quantize_grouped_with_zero_point", "compute_float8_amax_history", "compute_float8_scale",
    "deserialize", "fake_quant_with_min_max_vars", "get", "pack_int4", "quantize_and_dequantize", "serialize",
    "unpack_int4",
]

_ALL_OBJECTS = (Quantizer, AbsMaxQuantizer, QuantizationConfig, Int8QuantizationConfig, Int4QuantizationConfig,
                Float8QuantizationConfig, GPTQConfig, AWQConfig)


def _snake(name):
    from lamina.backend import to_snake_case

    return to_snake_case(name)


def _objects():
    table = {cls.__name__: cls for cls in _ALL_OBJECTS}
    table.update({_snake(cls.__name__): cls for cls in _ALL_OBJECTS})
    return table


def serialize(initializer):
    """The Keras config dict of a quantizer or quantization config (None stays None).

    Example:
        >>> serialize(AbsMaxQuantizer())["class_name"]
        'AbsMaxQuantizer'
    """
    if initializer is None:
        return None
    if not hasattr(initializer, "get_config"):
        raise TypeError(f"quantizers.serialize expects a Quantizer or QuantizationConfig; received {initializer!r}.")
    from lamina.saving import registration

    registered = registration.get_registered_name(type(initializer))
    builtin = type(initializer) in _ALL_OBJECTS
    return {"module": "keras.quantizers" if builtin else type(initializer).__module__,
            "class_name": type(initializer).__name__, "config": _plain(initializer.get_config()),
            "registered_name": None if builtin else registered}


def _plain(value):
    # configs hold tuples (value_range, axis); Keras's JSON holds lists
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def deserialize(config, custom_objects=None):
    """A quantizer or quantization config from its Keras config dict.

    Args:
        config: `{"class_name": ..., "config": {...}}` (as `serialize` or Keras writes it).
        custom_objects: optional `{name: class}` for custom quantizers.
    """
    if config is None:
        return None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"quantizers.deserialize expects a dict with 'class_name' and 'config'; received {config!r}.")
    from lamina.saving import registration

    known = {**_objects(), **registration.get_custom_objects(), **(custom_objects or {})}
    name = config["class_name"]
    cls = known.get(config.get("registered_name") or name) or known.get(name)
    if cls is None:
        raise ValueError(f"Unknown quantizer class {name!r}. Expected one of {sorted(c.__name__ for c in _ALL_OBJECTS)} "
                         "or a class passed in custom_objects / registered with register_keras_serializable.")
    inner = dict(config.get("config") or {})
    if "value_range" in inner and isinstance(inner["value_range"], list):
        inner["value_range"] = tuple(inner["value_range"])
    return cls.from_config(inner)


def get(identifier, **kwargs):
    """A quantizer or config from a name, a config dict or an instance (None stays None).

    Example:
        >>> type(get("abs_max_quantizer")).__name__
        'AbsMaxQuantizer'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _objects().get(identifier)
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj(**kwargs)
        return obj
    raise ValueError(f"Could not interpret quantizer identifier: {identifier}")
