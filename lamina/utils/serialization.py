"""Keras-format config dicts for lamina objects, and the way back.

Keras 3 writes every configurable object (initializer, regularizer, layer...) as
`{"module", "class_name", "config", "registered_name"}` and every plain
function as `{"module", "class_name": "function", "config": <name>,
"registered_name": <name>}`. This module produces and reads that format. It is
deliberately generic: each kind of object (activations, initializers, ...) keeps
its own registry of built-in names in its own package and passes it in here, so
the saving subsystem can add custom-object lookup in one place.

Example:
    >>> from lamina import initializers
    >>> serialize_keras_object(initializers.Zeros(), module="keras.initializers")
    {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}
"""

from __future__ import annotations

import difflib
import inspect
import types
from collections.abc import Callable, Mapping

__all__ = [
    "serialize_keras_object",
    "serialize_public_object",
    "serialize_function",
    "deserialize_from_registry",
    "unknown_name_message",
    "is_plain_function",
]

# Values that JSON stores as-is and Keras passes through `serialize_keras_object` unchanged.
_PLAIN_TYPES = (str, int, float, bool)


def serialize_keras_object(obj, module: str | None = None, registered_name: str | None = None):
    """Returns the Keras config dict of an object that has `get_config()`.

    Args:
        obj: The object; `None` and plain JSON scalars are returned unchanged.
        module: The Keras module to record (`"keras.initializers"` for built-ins).
            Defaults to the Python module of the object's class, which is what
            Keras records for custom classes.
        registered_name: The name a loader looks the class up by. Built-ins use
            `None`; for custom classes it defaults to the class name.

    Returns:
        `{"module", "class_name", "config", "registered_name"}`.

    Example:
        >>> serialize_keras_object(L2(0.1), module="keras.regularizers")["config"]
        {'l2': 0.1}
    """
    if obj is None or isinstance(obj, _PLAIN_TYPES):
        return obj
    get_config = getattr(obj, "get_config", None)
    if get_config is None or not callable(get_config):
        raise TypeError(
            f"Cannot serialize {obj!r}: expected an object with a `get_config()` method, "
            f"received an instance of `{type(obj).__name__}`. Add `get_config()` returning "
            "the constructor arguments as a dict."
        )
    cls = type(obj)
    if module is None:
        module = cls.__module__
        if registered_name is None:
            registered_name = cls.__name__
    return {
        "module": module,
        "class_name": cls.__name__,
        "config": get_config(),
        "registered_name": registered_name,
    }


def serialize_public_object(obj, public_module: str, registered_name: str | None = None):
    """`serialize_keras_object` for a kind whose built-ins Keras writes under a public module.

    lamina's own classes are written under `public_module` (`"keras.optimizers"`) with no
    registered name, as Keras writes its built-ins; any other class under its Python module with
    `registered_name` (default: the class name).

    Example:
        >>> serialize_public_object(Adam(), "keras.optimizers")["module"]
        'keras.optimizers'
    """
    cls = type(obj)
    if cls.__module__.startswith("lamina."):
        return serialize_keras_object(obj, module=public_module, registered_name=None)
    return serialize_keras_object(obj, module=cls.__module__, registered_name=registered_name or cls.__name__)


def serialize_function(fn: Callable, module: str | None = None) -> dict:
    """Returns the Keras config dict of a named function (a custom activation, say).

    Args:
        fn: A function defined with `def` (lambdas have no name to load them by).
        module: The module to record; defaults to `fn.__module__`.

    Example:
        >>> def my_act(x): return x * 2
        >>> serialize_function(my_act)["config"]
        'my_act'
    """
    name = getattr(fn, "__name__", None)
    if not isinstance(name, str) or name == "<lambda>":
        raise ValueError(
            f"Cannot serialize {fn!r}: a function is saved by its name, and this one has none "
            f"(received `{name}`). Define it with `def` at module level and pass it in "
            "`custom_objects` when loading."
        )
    from lamina.saving.registration import get_registered_name

    # A function registered with `register_keras_serializable` is saved by its "package>name", as Keras does.
    name = get_registered_name(fn) or name
    return {
        "module": module if module is not None else getattr(fn, "__module__", None),
        "class_name": "function",
        "config": name,
        "registered_name": name,
    }


def unknown_name_message(kind: str, name, registry: Mapping) -> str:
    """The error text for a name that is not in `registry`, with close matches."""
    valid = sorted(str(key) for key in registry)
    text = f"Unknown {kind}: {name!r}."
    if isinstance(name, str):
        close = difflib.get_close_matches(name, valid, n=3)
        if close:
            text += f" Did you mean {' or '.join(repr(c) for c in close)}?"
    text += (
        f" Expected one of {valid}. For a custom {kind}, pass the object itself instead of "
        "its name, or list it in `custom_objects` when loading a config."
    )
    return text


def deserialize_from_registry(
    identifier,
    registry: Mapping[str, type | Callable],
    kind: str,
    custom_objects: Mapping[str, type | Callable] | None = None,
):
    """Turns a name, a Keras config dict, a class or a callable into an object.

    Classes are instantiated (with the dict's `config`, through `from_config`
    when the class has one); functions are returned as they are.

    Args:
        identifier: `None` (returned as is), a registry name such as
            `"glorot_uniform"`, a dict `{"class_name", "config", ...}` (Keras 3
            adds `module` and `registered_name`; the older form without them is
            accepted too), a class, or an instance/callable (returned as is).
        registry: Built-in names of this kind mapped to classes or functions.
        kind: What is being looked up, for error messages ("initializer").
        custom_objects: Extra names checked before `registry`.

    Returns:
        The object.

    Raises:
        ValueError: the name is unknown, the dict is malformed, or the config
            does not match the class's constructor.

    Example:
        >>> deserialize_from_registry("zeros", {"zeros": Zeros}, "initializer")
        Zeros()
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        target = _lookup(identifier, registry, custom_objects, kind)
        return _instantiate(target, {}, kind, identifier)
    if isinstance(identifier, Mapping):
        return _from_config_dict(identifier, registry, kind, custom_objects)
    if inspect.isclass(identifier):
        return _instantiate(identifier, {}, kind, identifier.__name__)
    if callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret {kind} identifier {identifier!r} (a `{type(identifier).__name__}`). "
        f"Expected None, a {kind} name string, a config dict with a 'class_name' key, "
        "a class or a callable."
    )


def _lookup(name: str, registry, custom_objects, kind: str):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in registry:
        return registry[name]
    from lamina.saving.registration import get_registered_object

    # `custom_object_scope`s and functions registered with `register_keras_serializable` ("package>name").
    found = get_registered_object(name, custom_objects)
    if found is not None:
        return found
    merged = dict(registry)
    if custom_objects:
        merged.update(custom_objects)
    raise ValueError(unknown_name_message(kind, name, merged))


def _from_config_dict(config: Mapping, registry, kind: str, custom_objects):
    if "class_name" not in config:
        raise ValueError(
            f"Could not interpret {kind} config {dict(config)!r}: expected a dict with a "
            f"'class_name' key (and usually 'config'), received keys {sorted(config)}. "
            f"Pass the output of `{kind}s.serialize(...)` or a {kind} name string."
        )
    class_name = config["class_name"]
    inner = config.get("config")
    registered = config.get("registered_name")
    if class_name == "__lambda__":
        raise ValueError(
            f"The {kind} config holds a serialized lambda, which is Python bytecode and is not "
            "loaded here. Replace the lambda with a named function and pass it in "
            "`custom_objects`."
        )
    if class_name == "function":
        # Keras stores a plain function as its name in "config".
        name = inner if isinstance(inner, str) else registered
        if custom_objects and registered in custom_objects:
            return custom_objects[registered]
        return _lookup(name, registry, custom_objects, kind)
    # A registered custom class is found by its registered name first, as in Keras.
    if registered and custom_objects and registered in custom_objects:
        target = custom_objects[registered]
    else:
        target = _lookup(class_name, registry, custom_objects, kind)
    if inner is None:
        inner = {}
    if not isinstance(inner, Mapping):
        raise ValueError(
            f"Could not build {kind} {class_name!r}: its 'config' must be a dict of constructor "
            f"arguments, received {inner!r}."
        )
    return _instantiate(target, dict(inner), kind, class_name)


def _instantiate(target, config: dict, kind: str, name):
    if not inspect.isclass(target):
        if config:
            raise ValueError(
                f"Could not build {kind} {name!r}: it is a function and takes no config, "
                f"received config {config!r}."
            )
        return target
    from_config = getattr(target, "from_config", None)
    try:
        if from_config is not None:
            return from_config(config)
        return target(**config)
    except TypeError as error:
        # A config written by another version (or by hand) with an argument this class lacks.
        expected = _init_arguments(target)
        raise ValueError(
            f"Could not build {kind} {name!r} from config {config!r}: {error}. "
            f"{target.__name__} accepts the arguments {expected}; remove or rename the others."
        ) from error


def _init_arguments(cls) -> list[str]:
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return []
    return [p for p in params if p != "self" and params[p].kind not in (
        inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]


def is_plain_function(obj) -> bool:
    """Whether `obj` is a function that can be saved by name (not a class, not a lambda)."""
    return isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)) and (
        getattr(obj, "__name__", "<lambda>") != "<lambda>"
    )
