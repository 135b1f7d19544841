"""Keras's `keras.src.ops.core` on PyTorch: casts, conversion, shapes, slicing, scatter, control flow.

Control flow follows Keras's torch backend, with torch's own mechanisms where they exist:
`vectorized_map` is `torch.vmap`; `while_loop` (and `fori_loop` with tensor bounds) runs as
`torch._higher_order_ops.while_loop` under `torch.compile`, so a compiled model keeps one graph;
`cond` uses `torch.cond` under `torch.compile` when its predicate is a tensor. `scan` and `map`
loop over the leading axis (each step is a tensor op on whole slices); `associative_scan` is the
parallel prefix scan (O(log n) steps of whole-tensor ops).
"""

import builtins

import numpy as np
import torch

from lamina.graph.keras_tensor import KerasTensor
from lamina.ops import _dtypes
from lamina.ops._op import keras_op
from lamina.utils import tree

__all__ = [
    "associative_scan", "cast", "cond", "convert_to_numpy", "convert_to_tensor", "custom_gradient", "dtype",
    "fori_loop", "is_tensor", "map", "saturate_cast", "scan", "scatter", "scatter_update", "shape", "slice",
    "slice_update", "stop_gradient", "switch", "unstack", "vectorized_map", "while_loop",
]


def _tensor(op, name, value, dtype=None):
    try:
        return _dtypes.convert_to_tensor(value, dtype=dtype)
    except (ValueError, TypeError) as error:
        raise ValueError(f"ops.{op}: argument `{name}` must be a tensor, array or number; received "
                         f"{type(value).__name__} ({error}).") from None


def _check_callable(op, name, value):
    if not callable(value):
        raise TypeError(f"ops.{op}: argument `{name}` must be a callable; received {type(value).__name__} "
                        f"{value!r}.")


def _is_compiling() -> bool:
    return torch.compiler.is_compiling()


# --------------------------------------------------------------------------------------------
# Dtypes and conversion


@keras_op("Cast", config=("dtype",), module="core")
def cast(x, dtype):
    """Casts a tensor to `dtype` (NumPy `x.astype(dtype)`; torch `Tensor.to(dtype)`).

    Args:
        x: a tensor, array or number.
        dtype: the target dtype (name such as `"float16"`, NumPy or torch dtype).

    Returns:
        The tensor in `dtype` (the same tensor when it already has it).

    Example:
        >>> ops.cast(torch.tensor([1.7, -1.7]), "int32")  # tensor([ 1, -1], dtype=torch.int32)
    """
    target = _dtypes.to_torch_dtype(dtype)
    x = _tensor("cast", "x", x)
    return x if x.dtype == target else x.to(target)


def _limits(name):
    if name == "bool":
        return 0, 1
    if "int" in name:
        info = np.iinfo(name)
        return info.min, info.max
    info = torch.finfo(_dtypes.to_torch_dtype(name))
    return info.min, info.max


def _representable(limit, bound, in_dtype, too_far):
    """`limit` as a value of the input dtype that stays within `bound` once rounded to that dtype.

    float32 cannot hold int32's maximum 2147483647 (it rounds up to 2147483648, past the bound), so
    such a limit moves one step toward zero, as Keras does.
    """
    value = torch.tensor(limit, dtype=torch.float64).to(in_dtype)
    if value.is_floating_point() and too_far(value.double().item(), bound):
        value = torch.nextafter(value, torch.zeros((), dtype=in_dtype))
    return value.item()


@keras_op("SaturateCast", config=("dtype",), module="core")
def saturate_cast(x, dtype):
    """Casts to `dtype`, clipping to its range first (no wrap-around; torch `clamp` then `to`).

    `cast([-1., 256.], "uint8")` wraps to `[255, 0]`; `saturate_cast` gives `[0, 255]`.

    Args:
        x: a tensor, array or number.
        dtype: the target dtype.

    Returns:
        The clipped, cast tensor.

    Example:
        >>> ops.saturate_cast(torch.tensor([-1.0, 300.0]), "uint8")  # tensor([  0, 255], dtype=torch.uint8)
    """
    out_name = _dtypes.standardize_dtype(dtype)
    target = _dtypes.to_torch_dtype(out_name)
    x = _tensor("saturate_cast", "x", x)
    if x.dtype == torch.bool:
        return x.to(target)
    in_min, in_max = _limits(_dtypes.standardize_dtype(x.dtype))
    out_min, out_max = _limits(out_name)
    low = _representable(max(in_min, out_min), out_min, x.dtype, lambda v, b: v < b)
    high = _representable(min(in_max, out_max), out_max, x.dtype, lambda v, b: v > b)
    return torch.clamp(x, low, high).to(target)


@keras_op("ConvertToTensor", config=("dtype", "sparse", "ragged"), module="core")
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """A torch tensor from a tensor, NumPy array, Python number or list (NumPy `np.asarray`; torch `torch.as_tensor`).

    Python ints become int32 (int64 beyond 32 bits), Python floats `floatx()`, NumPy arrays keep
    their dtype, torch tensors pass through on their device.

    Args:
        x: the value.
        dtype: optional target dtype.
        sparse: must be falsy (torch has no Keras sparse tensors).
        ragged: must be falsy.

    Returns:
        A `torch.Tensor`.

    Example:
        >>> ops.convert_to_tensor([1, 2]).dtype  # torch.int32
    """
    return _dtypes.convert_to_tensor(x, dtype=dtype, sparse=sparse, ragged=ragged)


def convert_to_numpy(x):
    """A NumPy array with the values of `x` (torch `Tensor.detach().cpu().numpy()`).

    Args:
        x: a tensor, array, number or list of them.

    Returns:
        A `np.ndarray` (bfloat16 values as float32).

    Example:
        >>> ops.convert_to_numpy(torch.ones(2))  # array([1., 1.], dtype=float32)
    """
    if isinstance(x, KerasTensor):
        raise ValueError(f"ops.convert_to_numpy: a symbolic tensor {x!r} has no values; it only exists while a "
                         f"model is being defined. Call the model on real data to get values.")
    return _dtypes.convert_to_numpy(x)


def dtype(x):
    """The Keras name of the dtype of `x` (NumPy `x.dtype.name`; torch `Tensor.dtype`).

    Args:
        x: a tensor, symbolic tensor, array or number.

    Returns:
        A string such as `"float32"`.

    Example:
        >>> ops.dtype(torch.ones(2, dtype=torch.int8))  # 'int8'
    """
    if isinstance(x, (torch.Tensor, KerasTensor, np.ndarray, np.generic)):
        return _dtypes.standardize_dtype(x.dtype)
    value = getattr(x, "value", None)
    if isinstance(value, torch.Tensor):
        return _dtypes.standardize_dtype(value.dtype)
    return _dtypes.standardize_dtype(_dtypes.convert_to_tensor(x).dtype)


def is_tensor(x):
    """Whether `x` is a (real) torch tensor (torch `isinstance(x, torch.Tensor)`); symbolic tensors are not.

    Example:
        >>> ops.is_tensor(torch.ones(1)), ops.is_tensor(np.ones(1))  # (True, False)
    """
    return isinstance(x, torch.Tensor)


def shape(x):
    """The shape of `x` as a tuple of ints (`None` for unknown dimensions of symbolic tensors).

    NumPy `np.shape`; torch `tuple(Tensor.shape)`.

    Example:
        >>> ops.shape(torch.zeros(2, 3))  # (2, 3)
    """
    if isinstance(x, KerasTensor):
        return tuple(x.shape)
    if isinstance(x, torch.Tensor):
        return tuple(x.shape)
    value = getattr(x, "value", None)
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    return tuple(np.shape(x))


@keras_op("StopGradient", module="core")
def stop_gradient(variable):
    """The same values with no gradient flowing back (torch `Tensor.detach`; JAX `lax.stop_gradient`).

    Args:
        variable: a tensor or variable.

    Returns:
        A tensor sharing the values, cut from the autograd graph.

    Example:
        >>> y = ops.stop_gradient(x * 2)  # y.requires_grad is False
    """
    value = getattr(variable, "value", variable)
    return _tensor("stop_gradient", "variable", value).detach()


def _unstack_spec(x, num=None, axis=0):
    size = x.shape[axis]
    if size is None:
        if num is None:
            raise ValueError(f"ops.unstack: the size of axis {axis} of the symbolic input {x!r} is unknown; pass "
                             f"`num=` (the number of slices) or give the input a known size on that axis.")
        size = num
    shape = tuple(d for i, d in enumerate(x.shape) if i != axis % len(x.shape))
    return [KerasTensor(shape, dtype=x.dtype) for _ in range(size)]


@keras_op("Unstack", config=("num", "axis"), module="core", output_spec=_unstack_spec)
def unstack(x, num=None, axis=0):
    """Splits a tensor into a list of slices along `axis` (torch `torch.unbind`; NumPy `list(np.moveaxis(x, axis, 0))`).

    Args:
        x: the tensor.
        num: the number of slices (checked when given; needed for symbolic inputs of unknown size).
        axis: the axis to unstack.

    Returns:
        A list of `x.shape[axis]` tensors.

    Example:
        >>> a, b = ops.unstack(torch.tensor([[1, 2], [3, 4]]))  # tensor([1, 2]), tensor([3, 4])
    """
    x = _tensor("unstack", "x", x)
    if not -x.dim() <= axis < max(x.dim(), 1) or x.dim() == 0:
        raise ValueError(f"ops.unstack: `axis` {axis} is out of range for a tensor of rank {x.dim()}.")
    if num is not None and num != x.shape[axis]:
        raise ValueError(f"ops.unstack: `num`={num} does not match the size {x.shape[axis]} of axis {axis}.")
    return list(x.unbind(axis))


# --------------------------------------------------------------------------------------------
# Slicing and scatter


def _int_list(op, name, value):
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (list, tuple)) and builtins.all(isinstance(v, (int, np.integer, torch.SymInt))
                                                         for v in value):
        return [int(v) if not isinstance(v, torch.SymInt) else v for v in value]
    if isinstance(value, np.ndarray):
        return [int(v) for v in value.tolist()]
    raise ValueError(f"ops.{op}: `{name}` must be a list/tuple of ints or an integer tensor; received {value!r}.")


@keras_op("Slice", config=("shape",), module="core")
def slice(inputs, start_indices, shape):
    """A block of `inputs` starting at `start_indices` with size `shape` (JAX `lax.dynamic_slice`; torch `narrow`).

    Args:
        inputs: the tensor.
        start_indices: one start per dimension (ints or an integer tensor).
        shape: the size of the block along each dimension.

    Returns:
        The block, of shape `shape`.

    Example:
        >>> ops.slice(torch.arange(10).reshape(2, 5), (0, 1), (2, 3))  # tensor([[1, 2, 3], [6, 7, 8]])
    """
    inputs = _tensor("slice", "inputs", inputs)
    starts = _int_list("slice", "start_indices", start_indices)
    sizes = _int_list("slice", "shape", shape)
    if len(starts) != inputs.dim() or len(sizes) != inputs.dim():
        raise ValueError(f"ops.slice: `start_indices` ({len(starts)} values) and `shape` ({len(sizes)} values) "
                         f"need one value per dimension of `inputs` (rank {inputs.dim()}, shape {tuple(inputs.shape)}).")
    result = inputs
    for dim in range(inputs.dim()):
        start = starts[dim]
        if isinstance(start, torch.Tensor):
            start = start.to(torch.int64)
        result = torch.narrow(result, dim, start, int(sizes[dim]))
    return result


@keras_op("SliceUpdate", module="core")
def slice_update(inputs, start_indices, updates):
    """`inputs` with the block at `start_indices` replaced by `updates` (JAX `lax.dynamic_update_slice`).

    Args:
        inputs: the tensor.
        start_indices: one start per dimension.
        updates: the new block (its shape is the block's size).

    Returns:
        A new tensor (inputs are not modified); gradients flow to `inputs` and `updates`.

    Example:
        >>> ops.slice_update(torch.zeros(4), (1,), torch.ones(2))  # tensor([0., 1., 1., 0.])
    """
    inputs = _tensor("slice_update", "inputs", inputs)
    updates = _tensor("slice_update", "updates", updates).to(device=inputs.device, dtype=inputs.dtype)
    starts = _int_list("slice_update", "start_indices", start_indices)
    if len(starts) != inputs.dim() or updates.dim() != inputs.dim():
        raise ValueError(f"ops.slice_update: `start_indices` ({len(starts)} values) and `updates` (rank "
                         f"{updates.dim()}) must match the rank of `inputs` ({inputs.dim()}, shape "
                         f"{tuple(inputs.shape)}).")
    if not isinstance(starts, torch.Tensor):
        for dim, (start, size, total) in enumerate(zip(starts, updates.shape, inputs.shape)):
            if start < 0 or start + size > total:
                raise ValueError(f"ops.slice_update: an update of size {size} at index {start} does not fit "
                                 f"dimension {dim} of size {total} (inputs shape {tuple(inputs.shape)}).")
        key = tuple(builtins.slice(s, s + n) for s, n in zip(starts, updates.shape))
        out = inputs.clone()
        out[key] = updates
        return out
    grids = torch.meshgrid(*[torch.arange(n, device=inputs.device) + starts[d].to(inputs.device)
                             for d, n in enumerate(updates.shape)], indexing="ij")
    return inputs.index_put(tuple(grids), updates)


def _linear_indices(op, indices, shape):
    """Row indices into `shape[:k]` flattened, for `indices` of shape (..., k); refuses bad indices."""
    k = indices.shape[-1]
    if k > len(shape):
        raise ValueError(f"ops.{op}: `indices` address {k} dimensions but the tensor has rank {len(shape)} "
                         f"(shape {tuple(shape)}).")
    flat = indices.reshape(-1, k).to(torch.int64)
    strides = [1] * k
    for d in range(k - 2, -1, -1):
        strides[d] = strides[d + 1] * int(shape[d + 1])
    strides = torch.tensor(strides, dtype=torch.int64, device=flat.device)
    return (flat * strides).sum(-1), k


@keras_op("Scatter", config=("shape",), module="core")
def scatter(indices, values, shape):
    """A zero tensor of `shape` with `values` added at `indices` (TF `tf.scatter_nd`; torch `index_put_(accumulate=True)`).

    Args:
        indices: integer tensor of shape `(..., k)`: positions in the first `k` dimensions.
        values: values of shape `indices.shape[:-1] + shape[k:]`; repeated indices add up.
        shape: the output shape.

    Returns:
        A tensor of `shape` in the dtype of `values`.

    Example:
        >>> ops.scatter([[0], [2], [0]], [1.0, 2.0, 3.0], (4,))  # tensor([4., 0., 2., 0.])
    """
    values = _tensor("scatter", "values", values)
    indices = _tensor("scatter", "indices", indices).to(values.device)
    if indices.is_floating_point() or indices.dtype == torch.bool:
        raise ValueError(f"ops.scatter: `indices` must be integers; received dtype {_dtypes.standardize_dtype(indices.dtype)}.")
    shape = tuple(int(d) for d in _int_list("scatter", "shape", shape))
    rows, k = _linear_indices("scatter", indices, shape)
    rest = shape[k:]
    try:
        values = values.reshape((-1,) + rest)
        if values.shape[0] != rows.shape[0]:
            raise RuntimeError
    except RuntimeError:
        raise ValueError(f"ops.scatter: `values` of shape {tuple(values.shape)} do not fit `indices` of shape "
                         f"{tuple(indices.shape)} into `shape` {shape}; expected shape "
                         f"{tuple(indices.shape[:-1]) + rest}.") from None
    out = torch.zeros((int(np.prod(shape[:k], dtype=np.int64)),) + rest, dtype=values.dtype, device=values.device)
    out = out.index_add(0, rows, values)
    return out.reshape(shape)


_REDUCTIONS = {"add": "sum", "max": "amax", "min": "amin", "mul": "prod"}


@keras_op("ScatterUpdate", config=("reduction",), module="core")
def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written (or combined) at `indices` (TF `tensor_scatter_nd_update`; torch `index_put`).

    Args:
        inputs: the tensor.
        indices: integer tensor of shape `(n, k)`: positions in the first `k` dimensions.
        updates: values of shape `(n,) + inputs.shape[k:]`.
        reduction: `None` (replace), `"add"`, `"max"`, `"min"` or `"mul"`.

    Returns:
        A new tensor like `inputs`.

    Example:
        >>> ops.scatter_update(torch.zeros(4), [[1], [3]], torch.tensor([5.0, 6.0]))  # tensor([0., 5., 0., 6.])
    """
    if reduction is not None and reduction not in _REDUCTIONS:
        raise ValueError(f"ops.scatter_update: `reduction` must be None, 'add', 'max', 'min' or 'mul'; received "
                         f"{reduction!r}.")
    inputs = _tensor("scatter_update", "inputs", inputs)
    indices = _tensor("scatter_update", "indices", indices).to(inputs.device)
    if indices.is_floating_point() or indices.dtype == torch.bool:
        raise ValueError(f"ops.scatter_update: `indices` must be integers; received dtype "
                         f"{_dtypes.standardize_dtype(indices.dtype)}.")
    updates = _tensor("scatter_update", "updates", updates).to(device=inputs.device, dtype=inputs.dtype)
    rows, k = _linear_indices("scatter_update", indices, tuple(inputs.shape))
    rest = tuple(inputs.shape[k:])
    flat = inputs.reshape((-1,) + rest)
    try:
        updates = updates.reshape((rows.shape[0],) + rest)
    except RuntimeError:
        raise ValueError(f"ops.scatter_update: `updates` of shape {tuple(updates.shape)} do not match `indices` of "
                         f"shape {tuple(indices.shape)} for inputs of shape {tuple(inputs.shape)}; expected "
                         f"{(rows.shape[0],) + rest}.") from None
    if reduction is None:
        out = flat.index_copy(0, rows, updates)
    else:
        index = rows.reshape((-1,) + (1,) * len(rest)).expand_as(updates)
        out = flat.scatter_reduce(0, index, updates, _REDUCTIONS[reduction], include_self=True)
    return out.reshape(inputs.shape)


# --------------------------------------------------------------------------------------------
# Control flow


def _cond_spec(pred, true_fn, false_fn):
    raise ValueError(
        "ops.cond: the predicate is a symbolic tensor, and a Functional graph cannot record Python branch "
        "functions. Choose between tensors with ops.where(pred, a, b), or call ops.cond inside a Layer's "
        "call(), where it receives real tensors.")


@keras_op("Cond", module="core", output_spec=_cond_spec)
def cond(pred, true_fn, false_fn):
    """`true_fn()` if `pred` else `false_fn()` (JAX `lax.cond`; torch `torch.cond` under `torch.compile`).

    Args:
        pred: a Python bool or a scalar boolean tensor.
        true_fn: callable without arguments, run when `pred` is true.
        false_fn: callable without arguments, run otherwise.

    Returns:
        The chosen function's output.

    Example:
        >>> ops.cond(x.sum() > 0, lambda: x, lambda: -x)
    """
    _check_callable("cond", "true_fn", true_fn)
    _check_callable("cond", "false_fn", false_fn)
    if isinstance(pred, torch.Tensor):
        if pred.numel() != 1:
            raise ValueError(f"ops.cond: `pred` must be a scalar; received a tensor of shape {tuple(pred.shape)}.")
        if _is_compiling():
            return torch.cond(pred.reshape(()).to(torch.bool), lambda: true_fn(), lambda: false_fn(), ())
        pred = bool(pred)
    return true_fn() if pred else false_fn()


@keras_op("Switch", module="core")
def switch(index, branches, *operands):
    """`branches[index](*operands)`, with `index` clamped to the valid range (JAX `lax.switch`).

    Args:
        index: an int or scalar integer tensor.
        branches: a list of callables.
        *operands: the arguments passed to the chosen branch.

    Returns:
        The chosen branch's output.

    Example:
        >>> ops.switch(1, [lambda x: x + 1, lambda x: x - 1], torch.tensor(5))  # tensor(4)
    """
    if not isinstance(branches, (list, tuple)) or not branches:
        raise ValueError(f"ops.switch: `branches` must be a non-empty list of callables; received {branches!r}.")
    for i, branch in enumerate(branches):
        _check_callable("switch", f"branches[{i}]", branch)
    index = int(_tensor("switch", "index", index))
    return branches[builtins.min(builtins.max(index, 0), len(branches) - 1)](*operands)


def _as_loop_tuple(op, values):
    return tuple(values) if isinstance(values, (list, tuple)) else (values,)


def _compiled_while(cond_fn, body_fn, loop_vars, maximum_iterations):
    from torch._higher_order_ops.while_loop import while_loop as torch_while_loop

    if maximum_iterations is None:
        return tuple(torch_while_loop(lambda *v: cond_fn(*v), lambda *v: tuple(body_fn(*v)), loop_vars))
    limit = int(maximum_iterations)

    def counted_cond(i, *v):
        return torch.logical_and(i < limit, torch.as_tensor(cond_fn(*v)))

    def counted_body(i, *v):
        return (i + 1,) + tuple(body_fn(*v))

    start = torch.zeros((), dtype=torch.int64, device=loop_vars[0].device if loop_vars else None)
    return tuple(torch_while_loop(counted_cond, counted_body, (start,) + loop_vars))[1:]


@keras_op("WhileLoop", config=("cond", "body", "maximum_iterations"), module="core")
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Runs `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` (JAX `lax.while_loop`; torch `while_loop`).

    Under `torch.compile` it becomes torch's `while_loop` (one graph, no break); eagerly a Python loop.

    Args:
        cond: callable taking the loop variables, returning a boolean scalar.
        body: callable taking the loop variables, returning new ones (same structure).
        loop_vars: a tensor or a tuple/list of tensors.
        maximum_iterations: optional bound on the number of iterations.

    Returns:
        The final loop variables, in the structure of `loop_vars`.

    Example:
        >>> ops.while_loop(lambda i: i < 10, lambda i: i + 1, torch.tensor(0))  # tensor(10)
    """
    _check_callable("while_loop", "cond", cond)
    _check_callable("while_loop", "body", body)
    if maximum_iterations is not None and (not isinstance(maximum_iterations, (int, np.integer))
                                           or maximum_iterations < 0):
        raise ValueError(f"ops.while_loop: `maximum_iterations` must be None or a non-negative int; received "
                         f"{maximum_iterations!r}.")
    is_sequence = isinstance(loop_vars, (list, tuple))
    values = tuple(_tensor("while_loop", "loop_vars", v) for v in _as_loop_tuple("while_loop", loop_vars))
    if _is_compiling() and builtins.all(isinstance(v, torch.Tensor) for v in values):
        values = _compiled_while(cond, body, values, maximum_iterations)
    else:
        step = 0
        while (maximum_iterations is None or step < maximum_iterations) and bool(cond(*values)):
            values = _as_loop_tuple("while_loop", body(*values))
            step += 1
    if not is_sequence:
        return values[0]
    return type(loop_vars)(values) if isinstance(loop_vars, list) else values


@keras_op("ForiLoop", config=("lower", "upper", "body_fun"), module="core")
def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for `i` in `range(lower, upper)` (JAX `lax.fori_loop`).

    Args:
        lower: first index (int or scalar integer tensor).
        upper: end index (exclusive).
        body_fun: callable `(i, val) -> val`.
        init_val: the initial value (a tensor or a structure of tensors).

    Returns:
        The final value.

    Example:
        >>> ops.fori_loop(0, 5, lambda i, s: s + i, torch.tensor(0))  # tensor(10)
    """
    _check_callable("fori_loop", "body_fun", body_fun)
    if isinstance(lower, torch.Tensor) or isinstance(upper, torch.Tensor):
        if not _is_compiling():
            lower, upper = int(lower), int(upper)
        else:
            flat = tree.flatten(init_val)

            def body(i, *vals):
                out = body_fun(i, tree.pack_like(init_val, list(vals)))
                return (i + 1,) + tuple(tree.flatten(out))

            start = torch.as_tensor(lower).to(torch.int64)
            end = torch.as_tensor(upper).to(torch.int64)
            result = while_loop(lambda i, *v: i < end, body, (start,) + tuple(flat))
            return tree.pack_like(init_val, list(result[1:]))
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def _pack(structure, flat):
    return tree.pack_like(structure, flat) if tree.is_nested(structure) else flat[0]


@keras_op("Scan", config=("length", "reverse", "unroll"), module="core")
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loops `carry, y = f(carry, x)` over the leading axis of `xs`, stacking the `y`s (JAX `lax.scan`).

    Args:
        f: callable `(carry, x) -> (carry, y)`.
        init: the initial carry (a tensor or structure of tensors).
        xs: values to loop over along axis 0 (a tensor, a structure of tensors, or None).
        length: the number of steps when `xs` is None (checked against `xs` otherwise).
        reverse: loop from the end.
        unroll: accepted for compatibility (a positive int or bool; torch needs no unrolling hint).

    Returns:
        `(final_carry, stacked_ys)`.

    Example:
        >>> ops.scan(lambda c, x: (c + x, c * x), torch.tensor(0.0), torch.arange(4.0))
    """
    _check_callable("scan", "f", f)
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"ops.scan: `unroll` must be a positive int or a bool; received {unroll!r}.")
    if xs is None and length is None:
        raise ValueError("ops.scan: got no `xs` to scan over and no `length`; pass one of them.")
    xs_flat = [] if xs is None else [_tensor("scan", "xs", x) for x in tree.flatten(xs)]
    n = int(length) if length is not None else xs_flat[0].shape[0]
    for x in xs_flat:
        if x.dim() == 0 or x.shape[0] != n:
            raise ValueError(f"ops.scan: every `xs` tensor needs leading size {n} (the scan length); received shapes "
                             f"{[tuple(t.shape) for t in xs_flat]}.")
    carry = _pack(init, [_tensor("scan", "init", v) for v in tree.flatten(init)])
    ys = []
    for i in (range(n - 1, -1, -1) if reverse else range(n)):
        x = _pack(xs, [t[i] for t in xs_flat]) if xs is not None else None
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys:
        return carry, None
    if builtins.all(y is None for y in ys):
        return carry, None
    stacked = [torch.stack(parts) for parts in zip(*[tree.flatten(y) for y in ys])]
    return carry, _pack(ys[0], stacked)


@keras_op("Map", module="core")
def map(f, xs):
    """`f` applied to each slice of `xs` along axis 0, results stacked (JAX `lax.map`; a loop, not `vmap`).

    Args:
        f: callable on one slice (a tensor or the structure of `xs`).
        xs: a tensor or a structure of tensors with the same leading size.

    Returns:
        The stacked outputs, in the structure `f` returns.

    Example:
        >>> ops.map(lambda x: x.sum(), torch.ones(3, 2))  # tensor([2., 2., 2.])
    """
    _check_callable("map", "f", f)
    _, ys = scan(lambda carry, x: (carry, f(x)), (), xs)
    return ys


def _interleave(even, odd, axis):
    """even[0], odd[0], even[1], odd[1], ... along `axis` (even may have one more element)."""
    n_odd = odd.shape[axis]
    head = torch.stack([even.narrow(axis, 0, n_odd), odd], dim=axis + 1).flatten(axis, axis + 1)
    if even.shape[axis] > n_odd:
        head = torch.cat([head, even.narrow(axis, n_odd, 1)], dim=axis)
    return head


def _every_other(x, start, axis, stop=None):
    index = [builtins.slice(None)] * x.dim()
    index[axis] = builtins.slice(start, stop, 2)
    return x[tuple(index)]


@keras_op("AssociativeScan", config=("reverse", "axis"), module="core")
def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive prefix scan with an associative `f` (JAX `lax.associative_scan`; `cumsum` for `f=add`).

    Runs in O(log n) rounds of whole-tensor calls of `f` (the parallel prefix algorithm).

    Args:
        f: associative callable `(a, b) -> c` on tensors (or structures like `elems`).
        elems: a tensor or structure of tensors with equal size along `axis`.
        reverse: scan from the end.
        axis: the axis to scan.

    Returns:
        The scanned values, in the structure of `elems`.

    Example:
        >>> ops.associative_scan(lambda a, b: a + b, torch.arange(5))  # tensor([ 0,  1,  3,  6, 10])
    """
    _check_callable("associative_scan", "f", f)
    flat = [_tensor("associative_scan", "elems", e) for e in tree.flatten(elems)]
    if not flat:
        raise ValueError("ops.associative_scan: `elems` holds no tensor.")
    sizes = {e.shape[axis] if e.dim() else None for e in flat}
    if len(sizes) != 1 or None in sizes:
        raise ValueError(f"ops.associative_scan: every `elems` tensor needs the same size along axis {axis}; "
                         f"received shapes {[tuple(e.shape) for e in flat]}.")
    axis = axis % flat[0].dim()
    if reverse:
        flat = [torch.flip(e, (axis,)) for e in flat]

    def combine(a, b):
        out = f(_pack(elems, a), _pack(elems, b))
        return [_tensor("associative_scan", "f's output", o) for o in tree.flatten(out)]

    def run(values):
        n = values[0].shape[axis]
        if n < 2:
            return values
        reduced = combine([_every_other(v, 0, axis, stop=n - 1 if n % 2 else None) for v in values],
                          [_every_other(v, 1, axis) for v in values])
        odd = run(reduced)
        if n % 2 == 0:
            tail = combine([o.narrow(axis, 0, o.shape[axis] - 1) for o in odd],
                           [_every_other(v, 2, axis) for v in values])
        else:
            tail = combine(odd, [_every_other(v, 2, axis) for v in values])
        even = [torch.cat([v.narrow(axis, 0, 1), t], dim=axis) for v, t in zip(values, tail)]
        return [_interleave(e, o, axis) for e, o in zip(even, odd)]

    result = run(flat)
    if reverse:
        result = [torch.flip(r, (axis,)) for r in result]
    return _pack(elems, result)


@keras_op("VectorizedMap", config=("function",), module="core")
def vectorized_map(function, elements):
    """`function` applied to each slice of `elements` along axis 0, in parallel (torch `torch.vmap`).

    Args:
        function: callable on one slice (a tensor or the structure of `elements`).
        elements: a tensor or a structure of tensors with the same leading size.

    Returns:
        The outputs stacked along axis 0.

    Example:
        >>> ops.vectorized_map(lambda x: x @ x, torch.ones(4, 3))  # tensor([3., 3., 3., 3.])
    """
    _check_callable("vectorized_map", "function", function)
    if isinstance(elements, (list, tuple)):
        elements = type(elements)(_tensor("vectorized_map", "elements", e) for e in elements) \
            if isinstance(elements, tuple) else [_tensor("vectorized_map", "elements", e) for e in elements]
    elif not isinstance(elements, dict):
        elements = _tensor("vectorized_map", "elements", elements)
    return torch.vmap(function)(elements)


# --------------------------------------------------------------------------------------------
# custom_gradient


class _CustomGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, forward_fn, kwargs, *args):
        output, grad_fn = forward_fn(*args, **kwargs)
        ctx.grad_fn = grad_fn
        ctx.tensor_args = [isinstance(a, torch.Tensor) for a in args]
        return output

    @staticmethod
    def backward(ctx, *upstream):
        upstream = upstream[0] if len(upstream) == 1 else upstream
        grad_fn = ctx.grad_fn
        try:
            import inspect

            takes_keyword = "upstream" in inspect.signature(grad_fn).parameters
        except (TypeError, ValueError):
            takes_keyword = False
        grads = grad_fn(upstream=upstream) if takes_keyword else grad_fn(upstream)
        grads = tuple(grads) if isinstance(grads, (list, tuple)) else (grads,)
        wanted = builtins.sum(ctx.tensor_args)
        if len(grads) != wanted:
            raise ValueError(f"ops.custom_gradient: the gradient function returned {len(grads)} gradient(s) for "
                             f"{wanted} tensor input(s); return one per tensor argument of the decorated function.")
        it = iter(grads)
        return (None, None) + tuple(next(it) if is_tensor_arg else None for is_tensor_arg in ctx.tensor_args)


def custom_gradient(f):
    """Decorator: `f` returns `(output, grad_fn)` and `grad_fn(upstream)` gives the input gradients.

    JAX `jax.custom_vjp` / TF `tf.custom_gradient`; torch `torch.autograd.Function`. The gradient
    function may take the upstream gradient positionally (`def grad(upstream)`) or by keyword
    (`def grad(*args, upstream=None)`, Keras's portable form).

    Args:
        f: function of tensors returning `(output, grad_fn)`.

    Returns:
        A function returning `output`, whose backward pass calls `grad_fn`.

    Example:
        >>> @ops.custom_gradient
        ... def log1pexp(x):
        ...     e = ops.exp(x)
        ...     def grad(*args, upstream=None):
        ...         return upstream * (1.0 - 1.0 / (1 + e))
        ...     return ops.log(1 + e), grad
    """
    _check_callable("custom_gradient", "f", f)

    def wrapped(*args, **kwargs):
        return _CustomGradient.apply(f, kwargs, *args)

    wrapped.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapped.__doc__ = getattr(f, "__doc__", None)
    wrapped.__wrapped__ = f
    return wrapped
