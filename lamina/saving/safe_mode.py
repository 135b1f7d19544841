"""What a file may reach while it is loaded: the one place that decides.

A config names classes and functions by `module`, `class_name` and `registered_name`. With
`safe_mode=True` (the default) a name may only resolve to:

- what the caller passes in `custom_objects` or an active `custom_object_scope`;
- objects registered with `register_keras_serializable` / `register_serializable`;
- lamina's own modeling namespaces (layers, activations, initializers, regularizers,
  constraints, losses, metrics, optimizers, schedules, ops), also when the file spells them
  with Keras's module names (`keras.activations`, `keras.src.losses.losses`, ...).

Nothing else is imported, looked up or called: a module the file names is never imported before
its name is known to be allowed (a file naming module `this` or `os` imports nothing), and a
function is never fetched by walking a module path (`os.system`, `builtins.print`,
`torch.save`). Only `safe_mode=False`, or `enable_unsafe_deserialization()`, lets a trusted file
import the modules it names and run Lambda bytecode.
"""

import contextlib
import contextvars

from lamina.backend.config import enable_unsafe_deserialization, in_safe_mode  # noqa: F401 (one switch, in keras.config)
from lamina.saving.errors import UnsafeObjectError, short_repr

__all__ = ["UnsafeObjectError", "unsafe_allowed", "safe_mode_scope", "enable_unsafe_deserialization",
           "allowed_function", "how_to_allow"]

# Set by `enable_unsafe_deserialization()` (Keras's `keras.config.enable_unsafe_deserialization`):
# from then on every load in this process may run code, whatever its `safe_mode` argument.
# The `safe_mode` of the load in progress, for code that receives no argument (a nested layer's
# `from_config`); None outside any load, which counts as safe.
_SCOPE = contextvars.ContextVar("lamina_safe_mode", default=None)

# Keras's namespaces that hold built-in functions, in the order Keras searches them for a
# function saved without a module (Keras's `BUILTIN_MODULES`), plus ops.
_FUNCTION_NAMESPACES = ("activations", "constraints", "initializers", "losses", "metrics", "optimizers",
                        "regularizers", "ops")


def unsafe_allowed(safe_mode=None) -> bool:
    """Whether code named by a file may be imported or run.

    Args:
        safe_mode: the caller's argument; None means "the load in progress decides" (see
            `safe_mode_scope`), and outside any load, safe.

    Returns:
        True only after `enable_unsafe_deserialization()` or for `safe_mode=False`.
    """
    if in_safe_mode() is False:  # keras.config.enable_unsafe_deserialization() was called
        return True
    if safe_mode is None:
        safe_mode = _SCOPE.get()
    return safe_mode is False


@contextlib.contextmanager
def safe_mode_scope(safe_mode):
    """Within this block, code that gets no `safe_mode` argument follows `safe_mode`."""
    token = _SCOPE.set(None if safe_mode is None else bool(safe_mode))
    try:
        yield
    finally:
        _SCOPE.reset(token)


def how_to_allow(name) -> str:
    """The fix the error messages suggest, for a class or function called `name`."""
    return (f"If it is your own object, pass it when loading: load_model(..., custom_objects={{{name!r}: "
            f"obj}}) (or use lamina.saving.custom_object_scope, or decorate it with "
            f"@keras.saving.register_keras_serializable()). Only if you trust the file's source, load it "
            f"with safe_mode=False.")


def _namespace_of(module):
    """`"activations"` for `keras.activations`, `keras.src.activations.activations`,
    `lamina.activations.rectifiers`; None for a module outside Keras and lamina."""
    if not isinstance(module, str):
        return None
    parts = module.split(".")
    if parts[0] not in ("keras", "lamina"):
        return None
    parts = parts[1:]
    if parts and parts[0] == "src":
        parts = parts[1:]
    if parts[:2] == ["optimizers", "schedules"]:
        return "schedules"
    return parts[0] if parts else ""


def _namespace_table(namespace) -> dict:
    """`name -> function or class` of one of lamina's modeling namespaces (built-ins only)."""
    if namespace == "activations":
        from lamina.activations import ALL_ACTIVATIONS
        return dict(ALL_ACTIVATIONS)
    if namespace == "initializers":
        from lamina.initializers import ALL_INITIALIZERS
        return dict(ALL_INITIALIZERS)
    if namespace == "regularizers":
        from lamina.regularizers import ALL_REGULARIZERS
        return dict(ALL_REGULARIZERS)
    if namespace == "constraints":
        from lamina.constraints import ALL_CONSTRAINTS
        return dict(ALL_CONSTRAINTS)
    if namespace == "losses":
        from lamina.losses import ALL_OBJECTS_DICT
        return dict(ALL_OBJECTS_DICT)
    if namespace == "metrics":
        from lamina import metrics
        return {**metrics._LOSS_OBJECTS, **metrics._FUNCTIONS, **metrics.ALL_OBJECTS_DICT}
    if namespace == "optimizers":
        from lamina.optimizers import ALL_OBJECTS_DICT
        return dict(ALL_OBJECTS_DICT)
    if namespace == "schedules":
        from lamina.optimizers.schedules import ALL_OBJECTS_DICT
        return dict(ALL_OBJECTS_DICT)
    if namespace == "ops":
        import lamina.ops as ops
        # Only lamina's own functions: a name re-exported from torch is not reachable this way.
        return {name: obj for name in getattr(ops, "__all__", ()) if isinstance(name, str)
                for obj in [getattr(ops, name, None)]
                if callable(obj) and str(getattr(obj, "__module__", "")).startswith("lamina.")}
    return {}


def _registered(registered_name, name, custom_objects):
    from lamina.saving.registration import get_registered_object

    for key in (registered_name, name):
        if isinstance(key, str):
            found = get_registered_object(key, custom_objects)
            if found is not None:
                return found
    return None


def allowed_function(name, module=None, registered_name=None, custom_objects=None, safe_mode=None,
                     what="function"):
    """The function a config names, found only where safe mode allows (see the module docstring).

    Args:
        name: the function's name (the `config` of `{"class_name": "function", ...}`).
        module: the module the file records for it.
        registered_name: the `"package>name"` it was registered under, if any.
        custom_objects: the caller's `{"name": fn}`.
        safe_mode: the caller's argument (None: the load in progress decides).
        what: what the function is for, for the error message ("the function of Lambda layer 'l'").

    Raises:
        UnsafeObjectError: the name is not reachable in safe mode, or not found at all.
    """
    what = what[:1].upper() + what[1:]
    if not isinstance(name, str) or not name or len(name) > 200:
        raise UnsafeObjectError(f"{what}: the config names a function by {short_repr(name)}, which is not a name.")
    if not isinstance(module, str) or len(module) > 500:
        module = None if module is None else short_repr(module)
    found = _registered(registered_name, name, custom_objects)
    if found is not None:
        return found
    namespace = _namespace_of(module)
    candidates = (namespace,) if namespace else (_FUNCTION_NAMESPACES if module in (None, "", "builtins")
                                                 else ())
    for space in candidates:
        obj = _namespace_table(space).get(name)
        if obj is None and space == "optimizers":
            obj = _namespace_table(space).get(name.lower())
        if obj is not None:
            return obj
    spelled = f"{module}.{name}" if module else name
    if namespace is None and module not in (None, "", "builtins", "__main__") and unsafe_allowed(safe_mode):
        # A trusted file (safe_mode=False): the module it names may be imported.
        import importlib

        try:
            obj = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as error:
            raise UnsafeObjectError(f"{what}: could not import {spelled!r} ({type(error).__name__}: {error}). "
                                    f"Pass it in custom_objects={{{name!r}: fn}}.") from error
        if callable(obj):
            return obj
    if namespace in _FUNCTION_NAMESPACES or namespace == "schedules":
        raise UnsafeObjectError(
            f"{what}: the config names {spelled!r}, which is not one of lamina's built-in "
            f"{namespace}. " + how_to_allow(registered_name or name))
    if namespace is not None:
        raise UnsafeObjectError(
            f"{what}: the config names {spelled!r}; a file may only name functions from "
            f"{', '.join(_FUNCTION_NAMESPACES)}, never from {module!r}. " + how_to_allow(registered_name or name))
    raise UnsafeObjectError(
        f"{what}: the config names the function {spelled!r}, which is neither one of lamina's built-ins, "
        f"a registered object nor in custom_objects. Loading never imports or calls code a file names "
        f"in safe mode. " + how_to_allow(registered_name or name))

