"""Functions inside configs (Lambda layers), in Keras's format.

A named function is stored by module and name and resolved by import or
`custom_objects`. An anonymous `lambda` is stored as marshalled Python bytecode
(`{"class_name": "__lambda__", ...}`), exactly as Keras does; loading that runs
code from the file, so it is refused unless the caller passes `safe_mode=False`.
"""

import base64
import importlib
import marshal
import types

__all__ = ["serialize_function", "deserialize_function"]


def serialize_function(fn):
    if fn is None:
        return None
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
        closure = tuple(cell.cell_contents for cell in fn.__closure__) if fn.__closure__ else None
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": fn.__defaults__, "closure": closure}}
    return {"module": getattr(fn, "__module__", None), "class_name": "function",
            "config": getattr(fn, "__name__", str(fn)), "registered_name": getattr(fn, "__name__", None)}


def deserialize_function(config, custom_objects=None, safe_mode=True):
    if config is None or callable(config):
        return config
    if not isinstance(config, dict):
        raise ValueError(f"Cannot deserialize a function from {config!r}.")
    if config.get("class_name") == "__lambda__":
        from lamina.backend.config import in_safe_mode

        if safe_mode if in_safe_mode() is None else in_safe_mode():  # enable_unsafe_deserialization() wins
            raise ValueError(
                "This file contains a Lambda layer whose function is stored as Python bytecode; "
                "loading it would execute code from the file, which safe mode refuses. If you "
                "trust the file's source, load it with safe_mode=False (or call "
                "lamina.config.enable_unsafe_deserialization() first)."
            )
        inner = config["config"]
        raw = base64.decodebytes(inner["code"].encode("ascii"))
        code = marshal.loads(raw)
        closure = inner.get("closure")
        cells = tuple(types.CellType(c) for c in closure) if closure else None
        defaults = tuple(inner["defaults"]) if inner.get("defaults") else None
        return types.FunctionType(code, globals(), code.co_name, defaults, cells)
    name = config.get("config")
    registered = config.get("registered_name") or name
    if custom_objects:
        for key in (registered, name):
            if key in custom_objects:
                return custom_objects[key]
    module = config.get("module")
    if module:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            pass
    raise ValueError(
        f"Could not find the function {registered!r} (module {module!r}) used by a Lambda layer. "
        f"Pass it in custom_objects={{{registered!r}: fn}}."
    )
