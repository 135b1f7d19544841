"""`KerasTensor`: a symbolic tensor (shape, dtype, history) with no data.

Calling a layer on one records a graph node. Python operators, indexing,
tensor methods and plain `torch` functions applied to a KerasTensor also
become nodes (through `__torch_function__`), so `x + y`, `x[:, 0]`,
`x.mean(dim=1)` and `torch.cat([a, b], dim=-1)` work while building a model.
"""

import collections
import operator

import torch

from lamina import backend

__all__ = ["KerasTensor", "KerasHistory", "is_keras_tensor", "OperationHooks"]

KerasHistory = collections.namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])


def is_keras_tensor(value) -> bool:
    return isinstance(value, KerasTensor)


class OperationHooks:
    """How operations on KerasTensors become graph nodes, plugged in from above.

    `graph` knows nothing of layers or ops (they depend on it, not the reverse):
    `lamina.layers.core.torch_op` sets `record_torch_function(func, args, kwargs, name)` (a torch
    function, tensor method or operator recorded as one node) and `lamina.ops._op` sets
    `keras_op(class_name)` (the registered op of a Keras class name, which Python operators record
    so that files load in Keras).
    """

    record_torch_function = None
    keras_op = None


def _symbolic_op(func, args, kwargs, name=None):
    record = OperationHooks.record_torch_function
    if record is None:
        raise TypeError(f"{getattr(func, '__name__', func)!r} was applied to a symbolic KerasTensor before "
                        f"lamina.layers was imported; import lamina first.")
    return record(func, args, kwargs or {}, name)


class KerasTensor:
    """A symbolic tensor: a shape (with `None` for unknown dims), a dtype and the
    layer call that produced it.

    Args:
        shape: tuple of ints or `None` (batch dimension first).
        dtype: dtype name or torch dtype (default `"float32"`).
        sparse: whether the tensor stands for a sparse tensor.
        ragged: whether the tensor stands for a ragged tensor (torch has none; kept for Keras
            code that passes it; `sparse` and `ragged` cannot both be true).
        record_history: whether operations on the tensor record graph history (Keras's flag,
            stored as the attribute of the same name).
        name: optional name.
        **kwargs: Keras's `ragged_rank` and `row_splits_dtype`; anything else is a TypeError.

    Example:
        >>> x = lamina.Input(shape=(20,))
        >>> x.shape
        (None, 20)
    """

    def __init__(self, shape, dtype="float32", sparse=False, ragged=False, record_history=True,
                 name=None, **kwargs):
        ragged_rank = kwargs.pop("ragged_rank", None)
        row_splits_dtype = kwargs.pop("row_splits_dtype", None)
        if kwargs:
            raise TypeError(f"KerasTensor() got unexpected keyword arguments {sorted(kwargs)}; it accepts "
                            f"shape, dtype, sparse, ragged, record_history, name, ragged_rank and "
                            f"row_splits_dtype.")
        if sparse and ragged:
            raise ValueError("KerasTensor cannot have `sparse=True` and `ragged=True` at the same time; "
                             "pass at most one of them.")
        self.shape = tuple(None if d is None else int(d) for d in shape)
        # Strings have no torch dtype: a string input (`Input(dtype="string")`) keeps the name.
        self.dtype = "string" if dtype in ("string", str) else backend.to_torch_dtype(dtype)
        self.name = name
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.ragged_rank = None if ragged_rank is None else int(ragged_rank)
        self.row_splits_dtype = row_splits_dtype
        self.record_history = record_history
        self._keras_history = None
        # The symbolic mask travelling with this tensor (from Embedding(mask_zero=True), Masking...).
        self._keras_mask = None
        # Set on a mask tensor: the tensor whose mask it is (masks are computed with it).
        self._mask_of = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def dim(self) -> int:
        return len(self.shape)

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def __repr__(self):
        history = self._keras_history
        source = f", source={history.operation.name}" if history is not None else ""
        name = f", name={self.name}" if self.name else ""
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype if self.dtype == 'string' else backend.dtype_name(self.dtype)}"
                f"{source}{name}>")

    # A symbolic tensor has no value: fail loudly instead of behaving oddly.
    def __bool__(self):
        raise TypeError(
            f"A symbolic KerasTensor {self!r} has no value, so it cannot be used as a Python bool "
            f"(e.g. in `if` or `and`). Inside a Functional model use tensor ops, or write a "
            f"subclassed layer whose call() receives real tensors."
        )

    def __iter__(self):
        raise TypeError(
            f"A symbolic KerasTensor {self!r} cannot be iterated. Index it (x[:, 0]) or split it "
            f"with a layer or torch function (torch.unbind, torch.split)."
        )

    def __len__(self):
        raise TypeError(f"len() of a symbolic KerasTensor is undefined; use x.shape ({self.shape}).")

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"A symbolic KerasTensor {self!r} cannot be converted to a NumPy array: it only exists "
            f"while a model is being defined. Call the model on real data to get values."
        )

    def numpy(self):
        self.__array__()

    __hash__ = object.__hash__
    # NumPy defers to our reflected operators (`np_array + x` records Add(np_array, x)) instead of
    # trying to convert the symbolic tensor to an array.
    __array_ufunc__ = None

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return _symbolic_op(func, args, kwargs)

    def __getattr__(self, name):
        # Tensor methods and properties (x.mean(...), x.permute(...), x.T) become graph nodes.
        if name.startswith("_") or not hasattr(torch.Tensor, name):
            raise AttributeError(f"'KerasTensor' object has no attribute {name!r}")
        attribute = getattr(torch.Tensor, name)
        if callable(attribute):
            return lambda *args, **kwargs: _symbolic_op(attribute, (self,) + args, kwargs, name=name)
        return _symbolic_op(operator.attrgetter(name), (self,), None, name=name)


# Python operators record Keras's op classes (what Keras 3's KerasTensor records), so files written
# by lamina load in Keras: dunder -> (Keras class name, operands swapped?).
_KERAS_OPERATORS = {
    "__add__": ("Add", False), "__radd__": ("Add", True), "__sub__": ("Subtract", False),
    "__rsub__": ("Subtract", True), "__mul__": ("Multiply", False), "__rmul__": ("Multiply", True),
    "__matmul__": ("Matmul", False), "__rmatmul__": ("Matmul", True), "__truediv__": ("TrueDivide", False),
    "__rtruediv__": ("TrueDivide", True), "__neg__": ("Negative", False), "__abs__": ("Absolute", False),
    "__pow__": ("Power", False), "__rpow__": ("Power", True), "__floordiv__": ("FloorDivide", False),
    "__rfloordiv__": ("FloorDivide", True), "__mod__": ("Mod", False), "__rmod__": ("Mod", True),
    "__lt__": ("Less", False), "__le__": ("LessEqual", False), "__gt__": ("Greater", False),
    "__ge__": ("GreaterEqual", False), "__ne__": ("NotEqual", False), "__and__": ("LogicalAnd", False),
    "__rand__": ("LogicalAnd", True), "__or__": ("LogicalOr", False), "__ror__": ("LogicalOr", True),
    "__invert__": ("LogicalNot", False), "__xor__": ("LogicalXor", False), "__rxor__": ("LogicalXor", True),
    "__getitem__": ("GetItem", False),
}


def _keras_operator(class_name):
    """The registered lamina op of a Keras class name (None before `lamina.ops` is imported)."""
    find = OperationHooks.keras_op
    return None if find is None else find(class_name)


def _make_operator(dunder):
    tensor_method = getattr(torch.Tensor, dunder)
    keras_name, swapped = _KERAS_OPERATORS.get(dunder, (None, False))

    def method(self, *args):
        definition = _keras_operator(keras_name) if keras_name else None
        if definition is not None:
            operands = (args[0], self) if swapped else (self,) + args
            return definition.symbolic_call(operands, {})
        return _symbolic_op(tensor_method, (self,) + args, None)

    method.__name__ = dunder
    return method


def _round(self, ndigits=None):
    definition = _keras_operator("Round")
    if definition is not None:
        return definition.symbolic_call((self,), {"decimals": ndigits or 0})
    return _symbolic_op(torch.round, (self,), None if ndigits is None else {"decimals": ndigits})


for _dunder in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
                "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__",
                "__rpow__", "__matmul__", "__rmatmul__", "__neg__", "__pos__", "__abs__", "__invert__",
                "__and__", "__rand__", "__or__", "__ror__", "__xor__", "__rxor__", "__lt__", "__le__",
                "__gt__", "__ge__", "__ne__", "__getitem__"):
    setattr(KerasTensor, _dunder, _make_operator(_dunder))
KerasTensor.__round__ = _round
