"""Operator nodes (`x + y`, `x[:, 0]`) in Keras's config format, both ways.

lamina records tensor operators as `TorchOp` layers; Keras records them as
operations of `keras.src.ops.numpy` (`Add`, `GetItem`, ...). Only the
operators with an exact Keras counterpart are supported; anything else is a
clear error telling the user to wrap the computation in a layer.
"""

import operator

import torch

from lamina.saving.errors import LoadError, SavingError

__all__ = ["serialize_torch_op", "torch_op_from_entry", "is_op_entry", "op_call_args"]

# Keras op class -> (python operator, keras module)
_KERAS_OPS = {
    "Add": operator.add, "Subtract": operator.sub, "Multiply": operator.mul, "Divide": operator.truediv,
    "TrueDivide": operator.truediv, "Matmul": operator.matmul, "Negative": operator.neg,
    "GetItem": operator.getitem, "Power": operator.pow,
    # Comparisons (Keras writes Embedding(mask_zero=True)'s mask as NotEqual(x, 0)); torch's functions,
    # because KerasTensor keeps Python's identity-based == (its != is a graph node, as in Keras).
    "NotEqual": torch.ne, "Equal": torch.eq, "Greater": torch.gt, "GreaterEqual": torch.ge, "Less": torch.lt,
    "LessEqual": torch.le,
}
_LAMINA_TO_KERAS = {"add": "Add", "subtract": "Subtract", "multiply": "Multiply", "divide": "Divide",
                    "matmul": "Matmul", "negative": "Negative", "get_item": "GetItem", "power": "Power",
                    "ne": "NotEqual", "eq": "Equal", "gt": "Greater", "ge": "GreaterEqual", "lt": "Less",
                    "le": "LessEqual"}
_OPS_MODULE = "keras.src.ops.numpy"


def _is_reflected(func) -> bool:
    name = getattr(func, "__name__", "")
    return name.startswith("__r") and name not in ("__rshift__",)


def serialize_torch_op(layer):
    """Keras entry head (module, class_name, config, registered_name) for a TorchOp."""
    if hasattr(layer, "keras_entry"):  # an op read from a Keras file goes back as it was read
        return {**layer.keras_entry, "config": {**layer.keras_entry["config"], "name": layer.name}}
    keras_name = _LAMINA_TO_KERAS.get(layer.op_name)
    if keras_name is None:
        raise SavingError(
            f"Cannot save the tensor operation '{layer.name}' ({layer.op_name}) in the Keras format: only "
            f"{sorted(_LAMINA_TO_KERAS)} have Keras equivalents. Wrap the computation in a Layer subclass "
            f"(its get_config() makes it saveable), or use a built-in layer."
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


def torch_op_from_entry(entry):
    """A TorchOp replaying the Keras op named by `entry`."""
    from lamina.layers.core.torch_op import TorchOp
    from lamina.saving.keras_ops import CONFIGURED_OPS, KerasConfiguredOp

    class_name = entry.get("class_name")
    config = entry.get("config") if isinstance(entry.get("config"), dict) else {}
    name = config.get("name") or entry.get("name")
    name = name if isinstance(name, str) and name else None
    func = _KERAS_OPS.get(class_name)
    if func is not None and not set(config) - {"name"}:
        return TorchOp(func, name=name)
    if class_name in CONFIGURED_OPS:
        return KerasConfiguredOp(entry.get("module"), class_name, config, name=name)
    raise LoadError(
        f"The config uses the Keras operation {entry.get('module')}.{class_name} "
        f"(node '{entry.get('name')}', config {config}), which lamina cannot rebuild; supported "
        f"operations are {sorted(_KERAS_OPS)} without extra arguments and {sorted(CONFIGURED_OPS)}. "
        f"Replace it in the Keras model by a layer (e.g. keras.layers.Add) or a registered custom layer."
    )
