"""Keras 2's object serialization (`keras.legacy.saving` / `keras.utils.legacy` in Keras 3).

Keras 2 configs are `{"class_name": ..., "config": {...}}` with no `module` or
`registered_name`. Deserializing looks a class up by name in `custom_objects`, the active
`custom_object_scope`, the registry of `register_keras_serializable`, `module_objects`, then
lamina's public layers, losses, metrics, optimizers, activations, initializers, regularizers and
constraints. Nothing is imported by module name, so no file can make this run arbitrary code.
"""

import inspect

from lamina.saving import registration

__all__ = ["serialize_keras_object", "deserialize_keras_object"]


def serialize_keras_object(instance):
    """The Keras 2 config of `instance`: `{"class_name", "config"}`, or a function's registered name.

    Args:
        instance: an object with `get_config()`, a function or class, or None.

    Returns:
        A dict, a string (functions and classes) or None.

    Example:
        >>> serialize_keras_object(lamina.layers.Dense(2))["class_name"]
        'Dense'
    """
    if instance is None:
        return None
    if hasattr(instance, "get_config") and not inspect.isclass(instance):
        return {"class_name": registration.get_registered_name(type(instance)), "config": instance.get_config()}
    if hasattr(instance, "__name__"):
        return registration.get_registered_name(instance)
    raise ValueError(f"serialize_keras_object: cannot serialize {instance!r} ({type(instance).__name__}): it has "
                     f"no get_config() and is not a named function or class.")


def _public_lamina_objects():
    from lamina import activations, constraints, initializers, layers, losses, metrics, optimizers, regularizers

    found = {}
    for module in (constraints, regularizers, initializers, activations, optimizers, metrics, losses, layers):
        for name in getattr(module, "__all__", ()):
            found.setdefault(name, getattr(module, name, None))
    return found


def _lookup(name, module_objects, custom_objects):
    for mapping in (custom_objects or {}, registration.get_custom_objects()):
        if name in mapping:
            return mapping[name]
    found = registration.get_registered_object(name)
    if found is not None:
        return found
    if module_objects and name in module_objects:
        return module_objects[name]
    return _public_lamina_objects().get(name)


def _unknown(kind, name):
    return ValueError(f"Unknown {kind}: '{name}'. Please ensure you are using a "
                      f"`keras.utils.custom_object_scope` and that this object is included in the scope, or "
                      f"pass it in `custom_objects` (or decorate it with @keras.saving.register_keras_serializable).")


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None, printable_module_name="object"):
    """The object a Keras 2 config (or name) describes.

    Args:
        identifier: a `{"class_name", "config"}` dict, a name, a callable (returned as is) or None.
        module_objects: `{name: class_or_function}` to look names up in.
        custom_objects: `{name: class_or_function}` looked up first.
        printable_module_name: what the object is, for error messages (e.g. "layer").

    Returns:
        The instance (dict), or the function/instance a name refers to (a named class is
        instantiated without arguments, as Keras 2 did).

    Raises:
        ValueError: an unknown name or a malformed config.

    Example:
        >>> deserialize_keras_object({"class_name": "Dense", "config": {"units": 2}}).units
        2
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        if "class_name" not in identifier or "config" not in identifier:
            raise ValueError(f"Improper config format for {printable_module_name}: {identifier!r}. Expected a "
                             f"dict with 'class_name' and 'config'.")
        name = identifier["class_name"]
        cls = _lookup(name, module_objects, custom_objects)
        if cls is None:
            raise _unknown(printable_module_name, name)
        config = identifier["config"]
        if not hasattr(cls, "from_config"):
            return cls(**config) if isinstance(config, dict) else cls(config)
        parameters = inspect.signature(cls.from_config).parameters
        if "custom_objects" in parameters:
            with registration.custom_object_scope(custom_objects or {}):
                return cls.from_config(config, custom_objects={**(module_objects or {}), **(custom_objects or {})})
        with registration.custom_object_scope(custom_objects or {}):
            return cls.from_config(config)
    if isinstance(identifier, str):
        obj = _lookup(identifier, module_objects, custom_objects)
        if obj is None:
            raise _unknown(printable_module_name, identifier)
        return obj() if inspect.isclass(obj) else obj
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret serialized {printable_module_name}: {identifier!r}.")
