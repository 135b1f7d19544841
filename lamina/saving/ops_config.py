"""Op nodes (`ops.mean(x, axis=1)`, `x + y`, `x[:, 0]`) in Keras's config format, both ways.

A `lamina.ops` call on symbolic tensors is a `KerasOp` node: it is written as Keras writes its
operations (`module: keras.src.ops.<module>`, `class_name`, `config` with `name`,
`registered_name`), and an op entry in a file is rebuilt from the op registry
(`lamina.ops._op.OP_REGISTRY`), and only from it: loading reaches no other code. Plain torch
functions recorded as `TorchOp` nodes are written only when they have an exact Keras counterpart
(`torch.add` -> `Add`); anything else is a clear error telling the user what to use instead.
"""

import json

from lamina.saving.errors import LoadError, SavingError

__all__ = ["serialize_torch_op", "torch_op_from_entry", "is_op_entry", "op_call_args"]

_LAMINA_TO_KERAS = {"add": "Add", "subtract": "Subtract", "multiply": "Multiply", "divide": "Divide",
                    "matmul": "Matmul", "negative": "Negative", "get_item": "GetItem", "power": "Power",
                    "ne": "NotEqual", "eq": "Equal", "gt": "Greater", "ge": "GreaterEqual", "lt": "Less",
                    "le": "LessEqual"}
_OPS_MODULE = "keras.src.ops.numpy"
# Class names other Keras versions wrote for an op lamina registers under Keras 3.15's name.
_CLASS_ALIASES = {"Abs": "Absolute"}


def _is_reflected(func) -> bool:
    name = getattr(func, "__name__", "")
    return name.startswith("__r") and name not in ("__rshift__",)


def _checked_json(entry, layer):
    try:
        return json.loads(json.dumps(entry["config"]))
    except (TypeError, ValueError) as error:
        raise SavingError(
            f"Cannot save the op node '{layer.name}' ({entry['class_name']}) in the Keras format: its config "
            f"{entry['config']!r} holds a value JSON cannot store ({error}). Ops taking Python functions "
            f"(map, scan, cond, ...) cannot be saved; move that computation into a Layer subclass with a "
            f"get_config()."
        ) from None


def serialize_torch_op(layer):
    """Keras entry head (module, class_name, config, registered_name) for an op node."""
    from lamina.layers.core.torch_op import KerasOp

    if isinstance(layer, KerasOp):
        entry = layer.keras_entry()
        entry["config"] = _checked_json(entry, layer)
        return entry
    keras_name = _LAMINA_TO_KERAS.get(layer.op_name)
    if keras_name is None:
        raise SavingError(
            f"Cannot save the tensor operation '{layer.name}' ({layer.op_name}) in the Keras format: only "
            f"{sorted(_LAMINA_TO_KERAS)} have Keras equivalents among plain torch functions. Use the "
            f"keras.ops function of the same meaning (lamina.ops.{layer.op_name} if it exists; ops are saved as "
            f"Keras writes them). Wrap the computation in a Layer subclass (its get_config() makes it "
            f"saveable), or use a built-in layer."
        )
    return {"module": _OPS_MODULE, "class_name": keras_name, "config": {"name": layer.name},
            "registered_name": keras_name}


def op_call_args(layer, args):
    """The call args as Keras records them (reflected operators `2 - x` swap their operands)."""
    if _is_reflected(layer.func) and len(args) == 2:
        return (args[1], args[0])
    return args


def is_op_entry(entry) -> bool:
    module = entry.get("module")
    return isinstance(module, str) and module.startswith("keras.src.ops")


def _op_from_registry(definition, class_name, config, name):
    from lamina.layers.core.torch_op import KerasOp

    arguments = {k: v for k, v in config.items() if k != "name"}
    known = set(definition.config)
    unknown = sorted(set(arguments) - known)
    if unknown and definition._var_keyword is None:
        raise LoadError(
            f"The Keras operation {class_name} (node '{name}') has config keys {unknown} that lamina's "
            f"ops.{definition.name} does not take (it takes {sorted(known)}); the file may come from a newer "
            f"Keras version.")
    return KerasOp(definition, arguments, name=name)


def torch_op_from_entry(entry):
    """The op node replaying the Keras op named by `entry` (only registered ops are reachable)."""
    import lamina.ops  # noqa: F401 - fills the op registry
    from lamina.ops._op import get_op_definition

    class_name = entry.get("class_name")
    config = entry.get("config") if isinstance(entry.get("config"), dict) else {}
    name = config.get("name") or entry.get("name")
    name = name if isinstance(name, str) and name else None
    definition = None
    if isinstance(class_name, str):
        definition = get_op_definition(class_name) or get_op_definition(_CLASS_ALIASES.get(class_name, ""))
    if definition is not None:
        return _op_from_registry(definition, class_name, config, name)
    raise LoadError(
        f"The config uses the Keras operation {entry.get('module')}.{class_name} "
        f"(node '{entry.get('name')}', config {config}), which lamina cannot rebuild: it is not one of "
        f"lamina.ops's registered operations. Replace it in the Keras model by a layer (e.g. "
        f"keras.layers.Add) or a registered custom layer."
    )
