"""The graph nodes for operations on symbolic tensors: `KerasOp` and `TorchOp`.

- `KerasOp`: one call of a `lamina.ops` function (`ops.mean(x, axis=1)`, `x + y`, `x[:, 0]`) on
  KerasTensors. It holds the op's definition (`lamina.ops._op.OpDefinition`) and config; it shows
  in summaries and is written to `.keras` files under Keras's class name (`Mean`, `Add`,
  `GetItem`), and a file's op entry is rebuilt as a `KerasOp` of the registered op of that name.
- `TorchOp`: a plain torch function, tensor method or operator without a Keras counterpart
  (`torch.cat([a, b], -1)`, `x.permute(0, 2, 1)`); it replays the function and cannot be written
  to a Keras file (saving names it and says what to do instead).
"""

import operator

from lamina import backend
from lamina.graph.keras_tensor import OperationHooks
from lamina.layers.layer import Layer
from lamina.layers.module_interop import NOT_FOUND, intercept_module_call
from lamina.layers.symbolic_call import symbolic_call

__all__ = ["TorchOp", "KerasOp"]


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


def _config_value(value):
    """A config value as Keras stores it: dtypes by name, tuples as lists."""
    import numpy as np
    import torch

    if isinstance(value, (torch.dtype, np.dtype)) or (isinstance(value, type) and issubclass(value, np.generic)):
        from lamina.ops._dtypes import standardize_dtype

        return standardize_dtype(value)
    if isinstance(value, (list, tuple)):
        return [_config_value(v) for v in value]
    return value


class TorchOp(Layer):
    """Replays `func(*args, **kwargs)`; created automatically by torch functions on symbolic tensors.

    Args:
        func: the torch function, tensor method or operator.
        name: layer name (default: the function's name, numbered).

    The summary shows these as `cat (Cat)`, `permute (Permute)`, ...
    """

    def __init__(self, func, name=None, **kwargs):
        op_name = _function_name(func)
        if name is None:
            name = backend.unique_name(op_name)
        # An op computes in the dtypes it is given (an op after a float16 cast stays float16), as in Keras.
        kwargs.setdefault("autocast", False)
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


class KerasOp(TorchOp):
    """One call of a `lamina.ops` op on symbolic tensors (see the module docstring).

    Args:
        definition: the op's `OpDefinition` (from `keras_op`).
        config: the values of the op's config parameters.
        name: node name (default: the snake-case class name, numbered, as Keras names ops).
    """

    # An op's own argument checks already name the op, the argument and what was expected: they reach
    # the user unchanged (with where the inputs came from); torch's errors get the op's context.
    _trace_reraise = (ValueError, TypeError)
    # An op that checks values (cholesky: "is it positive-definite?") is traced on small real stand-ins.
    _trace_real_fallback = True

    def __init__(self, definition, config, name=None, **kwargs):
        name = name or backend.unique_name(backend.to_snake_case(definition.class_name))
        super().__init__(definition.fn, name=name, **kwargs)
        self.op_definition = definition
        self.op_config = dict(config)
        self.op_name = definition.name

    @property
    def summary_class_name(self) -> str:
        return self.op_definition.class_name

    def call(self, *args, **kwargs):
        return self.op_definition.replay(self.op_config, args, kwargs)

    def _symbolic_output_spec(self, args, kwargs):
        """The op's own shape rule, for ops whose output shape depends on the data."""
        rule = self.op_definition.output_spec
        if rule is None:
            return None
        call_args, call_kwargs = self.op_definition.bind_call(self.op_config, args, kwargs)
        return rule(*call_args, **call_kwargs)

    @property
    def _trace_description(self) -> str:
        return f"ops.{self.op_definition.name} (node '{self.name}', Keras op {self.op_definition.class_name})"

    def get_config(self):
        return {"name": self.name, **{k: _config_value(v) for k, v in self.op_config.items()}}

    def keras_entry(self) -> dict:
        """The entry Keras writes for this op: module, class_name, config (name first), registered_name."""
        return {"module": self.op_definition.keras_module, "class_name": self.op_definition.class_name,
                "config": self.get_config(), "registered_name": self.op_definition.class_name}

    def positional_call(self, args, kwargs):
        """A file's node arguments as this op's positional call arguments (keyword-only ones kept).

        JSON has no tuples: an index written as `x[:, 1:]` comes back as a list, which NumPy-style
        indexing would read as fancy indexing, so GetItem's key is made a tuple again.
        """
        args = list(args)
        if self.op_definition.class_name == "GetItem" and len(args) > 1 and isinstance(args[1], list):
            args[1] = tuple(args[1])
        if not kwargs:
            return args, {}
        kwargs = dict(kwargs)
        for param in self.op_definition.call_params[len(args):]:
            if not kwargs:
                break
            if param.kind == param.VAR_POSITIONAL or param.kind == param.KEYWORD_ONLY:
                break
            if param.name in kwargs:
                args.append(kwargs.pop(param.name))
            elif param.default is not param.empty:
                args.append(param.default)
            else:
                break
        return args, kwargs

    def written_call(self, args, form):
        """Inverse of `positional_call` for saving: `(positional count, names)` as the file had them."""
        count, names = form
        params = [p.name for p in self.op_definition.call_params]
        named = {name: args[params.index(name)] for name in names
                 if name in params and params.index(name) < len(args)}
        return list(args[:count]), named


def _record_torch_function(func, args, kwargs, name):
    """A torch function, tensor method or operator on KerasTensors as one `TorchOp` node."""
    # Inside a plain torch.nn.Module's forward, the whole module becomes one TorchModuleWrapper node.
    output = intercept_module_call()
    if output is not NOT_FOUND:
        return output
    # Straight to the symbolic call: a real tensor first (`torch.ones(3) + x`) must not take the
    # eager path of Layer.__call__, which looks only at the first argument.
    return symbolic_call(TorchOp(func, name=name), args, kwargs)


OperationHooks.record_torch_function = _record_torch_function
