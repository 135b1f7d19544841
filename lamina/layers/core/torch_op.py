"""`TorchOp`: the graph node for a torch function or tensor operator on symbolic tensors.

`x + y`, `x[:, 0]`, `x.mean(dim=1)` and `torch.cat([a, b], -1)` on KerasTensors
each create one `TorchOp` that replays the function on real tensors.
"""

import operator

from lamina import backend
from lamina.layers.layer import Layer

__all__ = ["TorchOp"]


def _function_name(func) -> str:
    if isinstance(func, operator.attrgetter):
        return repr(func).split("'")[1]
    name = getattr(func, "__name__", None) or type(func).__name__
    name = name.strip("_")
    if name.startswith("r") and name[1:] in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow",
                                             "matmul", "and", "or", "xor"):
        name = name[1:]
    return {"getitem": "get_item", "truediv": "divide", "sub": "subtract", "mul": "multiply",
            "matmul": "matmul", "floordiv": "floor_divide", "pow": "power", "neg": "negative"}.get(name, name)


def _camel(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_") if part)


class TorchOp(Layer):
    """Replays `func(*args, **kwargs)`; created automatically by symbolic tensor ops.

    Args:
        func: the torch function, tensor method or operator.
        name: layer name (default: the function's name, numbered).

    The summary shows these as `add (Add)`, `get_item (GetItem)`, ...
    """

    def __init__(self, func, name=None, **kwargs):
        op_name = _function_name(func)
        if name is None:
            name = backend.unique_name(op_name)
        super().__init__(name=name, **kwargs)
        self.func = func
        self.op_name = op_name
        self.built = True

    @property
    def summary_class_name(self) -> str:
        return _camel(self.op_name)

    def call(self, *args, **kwargs):
        return self.func(*args, **kwargs)

    def get_config(self):
        config = super().get_config()
        module = getattr(self.func, "__module__", None) or "torch"
        config["function"] = f"{module}.{getattr(self.func, '__qualname__', self.op_name)}"
        return config
