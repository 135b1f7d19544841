"""Keras-format (de)serialization of losses, metrics and their functions.

A serialized object is the dict Keras 3 writes into `.keras` files:
`{"module", "class_name", "config", "registered_name"}`. Built-in objects are
written under the public Keras module name (`keras.losses`, `keras.metrics`) so
that files move both ways between Keras and lamina.
"""

import inspect

from lamina.utils.serialization import serialize_function, serialize_public_object

__all__ = ["deserialize_object", "get_object", "serialize_object"]


def _is_builtin(obj_or_cls):
    return getattr(obj_or_cls, "__module__", "").startswith("lamina.")


def _registered_name(obj_or_cls):
    # Keras falls back to the bare name for objects that were not registered.
    return getattr(obj_or_cls, "_registered_name", None) or obj_or_cls.__name__


def serialize_object(obj, public_module):
    """Serializes a function or an object with `get_config` to a Keras dict.

    Args:
        obj: a function (e.g. `mean_squared_error`) or an instance with
            `get_config()`.
        public_module: the Keras module name used for lamina built-ins, e.g.
            `"keras.losses"`.

    Returns:
        The serialized dict, or `None` when `obj` is `None`.

    Example:
        >>> from lamina.losses import mean_squared_error
        >>> serialize_object(mean_squared_error, "keras.losses")["config"]
        'mean_squared_error'
    """
    if obj is None:
        return None
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        if obj.__name__ == "<lambda>":
            raise ValueError(
                "Cannot serialize a lambda function. Define it with `def` (and pass "
                "it through `custom_objects` when loading) instead of "
                f"received {obj!r}."
            )
        return serialize_function(obj, module=public_module if _is_builtin(obj) else obj.__module__)
    if not hasattr(obj, "get_config"):
        raise ValueError(
            f"Cannot serialize {obj!r}: expected a function or an object with a "
            "`get_config()` method."
        )
    return serialize_public_object(obj, public_module, registered_name=_registered_name(type(obj)))


def deserialize_object(config, module_objects, custom_objects=None, kind="object"):
    """Rebuilds a function or object from a serialized Keras dict or a name.

    Args:
        config: a dict as written by `serialize_object` (or Keras), a legacy
            `{"class_name", "config"}` dict, or a string name.
        module_objects: dict of built-in names to classes/functions.
        custom_objects: optional dict of user names to classes/functions; looked
            up first, by `registered_name` and then by `class_name`.
        kind: what is being deserialized ("loss", "metric", ...), for messages.

    Returns:
        The function, or an instance built with `cls.from_config(config)`.

    Raises:
        ValueError: if the name is unknown or the dict is malformed.
    """
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        obj = _find(custom_objects, module_objects, None, config)
        if obj is None:
            raise _unknown(kind, config, module_objects)
        return obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Could not deserialize {kind}: expected a string name or a dict with "
            f"keys 'class_name' and 'config', but received {config!r}."
        )
    class_name = config["class_name"]
    inner = config.get("config")
    registered = config.get("registered_name")
    if class_name == "__lambda__":
        raise ValueError(
            f"Refusing to deserialize a lambda {kind}: lambdas carry Python bytecode. "
            "Define the function with `def` and pass it via `custom_objects`."
        )
    if class_name == "function":
        name = inner if isinstance(inner, str) else registered
        obj = _find(custom_objects, module_objects, registered, name)
        if obj is None:
            raise _unknown(kind, name, module_objects)
        return obj
    cls = _find(custom_objects, module_objects, registered, class_name)
    if cls is None:
        raise _unknown(kind, class_name, module_objects)
    if not inspect.isclass(cls):
        return cls
    return cls.from_config(dict(inner or {}))


def _find(custom_objects, module_objects, registered, name):
    """A custom object by `registered` name, then by `name` (in `custom_objects`, the active
    `custom_object_scope`s and the `register_keras_serializable` registry); else the built-in `name`."""
    from lamina.saving.registration import get_registered_object

    for key in (registered, name):
        if key is not None and key != "function":
            found = get_registered_object(key, custom_objects)
            if found is not None:
                return found
    return module_objects.get(name)


def _unknown(kind, name, module_objects):
    valid = ", ".join(sorted(k for k in module_objects))
    return ValueError(
        f"Could not interpret {kind} identifier: {name!r}. Expected one of the "
        f"built-in names [{valid}], a serialized dict, a callable or an instance. "
        f"For a custom {kind}, pass it directly or through `custom_objects`."
    )


def get_object(identifier, lookup, deserialize, kind, instance_kind, valid_names, hint):
    """Keras `losses.get` / `metrics.get`: `None`, a name, a serialized dict, a class or a callable.

    Args:
        identifier: what the user passed.
        lookup: `name -> object or None` for string identifiers.
        deserialize: the package's `deserialize`, for dicts.
        kind: "loss" or "metric", for messages.
        instance_kind: "Loss" or "Metric", for messages.
        valid_names: `() -> str`, the names listed when a string is unknown.
        hint: the sentence that follows the list of valid names.

    Returns:
        The callable (classes are instantiated with their defaults), or `None` for `None`.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = lookup(identifier)
        if obj is None:
            raise ValueError(
                f"Could not interpret {kind} identifier: {identifier!r}. Valid names are: "
                f"[{valid_names()}]. {hint}"
            )
    else:
        obj = identifier
    if inspect.isclass(obj):
        obj = obj()
    if callable(obj):
        return obj
    raise ValueError(
        f"Could not interpret {kind} identifier: {identifier!r}. Expected a name, a "
        f"serialized dict, a {instance_kind} instance or a callable `fn(y_true, y_pred)`."
    )
