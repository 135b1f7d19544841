"""One definition per op: the `keras_op` decorator.

Every op of `lamina.ops` is written once, as its eager torch function:

    @keras_op("Mean", config=("axis", "keepdims"), module="numpy")
    def mean(x, axis=None, keepdims=False):
        x = convert_to_tensor(x)
        ...                       # eager torch implementation, NumPy/Keras semantics
        return result

- `class_name`: the Keras Operation class that `.keras` files store for this op.
- `config`: the names of the function's parameters that Keras keeps in the op's config (its
  Operation's `__init__` arguments); every other parameter is a call argument (tensors, or
  lists/tuples of tensors, or plain values).
- `module`: the Keras module suffix ("numpy", "nn", "image", "linalg", "math", "core", "einops");
  the file names `keras.src.ops.<module>`.
- `output_spec` (optional): for ops whose output shape depends on the data (`nonzero`, `unique`),
  a function with the op's signature that receives the symbolic arguments and returns the output
  `KerasTensor`(s); every other op's shape and dtype come from running its function on fake
  (shape-only) tensors.

From that one definition the decorator derives the rest: called on a `KerasTensor` anywhere in
its arguments, the op records one graph node (`lamina.layers.core.torch_op.KerasOp`) whose
summary and file name the Keras class, whose config holds the `config` parameters and whose
replay, in a model or after loading a file, is the same function. Eagerly it is the function
itself plus one `isinstance` scan of the arguments.
"""

import functools
import inspect

from lamina.graph.keras_tensor import KerasTensor, OperationHooks

__all__ = ["keras_op", "OpDefinition", "OP_REGISTRY", "get_op_definition"]

# Keras class name -> OpDefinition, filled by the decorator at import time. Class names are unique
# across Keras's op modules (checked against keras_op_table.json); a second definition under the same
# class name (an alias such as `abs` for `absolute`) keeps the first.
OP_REGISTRY = {}

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _contains_symbolic(value, depth=0) -> bool:
    if isinstance(value, KerasTensor):
        return True
    if depth < 8 and isinstance(value, (list, tuple)):
        for item in value:
            if _contains_symbolic(item, depth + 1):
                return True
    elif depth < 8 and isinstance(value, dict):
        for item in value.values():
            if _contains_symbolic(item, depth + 1):
                return True
    return False


def _has_symbolic(args, kwargs) -> bool:
    # Runs on every eager op call: plain isinstance checks first, recursion only into containers.
    for value in args:
        if isinstance(value, KerasTensor):
            return True
        if isinstance(value, (list, tuple, dict)) and _contains_symbolic(value):
            return True
    if kwargs:
        for value in kwargs.values():
            if isinstance(value, KerasTensor):
                return True
            if isinstance(value, (list, tuple, dict)) and _contains_symbolic(value):
                return True
    return False


class OpDefinition:
    """What the decorator knows about one op: its function, Keras class name, config and call split.

    Args:
        fn: the eager function.
        class_name: the Keras Operation class name.
        config: names of the parameters kept in the config.
        module: Keras module suffix (`numpy`, `nn`, ...).
        output_spec: optional symbolic shape rule (see the module docstring).
    """

    def __init__(self, fn, class_name, config, module, output_spec=None):
        self.fn = fn
        self.name = fn.__name__
        self.class_name = class_name
        self.config = tuple(config)
        self.module = module
        self.output_spec = output_spec
        self.signature = inspect.signature(fn)
        params = self.signature.parameters
        unknown = [c for c in self.config if c not in params]
        self._var_keyword = next((p.name for p in params.values() if p.kind == p.VAR_KEYWORD), None)
        if unknown and self._var_keyword is None:
            raise TypeError(f"keras_op({class_name!r}): config names {unknown} are not parameters of "
                            f"{fn.__qualname__}{self.signature}.")
        # The call (tensor) parameters, in order: what a graph node records as its arguments.
        self.call_params = [p for p in params.values() if p.name not in self.config and p.kind != p.VAR_KEYWORD]

    @property
    def keras_module(self) -> str:
        return f"keras.src.ops.{self.module}"

    def __repr__(self):
        return f"<op {self.keras_module}.{self.class_name} ({self.name}{self.signature})>"

    # -- splitting a call into config and call arguments, and back ---------------------------

    def split(self, args, kwargs):
        """`(config, call_args, call_kwargs)` of a call `fn(*args, **kwargs)`.

        Call arguments become positional in the order of the call parameters (what Keras records),
        keyword-only ones stay keywords.
        """
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"ops.{self.name}{self.signature}: {error}.") from None
        bound.apply_defaults()
        config, call_args, call_kwargs = {}, [], {}
        for name, param in self.signature.parameters.items():
            value = bound.arguments.get(name)
            if param.kind == param.VAR_KEYWORD:
                for key, item in (value or {}).items():
                    (config if key in self.config else call_kwargs)[key] = item
            elif name in self.config:
                config[name] = value
            elif param.kind == param.VAR_POSITIONAL:
                call_args.extend(value)
            elif param.kind == param.KEYWORD_ONLY:
                call_kwargs[name] = value
            else:
                call_args.append(value)
        return config, call_args, call_kwargs

    def bind_call(self, config, call_args, call_kwargs):
        """Inverse of `split`: the function's `(args, kwargs)` for a node's config and arguments."""
        arguments = {}
        remaining = list(call_args)
        call_kwargs = dict(call_kwargs)
        extra = {}
        for param in self.signature.parameters.values():
            name = param.name
            if param.kind == param.VAR_KEYWORD:
                continue
            if name in self.config:
                if name in config:
                    arguments[name] = config[name]
                elif param.default is not param.empty:
                    arguments[name] = param.default
                continue
            if param.kind == param.VAR_POSITIONAL:
                arguments[name] = tuple(remaining)
                remaining = []
            elif param.kind in _POSITIONAL and remaining:
                arguments[name] = remaining.pop(0)
                if name in call_kwargs:
                    raise TypeError(f"ops.{self.name}: argument {name!r} given twice (by position and name).")
            elif name in call_kwargs:
                arguments[name] = call_kwargs.pop(name)
            elif param.default is not param.empty:
                arguments[name] = param.default
            else:
                raise TypeError(f"ops.{self.name}{self.signature}: missing the argument {name!r}.")
        if remaining:
            raise TypeError(f"ops.{self.name}{self.signature}: {len(remaining)} positional argument(s) too many.")
        for key, value in config.items():
            if key not in arguments and key not in self.signature.parameters:
                extra[key] = value
        if self._var_keyword is not None:
            extra.update(call_kwargs)
            call_kwargs = {}
        if call_kwargs:
            raise TypeError(f"ops.{self.name}{self.signature}: unexpected argument(s) {sorted(call_kwargs)}.")
        bound = inspect.BoundArguments(self.signature, arguments)
        kwargs = dict(bound.kwargs)
        if extra:
            kwargs.update(extra)
        return bound.args, kwargs

    def replay(self, config, call_args, call_kwargs):
        """Runs the op for a node: `fn` on the node's (real or fake) tensors with its config."""
        args, kwargs = self.bind_call(config, call_args, call_kwargs)
        return self.fn(*args, **kwargs)

    # -- the symbolic path --------------------------------------------------------------------

    def symbolic_call(self, args, kwargs, name=None):
        """Records one graph node for `fn(*args, **kwargs)` on symbolic tensors; returns its outputs."""
        from lamina.layers.core.torch_op import KerasOp
        from lamina.layers.module_interop import NOT_FOUND, intercept_module_call
        from lamina.layers.symbolic_call import symbolic_call

        # Inside a plain torch.nn.Module's forward, the whole module becomes one node.
        output = intercept_module_call()
        if output is not NOT_FOUND:
            return output
        config, call_args, call_kwargs = self.split(args, kwargs)
        for key, value in config.items():
            if _contains_symbolic(value):
                raise ValueError(
                    f"ops.{self.name}: the argument {key!r} must be a Python value (it is part of the op's "
                    f"configuration), but received a symbolic tensor {_symbolic_in(value)!r}. Pass a number, "
                    f"string, tuple or list; use a value computed from the shape (`x.shape`) when it depends "
                    f"on an input.")
        # Straight to the symbolic call (not Layer.__call__, whose eager fast path looks only at the
        # first argument: `ops.add(torch.ones(3), x)` is symbolic too).
        return symbolic_call(KerasOp(self, config, name=name), call_args, call_kwargs)


def _symbolic_in(value):
    if isinstance(value, KerasTensor):
        return value
    for item in (value.values() if isinstance(value, dict) else value):
        if _contains_symbolic(item):
            return _symbolic_in(item)
    return value


def get_op_definition(class_name):
    """The registered `OpDefinition` for a Keras class name, or None."""
    return OP_REGISTRY.get(class_name)


def keras_op(class_name, *, config=(), module="numpy", output_spec=None):
    """Declares an op; see the module docstring.

    Args:
        class_name: Keras's Operation class for this op (`"Mean"`).
        config: names of the parameters kept in the op's config (`("axis", "keepdims")`).
        module: Keras's op module (`"numpy"`, `"nn"`, `"image"`, `"linalg"`, `"math"`, `"core"`).
        output_spec: optional symbolic rule for data-dependent output shapes.

    Returns:
        A decorator returning the op function (same name, signature and docstring).
    """
    def decorate(fn):
        definition = OpDefinition(fn, class_name, config, module, output_spec=output_spec)
        OP_REGISTRY.setdefault(class_name, definition)

        @functools.wraps(fn)
        def op(*args, **kwargs):
            if _has_symbolic(args, kwargs):
                return definition.symbolic_call(args, kwargs)
            return fn(*args, **kwargs)

        op.op_definition = definition
        return op

    return decorate


# Python operators on KerasTensors (`x + y`, `x[:, 0]`) record the registered op of Keras's class.
OperationHooks.keras_op = get_op_definition
