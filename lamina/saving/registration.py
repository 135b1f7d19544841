"""Registering custom classes so saved configs can find them again.

A config names a class by `module`, `class_name` and `registered_name`
(`"package>Name"` for registered classes, as Keras writes it). Lookup order
when loading: `custom_objects=` passed to the loader, the active
`custom_object_scope`s, the global registry filled by `register_serializable`.
"""

import threading

__all__ = [
    "register_serializable", "get_registered_object", "get_registered_name", "CustomObjectScope",
    "custom_object_scope", "get_custom_objects",
]

_GLOBAL_REGISTRY = {}  # "package>Name" -> class or function
_NAMES = {}  # class or function -> "package>Name"
_SCOPES = threading.local()


def register_serializable(package="Custom", name=None):
    """Class/function decorator: makes the object loadable by its registered name.

    Args:
        package: namespace of the name (avoids clashes between libraries).
        name: defaults to the class or function name.

    The object is saved with `registered_name = "package>name"` and found by it
    when loading, whatever module it lives in.

    Example:
        >>> @register_serializable(package="my_lib")
        ... class Scale(lamina.layers.Layer): ...
        >>> get_registered_name(Scale)
        'my_lib>Scale'
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_serializable: package must be a string without '>', received {package!r}.")

    def decorator(obj):
        key = f"{package}>{name or obj.__name__}"
        previous = _GLOBAL_REGISTRY.get(key)
        if previous is not None and previous is not obj and getattr(previous, "__qualname__", None) != \
                getattr(obj, "__qualname__", None):
            raise ValueError(
                f"register_serializable: {key!r} is already registered for {previous!r}; choose another "
                f"package= or name= for {obj!r}."
            )
        _GLOBAL_REGISTRY[key] = obj
        _NAMES[obj] = key
        return obj

    return decorator


def get_registered_name(obj) -> str:
    """The name `obj` is saved under: `"package>Name"` if registered, else its `__name__`."""
    return _NAMES.get(obj, getattr(obj, "__name__", None))


def get_custom_objects() -> dict:
    """The merged mapping of the active `custom_object_scope`s (innermost wins)."""
    merged = {}
    for scope in getattr(_SCOPES, "stack", []):
        merged.update(scope)
    return merged


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Finds a class or function by name: `custom_objects`, scopes, then the registry.

    Returns None when nothing matches.
    """
    if name is None:
        return None
    for mapping in (custom_objects or {}, get_custom_objects(), _GLOBAL_REGISTRY, module_objects or {}):
        if name in mapping:
            return mapping[name]
    return None


class CustomObjectScope:
    """Context manager making `{name: class_or_function}` visible to every loader inside it.

    Args:
        custom_objects: dict `{name: class_or_function}` (None: empty). Further dicts may follow
            positionally (Keras 2 accepted several); later ones win.

    Example:
        >>> with CustomObjectScope({"Scale": Scale}):
        ...     model = lamina.saving.load_model("m.keras")
    """

    def __init__(self, custom_objects, *more_custom_objects):
        self.objects = {}
        for mapping in (custom_objects,) + more_custom_objects:
            if mapping is None:
                continue
            if not isinstance(mapping, dict):
                raise TypeError(f"CustomObjectScope: `custom_objects` must be a dict of name -> class or "
                                f"function, received {type(mapping).__name__} {mapping!r}. Pass e.g. "
                                f"{{'MyLayer': MyLayer}}.")
            self.objects.update(mapping)
        self.custom_objects = self.objects  # Keras's attribute name

    def __enter__(self):
        if not hasattr(_SCOPES, "stack"):
            _SCOPES.stack = []
        _SCOPES.stack.append(self.objects)
        return self

    def __exit__(self, *exc):
        _SCOPES.stack.pop()


custom_object_scope = CustomObjectScope
