"""Which lamina class a config entry (`module`, `class_name`, `registered_name`) means.

Keras writes built-in layers with `module="keras.layers"` (or `keras.src.layers...`),
models with `keras`, `keras.src.models.functional`, `keras.src.models.sequential`.
The built-in table is computed from `lamina.layers.__all__` each time it is
needed, so layers added to lamina are picked up without touching this file.
"""

import importlib
import inspect
import re

from lamina.saving.errors import MissingClassError, short_repr
from lamina.saving.registration import get_custom_objects, get_registered_object, _GLOBAL_REGISTRY

__all__ = ["builtin_classes", "resolve_class", "find_missing_classes", "layer_entries"]

_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


_BUILTINS_CACHE = {}


def builtin_classes() -> dict:
    """`class_name -> class` for every public lamina layer and model."""
    import lamina.layers
    import lamina.models
    from lamina.layers.layer import Layer

    # Recomputed only when a package's __all__ changes (a layer added at run time); loading calls
    # this once per layer entry.
    key = tuple((id(getattr(p, "__all__", None)), len(getattr(p, "__all__", ()))) for p in (lamina.layers,
                                                                                           lamina.models))
    if _BUILTINS_CACHE.get("key") == key:
        return _BUILTINS_CACHE["table"]
    table = {}
    for package in (lamina.layers, lamina.models):
        for name in getattr(package, "__all__", []):
            obj = getattr(package, name, None)
            if inspect.isclass(obj) and issubclass(obj, Layer):
                table[name] = obj
    # Keras classes saved as layers but exported elsewhere (keras.utils.FeatureSpace and the
    # Feature/Cross/identity entries nested in its config).
    from lamina.utils import feature_space

    table.update({name: getattr(feature_space, name) for name in feature_space.SAVED_CLASSES})
    _BUILTINS_CACHE.update(key=key, table=table)
    return table


def _is_keras_module(module) -> bool:
    if module is not None and not isinstance(module, str):
        return False
    return module is None or module == "keras" or module.startswith(("keras.", "lamina.", "tf_keras"))


def resolve_class(module, class_name, registered_name=None, custom_objects=None, safe_mode=None):
    """The class for a config entry, or None if it cannot be found.

    Order: custom objects / scopes / registry by registered name, then by class
    name; lamina's built-ins for Keras modules. Safe mode stops there: a module the
    file names is never imported. Only when unsafe loading is allowed
    (`safe_mode=False`, see `lamina.saving.safe_mode`) is a well-formed dotted
    module imported, and even then only a lamina `Layer` subclass is accepted.
    """
    from lamina.layers.layer import Layer
    from lamina.saving.safe_mode import unsafe_allowed

    for key in (registered_name, class_name):
        found = get_registered_object(key, custom_objects)
        if found is not None:
            return found
    builtins = builtin_classes()
    if _is_keras_module(module) and class_name in builtins:
        return builtins[class_name]
    if isinstance(module, str) and not _is_keras_module(module) and module != "__main__" \
            and _MODULE_NAME.match(module) and isinstance(class_name, str) and unsafe_allowed(safe_mode):
        try:
            found = getattr(importlib.import_module(module), class_name, None)
        except Exception:  # an unimportable module is reported as a missing class
            found = None
        if inspect.isclass(found) and issubclass(found, Layer):
            return found
    if class_name in builtins and not registered_name:
        return builtins[class_name]
    return None


def layer_entries(config):
    """Yields every layer/model entry (dict with module, class_name, config) nested in a config."""
    stack = [config]
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > 1_000_000:
            return
        if isinstance(node, dict):
            if _looks_like_layer_entry(node):
                yield node
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))


def _looks_like_layer_entry(node) -> bool:
    class_name = node.get("class_name")
    if not isinstance(class_name, str) or "config" not in node or class_name.startswith("__"):
        return False
    if class_name == "function":
        return False
    module = node.get("module")
    if isinstance(module, str) and module.startswith(("keras.layers", "keras.src.layers", "keras.src.models",
                                                      "keras.models")):
        return True
    if module == "keras" and class_name in ("Sequential", "Model", "Functional"):
        return True
    # Custom classes: anything outside the Keras namespaces that carries a layer's "name".
    config = node.get("config")
    return not _is_keras_module(module) and isinstance(config, dict) and "name" in config \
        and ("inbound_nodes" in node or "build_config" in node or "trainable" in config)


def find_missing_classes(config, custom_objects=None, safe_mode=None) -> None:
    """Raises one `MissingClassError` listing every layer class of `config` that cannot be found.

    `safe_mode` as in `resolve_class` (None: the load in progress decides)."""
    missing = {}
    for entry in layer_entries(config):
        module, class_name = entry.get("module"), entry.get("class_name")
        registered = entry.get("registered_name")
        if not isinstance(registered, (str, type(None))) or not isinstance(module, (str, type(None))):
            raise MissingClassError(f"Class {class_name!r} has a malformed module/registered_name "
                                    f"({short_repr(module)}, {short_repr(registered)}); the config is corrupt.")
        if resolve_class(module, class_name, registered, custom_objects, safe_mode) is None:
            key = registered if registered and registered != class_name else class_name
            missing.setdefault(key, (module, class_name))
    if not missing:
        return
    lines = [f"  - {key!r} (class {cls!r}, module {mod!r})" for key, (mod, cls) in missing.items()]
    from lamina.saving.safe_mode import unsafe_allowed

    known = sorted(set(_GLOBAL_REGISTRY) | set(get_custom_objects()))
    foreign = [mod for mod, _ in missing.values() if isinstance(mod, str) and not _is_keras_module(mod)
               and mod != "__main__"]
    not_imported = ""
    if foreign and not unsafe_allowed(safe_mode):
        not_imported = (f" In safe mode (the default) lamina never imports a module a file names "
                        f"({sorted(set(foreign))[:5]}); only if you trust the file's source, load it with "
                        f"safe_mode=False to let it import them.")
    raise MissingClassError(
        f"Cannot load this model: {len(missing)} class(es) named in its config could not be found:\n"
        + "\n".join(lines)
        + "\nProvide each one with load_model(..., custom_objects={'Name': Class}), inside "
        "lamina.saving.custom_object_scope({...}), or decorate the class with "
        "@lamina.saving.register_serializable(package=...) and import its module before loading. "
        "Built-in Keras layers that lamina does not implement yet cannot be loaded."
        + not_imported
        + (f" Registered custom names: {known}." if known else "")
    )
