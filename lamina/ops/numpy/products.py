"""Products and linear-algebra-like functions of `keras.ops.numpy`: matmul, dot, einsum, tensordot, ...

Dtype rule (Keras's torch backend): the result has Keras's `result_type` of the inputs (two int8
inputs give int32); integer products are computed in float on accelerators, which torch's
integer matmul kernels do not cover, and cast back.
"""

import torch

from lamina.backend.dtypes import floatx
from lamina.graph.keras_tensor import KerasTensor
from lamina.ops._op import keras_op
from lamina.ops.numpy._common import (
    canonical_axis,
    cast,
    check_choice,
    dtype_name,
    name_of,
    promote,
    to_tensor,
    to_tensor_list,
    to_tensors,
)

__all__ = [
    "matmul", "dot", "vdot", "inner", "outer", "tensordot", "einsum", "kron", "cross",
    "slogdet", "correlate", "corrcoef",
]


def _product_dtypes(x1, x2):
    """(result dtype, compute dtype) for a product of two tensors."""
    if name_of(x1) == "int8" and name_of(x2) == "int8":
        result = "int32"
    else:
        result = promote(x1.dtype, x2.dtype)
    compute = result
    if compute == "bool":
        compute = floatx()
    if x1.device.type != "cpu" and ("int" in compute):
        compute = "float64" if compute == "int64" else floatx()
    if x1.device.type == "cpu" and compute == "float16":
        compute = "float32"
    return result, compute


def _shapes(*tensors):
    return " and ".join(str(tuple(t.shape)) for t in tensors)


@keras_op("Matmul", module="numpy")
def matmul(x1, x2):
    """Matrix product with NumPy's broadcasting of batch axes (NumPy `np.matmul`; torch `torch.matmul`).

    Args:
        x1: tensor of shape `(..., n, k)` (or `(k,)`).
        x2: tensor of shape `(..., k, m)` (or `(k,)`).

    Returns:
        A tensor of shape `(..., n, m)`; two int8 inputs give int32.

    Example:
        >>> ops.matmul(ops.ones((2, 3)), ops.ones((3, 4))).shape  # (2, 4)
    """
    x1, x2 = to_tensors("matmul", x1=x1, x2=x2)
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError(
            f"ops.matmul: inputs must be at least 1-D (use `multiply` for scalars); received shapes {_shapes(x1, x2)}."
        )
    k1 = x1.shape[-1]
    k2 = x2.shape[-2] if x2.ndim > 1 else x2.shape[0]
    if k1 != k2:
        raise ValueError(
            f"ops.matmul: the last axis of `x1` ({k1}) must match the "
            f"{'second-to-last' if x2.ndim > 1 else 'only'} axis of `x2` ({k2}); received shapes {_shapes(x1, x2)}."
        )
    if x1.ndim > 2 and x2.ndim > 2:
        try:
            torch.broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))
        except RuntimeError:
            raise ValueError(
                f"ops.matmul: the batch axes of `x1` and `x2` do not broadcast; received shapes {_shapes(x1, x2)}."
            ) from None
    result, compute = _product_dtypes(x1, x2)
    return cast(torch.matmul(cast(x1, compute), cast(x2, compute)), result)


def _float_compute(x1, x2):
    result = promote(x1.dtype, x2.dtype)
    compute = promote(result, float)
    if x1.device.type == "cpu" and compute == "float16":
        compute = "float32"
    return result, compute


@keras_op("Dot", module="numpy")
def dot(x1, x2):
    """Dot product over the last axis of `x1` and the second-to-last of `x2` (NumPy `np.dot`; torch `torch.matmul`).

    Scalars multiply (`torch.mul`); N-D `x2` pairs every row of `x1` with every matrix of `x2`.

    Args:
        x1: input tensor.
        x2: input tensor.

    Returns:
        The product, with Keras's result dtype of the inputs.

    Example:
        >>> ops.dot([1, 2, 3], [4, 5, 6])  # 32
    """
    x1, x2 = to_tensors("dot", x1=x1, x2=x2)
    result, compute = _float_compute(x1, x2)
    a, b = cast(x1, compute), cast(x2, compute)
    if a.ndim == 0 or b.ndim == 0:
        return cast(a * b, result)
    k2 = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if a.shape[-1] != k2:
        raise ValueError(
            f"ops.dot: the last axis of `x1` ({a.shape[-1]}) must match the "
            f"{'second-to-last' if b.ndim > 1 else 'only'} axis of `x2` ({k2}); received shapes {_shapes(x1, x2)}."
        )
    if b.ndim <= 2:
        return cast(torch.matmul(a, b), result)
    # NumPy's dot pairs every row of x1 with every matrix of x2 (no batch broadcasting).
    return cast(torch.tensordot(a, b, dims=([a.ndim - 1], [b.ndim - 2])), result)


@keras_op("Vdot", module="numpy")
def vdot(x1, x2):
    """Dot product of the flattened inputs, conjugating `x1` (NumPy `np.vdot`; torch `torch.vdot`).

    Args:
        x1: input tensor.
        x2: input tensor with as many elements as `x1`.

    Returns:
        A scalar tensor.

    Example:
        >>> ops.vdot([[1, 2], [3, 4]], [[1, 1], [1, 1]])  # 10
    """
    x1, x2 = to_tensors("vdot", x1=x1, x2=x2)
    if x1.numel() != x2.numel():
        raise ValueError(f"ops.vdot: inputs must have the same number of elements; received shapes {_shapes(x1, x2)}.")
    result, compute = _float_compute(x1, x2)
    return cast(torch.vdot(cast(x1, compute).reshape(-1), cast(x2, compute).reshape(-1)), result)


@keras_op("Inner", module="numpy")
def inner(x1, x2):
    """Inner product over the last axes (NumPy `np.inner`; torch `torch.inner`).

    Args:
        x1: input tensor.
        x2: input tensor with the same last axis as `x1`.

    Returns:
        A tensor of shape `x1.shape[:-1] + x2.shape[:-1]`.

    Example:
        >>> ops.inner([1, 2], [3, 4])  # 11
    """
    x1, x2 = to_tensors("inner", x1=x1, x2=x2)
    if x1.ndim and x2.ndim and x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"ops.inner: the last axes must match; received shapes {_shapes(x1, x2)}.")
    result, compute = _float_compute(x1, x2)
    return cast(torch.inner(cast(x1, compute), cast(x2, compute)), result)


@keras_op("Outer", module="numpy")
def outer(x1, x2):
    """Outer product of the flattened inputs (NumPy `np.outer`; torch `torch.outer`).

    Args:
        x1: input tensor (flattened).
        x2: input tensor (flattened).

    Returns:
        A `(x1.size, x2.size)` tensor.

    Example:
        >>> ops.outer([1, 2], [1, 10])  # [[1, 10], [2, 20]]
    """
    x1, x2 = to_tensors("outer", x1=x1, x2=x2)
    dtype = promote(x1.dtype, x2.dtype)
    return torch.outer(cast(x1, dtype).reshape(-1), cast(x2, dtype).reshape(-1))


@keras_op("Tensordot", config=("axes",), module="numpy")
def tensordot(x1, x2, axes=2):
    """Sum of products over the given axes (NumPy `np.tensordot`; torch `torch.tensordot`).

    Args:
        x1: input tensor.
        x2: input tensor.
        axes: an int N (the last N axes of `x1` with the first N of `x2`), or a pair of axis lists.

    Returns:
        The contracted tensor.

    Example:
        >>> ops.tensordot(ops.ones((2, 3)), ops.ones((3, 4)), axes=1).shape  # (2, 4)
    """
    x1, x2 = to_tensors("tensordot", x1=x1, x2=x2)
    if isinstance(axes, (list, tuple)):
        if len(axes) != 2:
            raise ValueError(f"ops.tensordot: `axes` must be an int or a pair of axis lists; received {axes!r}.")
        first, second = ([a] if isinstance(a, int) else list(a) for a in axes)
        if len(first) != len(second):
            raise ValueError(f"ops.tensordot: both axis lists must have the same length; received {axes!r}.")
        first = [canonical_axis("tensordot", a, x1.ndim, "axes") for a in first]
        second = [canonical_axis("tensordot", a, x2.ndim, "axes") for a in second]
    else:
        n = int(axes)
        if n < 0 or n > min(x1.ndim, x2.ndim):
            raise ValueError(
                f"ops.tensordot: `axes`={n} must be between 0 and the smaller rank; received shapes {_shapes(x1, x2)}."
            )
        first, second = list(range(x1.ndim - n, x1.ndim)), list(range(n))
    for a, b in zip(first, second):
        if x1.shape[a] != x2.shape[b]:
            raise ValueError(
                f"ops.tensordot: axis {a} of `x1` ({x1.shape[a]}) and axis {b} of `x2` ({x2.shape[b]}) must "
                f"have the same size; received shapes {_shapes(x1, x2)}."
            )
    result, compute = _float_compute(x1, x2)
    return cast(torch.tensordot(cast(x1, compute), cast(x2, compute), dims=(first, second)), result)


@keras_op("Einsum", config=("subscripts",), module="numpy")
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation over the operands' labelled axes (NumPy `np.einsum`; torch `torch.einsum`).

    Args:
        subscripts: the summation as a string, e.g. `"ij,jk->ik"`.
        *operands: the input tensors.
        **kwargs: accepted for NumPy compatibility and ignored (torch chooses the contraction order).

    Returns:
        The result; all-int8 operands give int32.

    Example:
        >>> ops.einsum("ij,jk->ik", ops.ones((2, 3)), ops.ones((3, 4))).shape  # (2, 4)
    """
    if not isinstance(subscripts, str):
        raise TypeError(f"ops.einsum: argument `subscripts` must be a string such as 'ij,jk->ik'; received {subscripts!r}.")
    tensors = to_tensor_list("einsum", "operands", list(operands))
    names = {name_of(t) for t in tensors}
    if names == {"int8"}:
        result = "int32"
    else:
        result = promote(*[t.dtype for t in tensors]) if tensors else floatx()
    compute = result
    if tensors and tensors[0].device.type != "cpu" and ("int" in compute or compute == "bool"):
        compute = floatx()
    if compute == "bool":
        compute = "int32"
    if tensors and tensors[0].device.type == "cpu" and compute == "float16":
        compute = "float32"
    try:
        out = torch.einsum(subscripts, *[cast(t, compute) for t in tensors])
    except RuntimeError as error:
        raise ValueError(
            f"ops.einsum: subscripts {subscripts!r} do not fit the operand shapes "
            f"{[tuple(t.shape) for t in tensors]} ({error})."
        ) from None
    return cast(out, result)


@keras_op("Kron", module="numpy")
def kron(x1, x2):
    """Kronecker product (NumPy `np.kron`; torch `torch.kron`).

    Args:
        x1: input tensor.
        x2: input tensor.

    Returns:
        The block tensor of `x1[i] * x2`.

    Example:
        >>> ops.kron([1, 10], [1, 2])  # [1, 2, 10, 20]
    """
    x1, x2 = to_tensors("kron", x1=x1, x2=x2)
    dtype = promote(x1.dtype, x2.dtype)
    if dtype == "bool":
        return torch.kron(cast(x1, "int32"), cast(x2, "int32")).bool()
    return torch.kron(cast(x1, dtype), cast(x2, dtype))


@keras_op("Cross", config=("axisa", "axisb", "axisc", "axis"), module="numpy")
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (or 2-vectors) along an axis (NumPy `np.cross`; torch `torch.linalg.cross`).

    Args:
        x1: tensor of vectors.
        x2: tensor of vectors, broadcastable with `x1`.
        axisa: axis of `x1` holding the vectors.
        axisb: axis of `x2` holding the vectors.
        axisc: axis of the result holding the vectors.
        axis: if given, overrides `axisa`, `axisb` and `axisc`.

    Returns:
        The cross products (2-vectors give the z component only, as NumPy).

    Example:
        >>> ops.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])  # [0., 0., 1.]
    """
    x1, x2 = to_tensors("cross", x1=x1, x2=x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = torch.movedim(x1, canonical_axis("cross", axisa, x1.ndim, "axisa"), -1)
    b = torch.movedim(x2, canonical_axis("cross", axisb, x2.ndim, "axisb"), -1)
    for arg, t in (("x1", a), ("x2", b)):
        if t.shape[-1] not in (2, 3):
            raise ValueError(
                f"ops.cross: the vector axis of `{arg}` must have size 2 or 3; received size {t.shape[-1]}."
            )
    result = promote(x1.dtype, x2.dtype)
    compute = "float32" if result in ("float16", "bfloat16") else ("int32" if result == "bool" else result)
    a, b = cast(a, compute), cast(b, compute)
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return cast(a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0], result)
    if a.shape[-1] == 2:
        a = torch.nn.functional.pad(a, (0, 1))
    if b.shape[-1] == 2:
        b = torch.nn.functional.pad(b, (0, 1))
    try:
        a, b = torch.broadcast_tensors(a, b)
    except RuntimeError:
        raise ValueError(
            f"ops.cross: the vectors of `x1` {tuple(x1.shape)} and `x2` {tuple(x2.shape)} do not broadcast "
            "(NumPy broadcasting of the axes other than the vector axis)."
        ) from None
    out = torch.linalg.cross(a, b, dim=-1)
    out = torch.movedim(out, -1, canonical_axis("cross", axisc, out.ndim, "axisc"))
    return cast(out, result)


@keras_op("Slogdet", module="numpy")
def slogdet(x):
    """Sign and log of the absolute determinant (NumPy `np.linalg.slogdet`; torch `torch.linalg.slogdet`).

    Args:
        x: tensor of square matrices `(..., n, n)`.

    Returns:
        A tuple `(sign, logabsdet)`.

    Example:
        >>> ops.slogdet([[2.0, 0.0], [0.0, 3.0]])  # (1., 1.7918)
    """
    x = to_tensor("slogdet", "x", x)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"ops.slogdet: argument `x` must be square matrices (..., n, n); received shape {tuple(x.shape)}.")
    if not x.is_floating_point():
        x = cast(x, floatx())
    return tuple(torch.linalg.slogdet(x))


@keras_op("Correlate", config=("mode",), module="numpy")
def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D sequences (NumPy `np.correlate`; torch `torch.nn.functional.conv1d`).

    Args:
        x1: 1-D tensor.
        x2: 1-D tensor.
        mode: "valid", "same" or "full" (as NumPy).

    Returns:
        A 1-D float tensor.

    Example:
        >>> ops.correlate([1.0, 2.0, 3.0], [0.0, 1.0, 0.5])  # [3.5]
    """
    x1, x2 = to_tensors("correlate", x1=x1, x2=x2)
    check_choice("correlate", "mode", mode, ("valid", "same", "full"))
    for arg, t in (("x1", x1), ("x2", x2)):
        if t.ndim != 1:
            raise ValueError(f"ops.correlate: argument `{arg}` must be 1-D; received shape {tuple(t.shape)}.")
    dtype = promote(x1.dtype, x2.dtype)
    if dtype == "int64":
        dtype = "float64"
    elif dtype not in ("bfloat16", "float16", "float64"):
        dtype = "float32"
    compute = "float32" if dtype in ("float16", "bfloat16") and x1.device.type == "cpu" else dtype
    a, v = cast(x1, compute), cast(x2, compute)
    n, m = a.shape[0], v.shape[0]
    if m > n:
        # NumPy swaps the inputs and reverses the result when the second is longer.
        out = correlate(v, a, mode)
        return cast(out.flip(0), dtype)
    full_out = torch.nn.functional.conv1d(a.reshape(1, 1, n), v.reshape(1, 1, m), padding=m - 1).reshape(-1)
    if mode == "full":
        out = full_out
    elif mode == "valid":
        out = full_out[m - 1: n]
    else:
        start = (m - 1) // 2
        out = full_out[start: start + n]
    return cast(out, dtype)


def _corrcoef_spec(x):
    # torch.corrcoef checks values while tracing; the shape is simply (rows, rows).
    name = dtype_name(x.dtype)
    dtype = "float64" if name == "int64" else (floatx() if ("int" in name or name == "bool") else name)
    return KerasTensor(() if len(x.shape) < 2 else (x.shape[0], x.shape[0]), dtype=dtype)


@keras_op("Corrcoef", module="numpy", output_spec=_corrcoef_spec)
def corrcoef(x):
    """Pearson correlation coefficients of the rows of `x` (NumPy `np.corrcoef`; torch `torch.corrcoef`).

    Args:
        x: 1-D or 2-D tensor (rows are variables, columns observations).

    Returns:
        The correlation matrix (a scalar for 1-D input).

    Example:
        >>> ops.corrcoef([[1.0, 2.0, 3.0], [2.0, 4.0, 7.0]])
    """
    x = to_tensor("corrcoef", "x", x)
    if x.ndim > 2:
        raise ValueError(f"ops.corrcoef: argument `x` must be 1-D or 2-D; received shape {tuple(x.shape)}.")
    name = name_of(x)
    if name == "int64":
        x = cast(x, "float64")
    elif "int" in name or name == "bool":
        x = cast(x, floatx())
    return torch.corrcoef(x)
