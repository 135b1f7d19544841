"""Functions inside configs (Lambda layers), in Keras's format.

A named function is stored by module and name and resolved only where safe mode allows
(`lamina.saving.safe_mode`: custom objects, registered objects, lamina's built-ins; an import of
the module only with `safe_mode=False`). An anonymous `lambda` is stored as marshalled Python bytecode
(`{"class_name": "__lambda__", ...}`), exactly as Keras does; loading that runs
code from the file, so it is refused unless the caller passes `safe_mode=False`.
"""

import base64
import marshal
import types

from lamina.saving.errors import short_repr

__all__ = ["serialize_function", "deserialize_function"]


def serialize_function(fn):
    if fn is None:
        return None
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
        closure = tuple(cell.cell_contents for cell in fn.__closure__) if fn.__closure__ else None
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": fn.__defaults__, "closure": closure}}
    from lamina.saving.registration import get_registered_name

    return {"module": getattr(fn, "__module__", None), "class_name": "function",
            "config": getattr(fn, "__name__", str(fn)), "registered_name": get_registered_name(fn)}


def deserialize_function(config, custom_objects=None, safe_mode=None, what="a Lambda layer's function"):
    """The callable a Lambda config entry names (`function`, `output_shape` or `mask`).

    Args:
        config: `None`, a callable (returned as is), `{"class_name": "__lambda__", ...}` (bytecode),
            `{"class_name": "function", "module", "config": name, "registered_name"}`, or the config
            of a registered/custom callable class.
        custom_objects: the caller's `{"name": fn}`.
        safe_mode: refuse bytecode and every name safe mode does not allow (see
            `lamina.saving.safe_mode`); None: the load in progress decides, safe outside one.
        what: what the function is for, named in errors.

    Raises:
        UnsafeObjectError: bytecode or a name safe mode refuses; the message says how to allow it.
    """
    from lamina.saving.safe_mode import UnsafeObjectError, allowed_function, unsafe_allowed

    if config is None or callable(config):
        return config
    if not isinstance(config, dict):
        raise UnsafeObjectError(f"Cannot deserialize {what} from {short_repr(config)}: expected a "
                                f"function config dict.")
    class_name = config.get("class_name")
    if class_name == "__lambda__":
        if not unsafe_allowed(safe_mode):
            raise UnsafeObjectError(
                f"{what[0].upper() + what[1:]} is stored as Python bytecode; loading it would execute "
                "code from the file, which safe mode refuses. If you trust the file's source, load it "
                "with safe_mode=False (or call keras.config.enable_unsafe_deserialization() first)."
            )
        inner = config.get("config")
        if not isinstance(inner, dict) or not isinstance(inner.get("code"), str):
            raise UnsafeObjectError(f"{what}: the bytecode entry is malformed: {short_repr(config)}.")
        try:
            raw = base64.decodebytes(inner["code"].encode("ascii"))
            code = marshal.loads(raw)
            closure = inner.get("closure")
            cells = tuple(types.CellType(c) for c in closure) if closure else None
            defaults = tuple(inner["defaults"]) if inner.get("defaults") else None
            return types.FunctionType(code, globals(), code.co_name, defaults, cells)
        except Exception as error:  # bytecode of another Python version, damaged data
            raise UnsafeObjectError(f"{what}: cannot rebuild its bytecode ({type(error).__name__}: "
                                    f"{error}); it may come from another Python version.") from error
    if class_name == "function":
        name = config.get("config")
        registered = config.get("registered_name")
        module = config.get("module")
        return allowed_function(name, module if isinstance(module, str) else None,
                                registered if isinstance(registered, str) else None,
                                custom_objects, safe_mode, what)
    if isinstance(class_name, str):
        # A callable object (a layer, a registered class): resolved like any other object.
        from lamina.saving.object_serialization import deserialize_keras_object

        found = deserialize_keras_object(config, custom_objects, safe_mode)
        if callable(found):
            return found
    raise UnsafeObjectError(f"Cannot deserialize {what} from {short_repr(config)}: it does not name a function.")
