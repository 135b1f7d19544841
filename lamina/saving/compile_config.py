"""`compile()` arguments <-> the `compile_config` of a `.keras` file, as Keras 3 writes it.

Keras stores each argument as given, with every object serialized in place: a
string stays a string (`"adam"`, `"mse"`), an object becomes
`{"module", "class_name", "config", "registered_name"}` (e.g.
`{"module": "keras.losses", "class_name": "SparseCategoricalCrossentropy", ...}`),
and lists and per-output dicts keep their shape. Both directions walk that
structure, so loss/metric/optimizer objects, plain functions and registered
custom classes all survive a save, and files Keras writes load here.
"""

from lamina.saving import registration

__all__ = ["deserialize_compile_args", "serialize_compile_args"]


def _kinds():
    # Imported lazily: the saving package must not import the training stack at import time.
    from lamina import losses, metrics, optimizers

    return {"optimizer": optimizers, "loss": losses, "metrics": metrics, "weighted_metrics": metrics}


def serialize_compile_args(args):
    """The JSON-ready `compile_config` of `compile(**args)`.

    Example:
        >>> serialize_compile_args({"optimizer": Adam(), "loss": "mse"})["optimizer"]["class_name"]
        'Adam'
    """
    kinds = _kinds()
    config = {}
    for key, value in args.items():
        kind = kinds.get(key)
        config[key] = _serialize(value, kind.serialize, key) if kind is not None else value
    return config


def _serialize(value, serialize, key):
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {name: _serialize(item, serialize, key) for name, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize(item, serialize, key) for item in value]
    try:
        return serialize(value)
    except (ValueError, TypeError) as error:
        raise ValueError(f"compile(..., {key}=...) holds {value!r}, which cannot be saved: {error}") from error


def deserialize_compile_args(config, custom_objects=None):
    """`compile()` keyword arguments from a stored `compile_config` (lamina's or Keras's).

    Args:
        config: the `compile_config` dict.
        custom_objects: names of custom losses, metrics or optimizers (also found
            through `custom_object_scope` and `register_serializable`).
    """
    known = {**_registered(), **registration.get_custom_objects(), **(custom_objects or {})}
    kinds = _kinds()
    args = {}
    for key, value in config.items():
        kind = kinds.get(key)
        if kind is None:
            args[key] = value
        else:
            args[key] = _deserialize(value, lambda entry, kind=kind: kind.deserialize(entry, known))
    return args


def _registered():
    mapping = dict(registration._GLOBAL_REGISTRY)
    # A custom object is saved with registered_name "package>Name" or, unregistered, its class name.
    mapping.update({key.split(">", 1)[1]: obj for key, obj in registration._GLOBAL_REGISTRY.items()
                    if ">" in key})
    return mapping


def _deserialize(value, deserialize):
    if isinstance(value, dict):
        if "class_name" in value and "config" in value:
            return deserialize(value)
        return {name: _deserialize(item, deserialize) for name, item in value.items()}
    if isinstance(value, list):
        return [_deserialize(item, deserialize) for item in value]
    return value
