"""The parameter type that `Layer.add_weight` returns, also public as `lamina.Variable`.

A `torch.nn.Parameter` subclass, so optimizers, `state_dict`, DDP and
`torch.compile` see an ordinary parameter, with the Keras `Variable` API people
call on weights (`value`, `numpy()`, `assign()`, `path`, `trainable`), and Keras's
constructor `Variable(initializer, shape=None, dtype=None, trainable=True, name=None)`.
"""

import numpy as np
import torch
from torch import nn

__all__ = ["Variable"]


class Variable(nn.Parameter):
    """A layer weight: a `torch.nn.Parameter` with Keras `Variable` helpers.

    Keras code reads weights with `w.numpy()` and writes them with `w.assign(v)`;
    both work here. Arithmetic on a `Variable` returns plain tensors.

    Args:
        initializer: the initial value (array, tensor, number), or an initializer
            (name or callable `(shape, dtype)`), which then needs `shape`.
        shape: the shape; required with an initializer, checked against a value.
        dtype: the dtype (default: the value's dtype, else `floatx`).
        trainable: whether optimizers update it (`requires_grad`).
        autocast, aggregation, synchronization, layout: accepted as Keras does
            (no effect on one device; `DataParallel` averages gradients itself).
        name: the variable's name (default `"variable"`, numbered like Keras).

    Example:
        >>> v = Variable("ones", shape=(2, 3), name="scale")
        >>> v.assign(np.zeros((2, 3))).numpy().sum()
        0.0
        >>> v.path, v.trainable, tuple(v.value.shape)
        ('scale', True, (2, 3))
    """

    def __new__(cls, initializer, shape=None, dtype=None, trainable=True, autocast=True, aggregation="none",
                synchronization="auto", name=None, layout=None, **kwargs):
        # torch's own copies pass `requires_grad`; Keras callers never do.
        requires_grad = kwargs.pop("requires_grad", None)
        if isinstance(shape, bool) and isinstance(initializer, torch.Tensor):
            # torch's own `type(param)(data, requires_grad)` (deepcopy, some wrappers).
            shape, requires_grad = None, shape
        if requires_grad is None:
            requires_grad = bool(trainable)
        if isinstance(initializer, torch.Tensor) and shape is None and dtype is None and name is None:
            # The internal path (add_weight, deepcopy): the tensor is the data, no copy.
            return super().__new__(cls, initializer.detach(), requires_grad)
        value = _initial_value(initializer, shape, dtype, name)
        # torch gives gradients to float and complex tensors only: an integer variable is a constant.
        requires_grad = requires_grad and (value.is_floating_point() or value.is_complex())
        param = super().__new__(cls, value, requires_grad)
        if name is not None:
            if not isinstance(name, str) or "/" in name:
                raise ValueError(f"Variable: `name` must be a string without '/'; received name={name!r}.")
            param._keras_name = name
        else:
            from lamina.backend.naming import unique_name

            param._keras_name = unique_name("variable")
        return param

    # Everything happens in __new__ (tensor subclasses); this signature is Keras's, so that
    # `inspect.signature(Variable)` and a call without `initializer` behave as in Keras.
    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True, aggregation="none",
                 synchronization="auto", name=None, layout=None, **kwargs):
        pass

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(memory_format=torch.preserve_format), self.requires_grad)
        for attr in ("_keras_name", "_owner_path", "_keras_perm"):
            if attr in self.__dict__:
                setattr(result, attr, self.__dict__[attr])
        memo[id(self)] = result
        return result

    # Set by Layer.add_weight; class-level defaults keep unpickled copies valid.
    _keras_name = None
    _owner_path = None
    # Set for weights stored in a torch layout (Dense/conv/RNN kernels): the permutation that maps
    # the Keras layout to the stored one. `numpy()`/`assign()` speak Keras layout, torch ops see
    # the stored tensor.
    _keras_perm = None

    @property
    def name(self) -> str:
        return self._keras_name or "variable"

    @property
    def path(self) -> str:
        """`"<layer name>/<weight name>"`, as Keras reports it."""
        return f"{self._owner_path}/{self.name}" if self._owner_path else self.name

    @property
    def trainable(self) -> bool:
        return self.requires_grad

    @trainable.setter
    def trainable(self, value):
        self.requires_grad_(bool(value))

    @property
    def value(self) -> "Variable":
        """The parameter itself, as Keras's torch backend gives it: `v.value.grad` is the gradient
        after `loss.backward()`. Built-in layers keep some kernels in torch's layout (a `Dense`
        kernel is `(out, in)` here); `numpy()` and `assign()` speak Keras's layout."""
        return self

    @property
    def keras_shape(self) -> tuple:
        """The shape in Keras layout (`(in, out)` for a Dense kernel stored as `(out, in)`)."""
        if self._keras_perm is None:
            return tuple(self.shape)
        return tuple(self.shape[i] for i in np.argsort(self._keras_perm))

    def keras_view(self, value=None) -> torch.Tensor:
        """`value` (default: this weight) seen in Keras layout: a view, no copy."""
        value = self if value is None else value
        if self._keras_perm is None:
            return value
        return value.permute(*np.argsort(self._keras_perm).tolist())

    def numpy(self, *, force=False) -> np.ndarray:  # noqa: D401 - Keras name
        """A NumPy copy of the value in Keras layout (detached, on the CPU).

        `force` matches `torch.Tensor.numpy`'s signature (the ONNX exporter passes it).
        """
        return self.keras_view(self.detach()).cpu().numpy().copy()

    def assign(self, value) -> "Variable":
        """Copies `value` (array-like, Keras layout and shape) into this weight in place."""
        value = torch.as_tensor(np.asarray(value) if not isinstance(value, torch.Tensor) else value)
        if tuple(value.shape) != self.keras_shape:
            raise ValueError(
                f"Cannot assign a value of shape {tuple(value.shape)} to weight "
                f"'{self.path}' of shape {self.keras_shape} (Keras layout)."
            )
        if self._keras_perm is not None:
            value = value.permute(*self._keras_perm)
        with torch.no_grad():
            self.copy_(value)
        return self

    def assign_add(self, value) -> "Variable":
        """Adds `value` (broadcast against the Keras-layout shape) in place, as Keras's
        `v.assign_add(x)` (e.g. a running total in a custom layer's `call`)."""
        return self.assign(self._combined(value, torch.add, "assign_add"))

    def assign_sub(self, value) -> "Variable":
        """Subtracts `value` (broadcast against the Keras-layout shape) in place."""
        return self.assign(self._combined(value, torch.sub, "assign_sub"))

    def _combined(self, value, op, method):
        # Detached and on this weight's device/dtype: an update never joins the autograd graph.
        if isinstance(value, torch.Tensor):
            value = value.detach().to(device=self.device, dtype=self.dtype)
        else:
            value = torch.as_tensor(np.asarray(value), device=self.device, dtype=self.dtype)
        shape = self.keras_shape
        if not _broadcastable(shape, value.shape) or tuple(torch.broadcast_shapes(shape, value.shape)) != shape:
            raise ValueError(
                f"Cannot {method} a value of shape {tuple(value.shape)} to weight '{self.path}' of shape "
                f"{shape} (Keras layout): the value must have the weight's shape or broadcast to it.")
        return op(self.keras_view(self.detach()), value)

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={tuple(self.shape)}, dtype={str(self.dtype).replace('torch.', '')}>"


def _broadcastable(shape, other):
    try:
        torch.broadcast_shapes(shape, other)
    except RuntimeError:
        return False
    return True


def _label(name):
    return f" {name!r}" if name else ""


def _initial_value(initializer, shape, dtype, name):
    """The starting tensor of a `Variable(...)` built by user code, with Keras's checks."""
    from lamina import initializers
    from lamina.backend.dtypes import standardize_dtype

    if isinstance(initializer, str):
        initializer = initializers.get(initializer)
    if callable(initializer) and not isinstance(initializer, (torch.Tensor, np.ndarray)):
        if shape is None:
            raise ValueError(
                f"Variable{_label(name)}: when created from an initializer ({initializer!r}) it needs a "
                f"`shape`, e.g. keras.Variable('zeros', shape=(3, 4)).")
        torch_dtype = standardize_dtype(dtype)
        with torch.no_grad():
            value = initializer(tuple(shape), dtype=torch_dtype)
        return torch.as_tensor(value, dtype=torch_dtype)
    if initializer is None:
        raise ValueError("Variable: `initializer` is required (a value, or an initializer with a `shape`).")
    if isinstance(initializer, torch.Tensor):
        value = initializer.detach().clone()
    else:
        array = np.asarray(initializer)
        if array.dtype == object or array.dtype.kind in "USV":
            raise TypeError(f"Variable{_label(name)}: cannot hold a value of dtype {array.dtype}; received "
                            f"{initializer!r}. Pass numbers, an array or a tensor.")
        value = torch.as_tensor(array)
        if value.dtype == torch.float64 and dtype is None:
            value = value.to(standardize_dtype(None))  # Python floats and float64 arrays become floatx
    if dtype is not None:
        value = value.to(standardize_dtype(dtype))
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise ValueError(f"Variable{_label(name)}: the initial value has shape {tuple(value.shape)}, but "
                         f"shape={tuple(shape)} was given.")
    return value
