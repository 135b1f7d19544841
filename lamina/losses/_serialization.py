"""Keras-format (de)serialization of losses, metrics and their functions.

A serialized object is the dict Keras 3 writes into `.keras` files:
`{"module", "class_name", "config", "registered_name"}`. Built-in objects are
written under the public Keras module name (`keras.losses`, `keras.metrics`) so
that files move both ways between Keras and lamina.
"""

import inspect

__all__ = ["deserialize_object", "serialize_object"]


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
        module = public_module if _is_builtin(obj) else obj.__module__
        name = obj.__name__
        return {
            "module": module,
            "class_name": "function",
            "config": name,
            "registered_name": name,
        }
    if not hasattr(obj, "get_config"):
        raise ValueError(
            f"Cannot serialize {obj!r}: expected a function or an object with a "
            "`get_config()` method."
        )
    cls = type(obj)
    builtin = _is_builtin(cls)
    return {
        "module": public_module if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": obj.get_config(),
        "registered_name": None if builtin else _registered_name(cls),
    }


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
        obj = custom_objects.get(config, module_objects.get(config))
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
        obj = None
        for key in (registered, name):
            if key is not None and obj is None:
                obj = custom_objects.get(key)
        if obj is None:
            obj = module_objects.get(name)
        if obj is None:
            raise _unknown(kind, name, module_objects)
        return obj
    cls = None
    for key in (registered, class_name):
        if key is not None and cls is None:
            cls = custom_objects.get(key)
    if cls is None:
        cls = module_objects.get(class_name)
    if cls is None:
        raise _unknown(kind, class_name, module_objects)
    if not inspect.isclass(cls):
        return cls
    return cls.from_config(dict(inner or {}))


def _unknown(kind, name, module_objects):
    valid = ", ".join(sorted(k for k in module_objects))
    return ValueError(
        f"Could not interpret {kind} identifier: {name!r}. Expected one of the "
        f"built-in names [{valid}], a serialized dict, a callable or an instance. "
        f"For a custom {kind}, pass it directly or through `custom_objects`."
    )
