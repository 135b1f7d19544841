"""One definition per op: the `keras_op` decorator (SKELETON: OPS-A replaces the internals).

CONTRACT (stable, used by ops/numpy.py, ops/nn.py, ops/image.py, ops/linalg.py, ops/math.py,
ops/core.py):

    @keras_op("Mean", config=("axis", "keepdims"))
    def mean(x, axis=None, keepdims=False):
        x = convert_to_tensor(x)
        ...                       # eager torch implementation, NumPy/Keras semantics
        return result

- `class_name`: the Keras Operation class that `.keras` files store for this op.
- `config`: the names of the function's parameters that Keras keeps in the op's config (its
  Operation's `__init__` arguments); every other parameter is a call argument (tensors, or
  lists/tuples of tensors).
- `module`: the Keras module suffix ("numpy", "nn", "image", "linalg", "math", "core");
  the file names `keras.src.ops.<module>`.

The decorated function runs eagerly as written. Called with a KerasTensor anywhere in its
arguments, it instead records one graph node whose replay is the same function.
"""

import functools
import inspect

__all__ = ["keras_op", "OP_REGISTRY"]

# Keras class name -> OpDefinition, filled by the decorator at import time.
OP_REGISTRY = {}


class OpDefinition:
    def __init__(self, fn, class_name, config, module):
        self.fn = fn
        self.class_name = class_name
        self.config = tuple(config)
        self.module = module
        self.signature = inspect.signature(fn)


def _has_symbolic(args, kwargs):
    from lamina.graph.keras_tensor import KerasTensor

    def check(value):
        if isinstance(value, KerasTensor):
            return True
        if isinstance(value, (list, tuple)):
            return any(check(v) for v in value)
        if isinstance(value, dict):
            return any(check(v) for v in value.values())
        return False

    return any(check(a) for a in args) or any(check(v) for v in kwargs.values())


def keras_op(class_name, *, config=(), module="numpy"):
    def decorate(fn):
        definition = OpDefinition(fn, class_name, config, module)
        OP_REGISTRY.setdefault(class_name, definition)

        @functools.wraps(fn)
        def op(*args, **kwargs):
            if _has_symbolic(args, kwargs):
                from lamina.layers.core.torch_op import TorchOp

                # SKELETON symbolic path: a TorchOp node replaying the eager function.
                return TorchOp(fn)(*args, **kwargs)
            return fn(*args, **kwargs)

        op.op_definition = definition
        return op

    return decorate
