"""Dumps, from real Keras 3, the table of every public `keras.ops*` function.

For each function of `keras.ops`, `keras.ops.numpy`, `keras.ops.nn`, `keras.ops.image` and
`keras.ops.linalg`: the Keras module that defines it, the Operation class its symbolic path
instantiates (what `.keras` files store as `class_name`), that class's `__init__` parameters
(kept in the op's config), its `call` parameters (the tensor arguments) and the function's full
signature with defaults. Run with Keras installed (any backend):

    KERAS_BACKEND=jax python tools/keras_crosscheck/dump_op_table.py > tools/keras_crosscheck/keras_op_table.json
"""

import ast
import inspect
import json
import sys
import textwrap

import keras
from keras import ops
from keras.src.ops.operation import Operation

NAMESPACES = ("", "numpy", "nn", "image", "linalg")


def _default(value):
    if value is inspect.Parameter.empty:
        return "<required>"
    if isinstance(value, (int, float, str, bool, type(None))):
        return value
    if isinstance(value, (list, tuple)):
        return [_default(v) for v in value]
    return repr(value)


def _params(signature, skip=("self",)):
    out = []
    for p in signature.parameters.values():
        if p.name in skip:
            continue
        entry = {"name": p.name, "kind": p.kind.name}
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            entry["default"] = _default(p.default)
        out.append(entry)
    return out


def _operation_classes(fn, module):
    """Operation subclasses of `module` called in `fn`'s body, the `.symbolic_call` one first."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return []
    symbolic, others = [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            candidate = getattr(module, node.func.id, None)
            if inspect.isclass(candidate) and issubclass(candidate, Operation):
                others.append(node.func.id)
        if (isinstance(node, ast.Attribute) and node.attr == "symbolic_call" and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)):
            symbolic.append(node.value.func.id)
    ordered = []
    for name in symbolic + others:
        if name not in ordered:
            ordered.append(name)
    return ordered


def describe(fn):
    module = sys.modules[fn.__module__]
    entry = {"module": fn.__module__, "signature": _params(inspect.signature(fn), skip=())}
    classes = _operation_classes(fn, module)
    if classes:
        cls = getattr(module, classes[0])
        entry["class_name"] = cls.__name__
        entry["config"] = [p["name"] for p in _params(inspect.signature(cls.__init__), skip=("self", "name"))
                           if p["kind"] not in ("VAR_POSITIONAL", "VAR_KEYWORD")]
        entry["call"] = [p["name"] for p in _params(inspect.signature(cls.call))]
        if len(classes) > 1:
            entry["other_classes"] = classes[1:]
    else:
        # No Operation of its own: creation functions (no tensor input) and aliases (`abs`).
        entry["class_name"] = None
        entry["delegates_to"] = _called_functions(fn, module)
    return entry


def _called_functions(fn, module):
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id != fn.__name__:
            if inspect.isfunction(getattr(module, node.func.id, None)) and node.func.id not in names:
                names.append(node.func.id)
    return names


def main():
    table = {"keras_version": keras.__version__, "namespaces": {}}
    for namespace in NAMESPACES:
        target = getattr(ops, namespace) if namespace else ops
        names = {}
        for name in sorted(dir(target)):
            value = getattr(target, name)
            if name.startswith("_") or inspect.ismodule(value) or not callable(value):
                continue
            names[name] = describe(value)
        table["namespaces"][namespace or "ops"] = names
    json.dump(table, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
