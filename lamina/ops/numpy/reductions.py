"""Reductions and scans of `keras.ops.numpy`: sum, mean, max, quantiles, arg-reductions, cumsum, ...

Axis rules are NumPy's: `axis=None` reduces everything, an int or a tuple of ints reduces those
axes (negative counts from the end), `axis=()` reduces nothing, `keepdims=True` keeps reduced axes
with size 1. Dtype rules are Keras's (integer sums accumulate in at least int32, means and
variances of integers are float32, arg-reductions give int32).
"""

import torch

from lamina.backend.dtypes import floatx
from lamina.ops._op import keras_op
from lamina.ops.numpy._common import (
    canonical_axes,
    canonical_axis,
    cast,
    check_choice,
    check_int,
    dtype_name,
    is_int_or_bool,
    name_of,
    promote,
    to_tensor,
    to_tensors,
    torch_dtype,
)

__all__ = [
    "sum", "prod", "mean", "max", "min", "amax", "amin", "all", "any", "std", "var", "ptp",
    "median", "quantile", "percentile", "average", "count_nonzero",
    "argmax", "argmin", "nanargmax", "nanargmin",
    "nansum", "nanprod", "nanmean", "nanmax", "nanmin", "nanstd", "nanvar",
    "nanmedian", "nanquantile", "nanpercentile",
    "cumsum", "cumprod", "nancumsum", "nancumprod", "diff", "trace", "trapezoid",
]

_SMALL_INTS = ("bool", "uint8", "int8", "int16")
_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _axes(op, x, axis):
    """Reduced axes as a tuple (all axes for None); `()` means no reduction."""
    axes = canonical_axes(op, axis, x.ndim)
    return tuple(range(x.ndim)) if axes is None else axes


def _sum_dtype(x):
    name = name_of(x)
    return "int32" if name in _SMALL_INTS else name


def _reduce(torch_fn, x, axes, keepdims, **kwargs):
    if x.ndim == 0:
        return torch_fn(x, **kwargs)
    return torch_fn(x, dim=axes, keepdim=keepdims, **kwargs)


@keras_op("Sum", config=("axis", "keepdims"), module="numpy")
def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Sum of elements over `axis` (NumPy `np.sum`; torch `torch.sum`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The sums; bool, uint8, int8 and int16 inputs accumulate in int32.

    Example:
        >>> ops.sum([[1, 2], [3, 4]], axis=0)  # [4, 6]
    """
    if isinstance(x, (list, tuple)):
        x = stack_tensors("sum", x)
    x = to_tensor("sum", "x", x)
    axes = _axes("sum", x, axis)
    dtype = _sum_dtype(x)
    if not axes and x.ndim:
        return cast(x, dtype)
    return cast(_reduce(torch.sum, cast(x, dtype), axes, keepdims), dtype)


def stack_tensors(op, values):
    from lamina.ops.numpy.shape import stack

    return stack(values)


@keras_op("Prod", config=("axis", "keepdims", "dtype"), module="numpy")
def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of elements over `axis` (NumPy `np.prod`; torch `torch.prod`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.
        dtype: accumulation and result dtype (default: as `sum`'s rule).

    Returns:
        The products.

    Example:
        >>> ops.prod([[1, 2], [3, 4]], axis=1)  # [2, 12]
    """
    x = to_tensor("prod", "x", x)
    out_dtype = _sum_dtype(x) if dtype is None else dtype_name(torch_dtype(dtype))
    compute = "float32" if (out_dtype == "float16" and x.device.type == "cpu") else out_dtype
    axes = _axes("prod", x, axis)
    x = cast(x, compute)
    if x.ndim == 0:
        return cast(x, out_dtype)
    for a in sorted(axes, reverse=True):  # torch.prod reduces one axis at a time
        x = torch.prod(x, dim=a, keepdim=keepdims)
    return cast(x, out_dtype)


@keras_op("Mean", config=("axis", "keepdims"), module="numpy")
def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over `axis` (NumPy `np.mean`; torch `torch.mean`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The means; integer and bool inputs give float32, float16/bfloat16 are accumulated in float32.

    Example:
        >>> ops.mean([[1, 2], [3, 4]], axis=0)  # [2., 3.]
    """
    if isinstance(x, (list, tuple)):
        x = stack_tensors("mean", x)
    x = to_tensor("mean", "x", x)
    axes = _axes("mean", x, axis)
    compute = promote(x.dtype, "float32")
    result = compute if is_int_or_bool(x) else name_of(x)
    if not axes and x.ndim:
        return cast(x, result)
    return cast(_reduce(torch.mean, cast(x, compute), axes, keepdims), result)


def _extremum(op, x, axis, keepdims, initial, torch_fn, combine):
    x = to_tensor(op, "x", x)
    axes = _axes(op, x, axis)
    if x.numel() == 0:
        if initial is None:
            raise ValueError(
                f"ops.{op}: cannot reduce an empty tensor (shape {tuple(x.shape)}) without `initial`; "
                "pass `initial=` to give the value of an empty reduction."
            )
        shape = [1 if (keepdims and i in axes) else d for i, d in enumerate(x.shape) if keepdims or i not in axes]
        return torch.full(shape, initial, dtype=x.dtype, device=x.device)
    if not axes and x.ndim:
        out = x
    else:
        out = _reduce(torch_fn, x, axes, keepdims)
    if initial is not None:
        out = combine(out, torch.as_tensor(initial, dtype=out.dtype, device=out.device))
    return out


@keras_op("Max", config=("axis", "keepdims", "initial"), module="numpy")
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras's name
    """Maximum over `axis` (NumPy `np.max`; torch `torch.amax`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.
        initial: a lower bound included in the maximum (and the value of an empty reduction).

    Returns:
        The maxima, with the dtype of `x`.

    Example:
        >>> ops.max([[1, 5], [3, 4]], axis=1)  # [5, 4]
    """
    return _extremum("max", x, axis, keepdims, initial, torch.amax, torch.maximum)


@keras_op("Min", config=("axis", "keepdims", "initial"), module="numpy")
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras's name
    """Minimum over `axis` (NumPy `np.min`; torch `torch.amin`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.
        initial: an upper bound included in the minimum (and the value of an empty reduction).

    Returns:
        The minima, with the dtype of `x`.

    Example:
        >>> ops.min([[1, 5], [3, 4]], axis=1)  # [1, 3]
    """
    return _extremum("min", x, axis, keepdims, initial, torch.amin, torch.minimum)


@keras_op("Amax", config=("axis", "keepdims"), module="numpy")
def amax(x, axis=None, keepdims=False):
    """Maximum over `axis` (NumPy `np.amax`; torch `torch.amax`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The maxima, with the dtype of `x`.

    Example:
        >>> ops.amax([[1, 5], [3, 4]], axis=0)  # [3, 5]
    """
    return _extremum("amax", x, axis, keepdims, None, torch.amax, torch.maximum)


@keras_op("Amin", config=("axis", "keepdims"), module="numpy")
def amin(x, axis=None, keepdims=False):
    """Minimum over `axis` (NumPy `np.amin`; torch `torch.amin`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The minima, with the dtype of `x`.

    Example:
        >>> ops.amin([[1, 5], [3, 4]], axis=0)  # [1, 4]
    """
    return _extremum("amin", x, axis, keepdims, None, torch.amin, torch.minimum)


def _truth(op, torch_fn, x, axis, keepdims):
    x = to_tensor(op, "x", x)
    axes = _axes(op, x, axis)
    if not axes and x.ndim:
        return cast(x, "bool")
    if x.ndim == 0:
        return cast(x, "bool")
    return torch_fn(cast(x, "bool"), dim=axes, keepdim=keepdims)


@keras_op("All", config=("axis", "keepdims"), module="numpy")
def all(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Whether all elements along `axis` are true (NumPy `np.all`; torch `torch.all`).

    Args:
        x: input tensor (non-zero counts as true).
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        A bool tensor.

    Example:
        >>> ops.all([[True, False], [True, True]], axis=1)  # [False, True]
    """
    return _truth("all", torch.all, x, axis, keepdims)


@keras_op("Any", config=("axis", "keepdims"), module="numpy")
def any(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Whether any element along `axis` is true (NumPy `np.any`; torch `torch.any`).

    Args:
        x: input tensor (non-zero counts as true).
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        A bool tensor.

    Example:
        >>> ops.any([[True, False], [False, False]], axis=1)  # [True, False]
    """
    return _truth("any", torch.any, x, axis, keepdims)


def _variance(op, x, axis, keepdims):
    x = to_tensor(op, "x", x)
    axes = _axes(op, x, axis)
    compute = promote(x.dtype, "float32")
    result = promote(x.dtype, float)
    result = {"complex64": "float32", "complex128": "float64"}.get(result, result)  # variances are real
    if not axes and x.ndim:
        return torch.zeros(x.shape, dtype=torch_dtype(result), device=x.device), result
    out = _reduce(torch.var, cast(x, compute), axes, keepdims, correction=0)
    return out, result


@keras_op("Var", config=("axis", "keepdims"), module="numpy")
def var(x, axis=None, keepdims=False):
    """Population variance (ddof=0) over `axis` (NumPy `np.var`; torch `torch.var(correction=0)`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The variances; integers give float32.

    Example:
        >>> ops.var([1.0, 2.0, 3.0, 4.0])  # 1.25
    """
    out, result = _variance("var", x, axis, keepdims)
    return cast(out, result)


@keras_op("Std", config=("axis", "keepdims"), module="numpy")
def std(x, axis=None, keepdims=False):
    """Population standard deviation (ddof=0) over `axis` (NumPy `np.std`; torch `torch.std(correction=0)`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The standard deviations; integers give float32.

    Example:
        >>> ops.std([1.0, 2.0, 3.0, 4.0])  # 1.118
    """
    out, result = _variance("std", x, axis, keepdims)
    return cast(torch.sqrt(out), result)


@keras_op("Ptp", config=("axis", "keepdims"), module="numpy")
def ptp(x, axis=None, keepdims=False):
    """Range (maximum - minimum) over `axis` (NumPy `np.ptp`; torch `amax - amin`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The ranges, with the dtype of `x`.

    Example:
        >>> ops.ptp([[1, 5], [3, 4]], axis=1)  # [4, 1]
    """
    x = to_tensor("ptp", "x", x)
    axes = _axes("ptp", x, axis)
    if not axes and x.ndim:
        return torch.zeros_like(x)
    hi = _extremum("ptp", x, axis, keepdims, None, torch.amax, torch.maximum)
    lo = _extremum("ptp", x, axis, keepdims, None, torch.amin, torch.minimum)
    if x.dtype == torch.bool:
        return hi ^ lo
    return hi - lo


def _quantile_core(op, x, q, axis, method, keepdims, torch_fn):
    x, q = to_tensors(op, x=x, q=q)
    check_choice(op, "method", method, _QUANTILE_METHODS)
    if q.ndim > 1:
        raise ValueError(f"ops.{op}: argument `q` must be a scalar or a 1-D tensor; received shape {tuple(q.shape)}.")
    compute = promote(x.dtype, "float32")
    result = promote(x.dtype, float)
    x = cast(x, compute)
    q = cast(q, compute)
    axes = canonical_axes(op, axis, x.ndim)
    if axes is None:
        y = x.reshape(-1)
    else:
        others = [i for i in range(x.ndim) if i not in axes]
        y = x.permute(*others, *axes).reshape([x.shape[i] for i in others] + [-1])
    out = torch_fn(y, q, dim=-1, interpolation=method)
    if keepdims:
        reduced = range(x.ndim) if axes is None else sorted(axes)
        for i in reduced:
            out = out.unsqueeze(i + q.ndim)
    return cast(out, result)


_Q_DOC = """{summary} (NumPy `np.{name}`; torch `torch.{torch_name}`).

    Args:
        x: input tensor.
        q: {q_desc}, a scalar or a 1-D tensor.
        axis: None (all axes), an int or a tuple of ints.
        method: interpolation between data points: "linear", "lower", "higher", "midpoint" or
            "nearest".
        keepdims: keep reduced axes with size 1.

    Returns:
        The {what}; with a 1-D `q`, its axis comes first. Integers give float32.

    Example:
        >>> ops.{name}([1.0, 2.0, 3.0, 4.0], {example})
    """


@keras_op("Quantile", config=("axis", "method", "keepdims"), module="numpy")
def quantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile_core("quantile", x, q, axis, method, keepdims, torch.quantile)


@keras_op("Nanquantile", config=("axis", "method", "keepdims"), module="numpy")
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile_core("nanquantile", x, q, axis, method, keepdims, torch.nanquantile)


@keras_op("Percentile", config=("axis", "method", "keepdims"), module="numpy")
def percentile(x, q, axis=None, method="linear", keepdims=False):
    q = to_tensor("percentile", "q", q, dtype=floatx()) / 100.0
    return _quantile_core("percentile", x, q, axis, method, keepdims, torch.quantile)


@keras_op("Nanpercentile", config=("axis", "method", "keepdims"), module="numpy")
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    q = to_tensor("nanpercentile", "q", q, dtype=floatx()) / 100.0
    return _quantile_core("nanpercentile", x, q, axis, method, keepdims, torch.nanquantile)


quantile.__doc__ = _Q_DOC.format(summary="Quantiles over `axis`", name="quantile", torch_name="quantile",
                                 q_desc="quantile(s) in [0, 1]", what="quantiles", example="0.5  # 2.5")
nanquantile.__doc__ = _Q_DOC.format(summary="Quantiles over `axis`, ignoring NaN", name="nanquantile",
                                    torch_name="nanquantile", q_desc="quantile(s) in [0, 1]", what="quantiles",
                                    example="0.5  # 2.5")
percentile.__doc__ = _Q_DOC.format(summary="Percentiles over `axis`", name="percentile", torch_name="quantile",
                                   q_desc="percentile(s) in [0, 100]", what="percentiles", example="50  # 2.5")
nanpercentile.__doc__ = _Q_DOC.format(summary="Percentiles over `axis`, ignoring NaN", name="nanpercentile",
                                      torch_name="nanquantile", q_desc="percentile(s) in [0, 100]",
                                      what="percentiles", example="50  # 2.5")


@keras_op("Median", config=("axis", "keepdims"), module="numpy")
def median(x, axis=None, keepdims=False):
    """Median over `axis`, averaging the two middle values (NumPy `np.median`; torch `torch.quantile(q=0.5)`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The medians; integers give float32.

    Example:
        >>> ops.median([1.0, 2.0, 3.0, 4.0])  # 2.5
    """
    x = to_tensor("median", "x", x)
    if axis in ((), []):
        return cast(x, promote(x.dtype, float))
    return _quantile_core("median", x, 0.5, axis, "linear", keepdims, torch.quantile)


@keras_op("Nanmedian", config=("axis", "keepdims"), module="numpy")
def nanmedian(x, axis=None, keepdims=False):
    """Median over `axis`, ignoring NaN (NumPy `np.nanmedian`; torch `torch.nanquantile(q=0.5)`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The medians (NaN where a slice is all NaN); integers give float32.

    Example:
        >>> ops.nanmedian([1.0, float("nan"), 3.0])  # 2.
    """
    x = to_tensor("nanmedian", "x", x)
    if axis in ((), []):
        return cast(x, promote(x.dtype, float))
    return _quantile_core("nanmedian", x, 0.5, axis, "linear", keepdims, torch.nanquantile)


@keras_op("Average", config=("axis",), module="numpy")
def average(x, axis=None, weights=None):
    """Weighted average over `axis` (NumPy `np.average`; torch `sum(x * w) / sum(w)`).

    Args:
        x: input tensor.
        axis: None (all axes) or an int.
        weights: None (plain mean), a tensor of the shape of `x`, or a 1-D tensor of the length of
            `x` along `axis`.

    Returns:
        The averages, as a float tensor.

    Example:
        >>> ops.average([1.0, 2.0, 4.0], weights=[1.0, 1.0, 2.0])  # 2.75
    """
    x = to_tensor("average", "x", x)
    if weights is None:
        dtype = promote(x.dtype, float)
        x = cast(x, dtype)
        axes = _axes("average", x, axis)
        if not axes and x.ndim:
            return x
        return _reduce(torch.mean, x, axes, False)
    weights = to_tensor("average", "weights", weights, device=x.device)
    dtype = promote(x.dtype, weights.dtype, float)
    x, weights = cast(x, dtype), cast(weights, dtype)
    if axis is None:
        if weights.shape != x.shape:
            raise ValueError(
                f"ops.average: with axis=None, `weights` must have the shape of `x` {tuple(x.shape)}; "
                f"received {tuple(weights.shape)}."
            )
        return torch.sum(x * weights) / torch.sum(weights)
    a = canonical_axis("average", axis, x.ndim)
    if weights.shape != x.shape:
        if weights.ndim != 1 or weights.shape[0] != x.shape[a]:
            raise ValueError(
                f"ops.average: `weights` must have the shape of `x` {tuple(x.shape)} or be 1-D of length "
                f"{x.shape[a]} (the size of axis {axis}); received {tuple(weights.shape)}."
            )
        shape = [1] * x.ndim
        shape[a] = -1
        weights = weights.reshape(shape)
    return torch.sum(x * weights, dim=a) / torch.sum(weights.expand_as(x), dim=a)


@keras_op("CountNonzero", config=("axis",), module="numpy")
def count_nonzero(x, axis=None):
    """Number of non-zero elements over `axis` (NumPy `np.count_nonzero`; torch `torch.count_nonzero`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.

    Returns:
        An int32 tensor of counts.

    Example:
        >>> ops.count_nonzero([[0, 1], [2, 3]], axis=1)  # [1, 2]
    """
    x = to_tensor("count_nonzero", "x", x)
    axes = _axes("count_nonzero", x, axis)
    if not axes and x.ndim:
        return cast(x != 0, "int32")
    if x.ndim == 0:
        return cast(x != 0, "int32")
    return cast(torch.count_nonzero(x, dim=axes), "int32")


def _arg_extremum(op, torch_fn, x, axis, keepdims):
    x = to_tensor(op, "x", x)
    if x.dtype == torch.bool:
        x = cast(x, "uint8")
    if x.numel() == 0:
        raise ValueError(f"ops.{op}: cannot take the {op} of an empty tensor (shape {tuple(x.shape)}).")
    if axis is None:
        out = torch_fn(x.reshape(-1))
        if keepdims:
            out = out.reshape([1] * x.ndim)
        return cast(out, "int32")
    a = canonical_axis(op, axis, x.ndim)
    return cast(torch_fn(x, dim=a, keepdim=keepdims), "int32")


@keras_op("Argmax", config=("axis", "keepdims"), module="numpy")
def argmax(x, axis=None, keepdims=False):
    """Index of the maximum along `axis` (NumPy `np.argmax`; torch `torch.argmax`).

    Args:
        x: input tensor.
        axis: None (index into the flattened tensor) or an int.
        keepdims: keep the reduced axis with size 1.

    Returns:
        An int32 tensor of indices (the first occurrence on ties).

    Example:
        >>> ops.argmax([[1, 5], [7, 4]], axis=1)  # [1, 0]
    """
    return _arg_extremum("argmax", torch.argmax, x, axis, keepdims)


@keras_op("Argmin", config=("axis", "keepdims"), module="numpy")
def argmin(x, axis=None, keepdims=False):
    """Index of the minimum along `axis` (NumPy `np.argmin`; torch `torch.argmin`).

    Args:
        x: input tensor.
        axis: None (index into the flattened tensor) or an int.
        keepdims: keep the reduced axis with size 1.

    Returns:
        An int32 tensor of indices (the first occurrence on ties).

    Example:
        >>> ops.argmin([[1, 5], [7, 4]], axis=1)  # [0, 1]
    """
    return _arg_extremum("argmin", torch.argmin, x, axis, keepdims)


def _nan_arg(op, torch_fn, fill, x, axis, keepdims):
    x = to_tensor(op, "x", x)
    if not x.is_floating_point():
        return _arg_extremum(op, torch_fn, x, axis, keepdims)
    nan = torch.isnan(x)
    index = _arg_extremum(op, torch_fn, torch.where(nan, fill, x), axis, keepdims)
    if axis is None:
        all_nan = nan.all()
        if keepdims:
            all_nan = all_nan.reshape([1] * x.ndim)
    else:
        all_nan = nan.all(dim=canonical_axis(op, axis, x.ndim), keepdim=keepdims)
    return torch.where(all_nan, torch.full_like(index, -1), index)


@keras_op("Nanargmax", config=("axis", "keepdims"), module="numpy")
def nanargmax(x, axis=None, keepdims=False):
    """Index of the maximum along `axis`, ignoring NaN (NumPy `np.nanargmax`; torch `torch.argmax`).

    NaN is replaced by -inf before `torch.argmax`; all-NaN slices give -1.

    Args:
        x: input tensor.
        axis: None (flattened) or an int.
        keepdims: keep the reduced axis with size 1.

    Returns:
        An int32 tensor of indices.

    Example:
        >>> ops.nanargmax([1.0, float("nan"), 3.0])  # 2
    """
    return _nan_arg("nanargmax", torch.argmax, float("-inf"), x, axis, keepdims)


@keras_op("Nanargmin", config=("axis", "keepdims"), module="numpy")
def nanargmin(x, axis=None, keepdims=False):
    """Index of the minimum along `axis`, ignoring NaN (NumPy `np.nanargmin`; torch `torch.argmin`).

    NaN is replaced by +inf before `torch.argmin`; all-NaN slices give -1.

    Args:
        x: input tensor.
        axis: None (flattened) or an int.
        keepdims: keep the reduced axis with size 1.

    Returns:
        An int32 tensor of indices.

    Example:
        >>> ops.nanargmin([1.0, float("nan"), 0.5])  # 2
    """
    return _nan_arg("nanargmin", torch.argmin, float("inf"), x, axis, keepdims)


def _without_nan(x, value):
    if x.is_floating_point() or x.is_complex():
        return torch.where(torch.isnan(x), torch.as_tensor(value, dtype=x.dtype, device=x.device), x)
    return x


@keras_op("Nansum", config=("axis", "keepdims"), module="numpy")
def nansum(x, axis=None, keepdims=False):
    """Sum over `axis` treating NaN as 0 (NumPy `np.nansum`; torch `torch.nansum`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The sums (dtype rule as `sum`).

    Example:
        >>> ops.nansum([1.0, float("nan"), 2.0])  # 3.
    """
    x = to_tensor("nansum", "x", x)
    return sum(_without_nan(x, 0), axis=axis, keepdims=keepdims)


@keras_op("Nanprod", config=("axis", "keepdims"), module="numpy")
def nanprod(x, axis=None, keepdims=False):
    """Product over `axis` treating NaN as 1 (NumPy `np.nanprod`; torch `prod` after `where(isnan, 1, x)`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The products (dtype rule as `prod`).

    Example:
        >>> ops.nanprod([2.0, float("nan"), 3.0])  # 6.
    """
    x = to_tensor("nanprod", "x", x)
    return prod(_without_nan(x, 1), axis=axis, keepdims=keepdims)


@keras_op("Nanmean", config=("axis", "keepdims"), module="numpy")
def nanmean(x, axis=None, keepdims=False):
    """Mean over `axis` ignoring NaN (NumPy `np.nanmean`; torch `torch.nanmean`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The means (NaN for all-NaN slices); integers give float32.

    Example:
        >>> ops.nanmean([1.0, float("nan"), 3.0])  # 2.
    """
    x = to_tensor("nanmean", "x", x)
    axes = _axes("nanmean", x, axis)
    dtype = promote(x.dtype, float)
    if not axes and x.ndim:
        return cast(x, dtype)
    return _reduce(torch.nanmean, cast(x, dtype), axes, keepdims)


def _nan_extremum(op, torch_fn, fill, x, axis, keepdims):
    x = to_tensor(op, "x", x)
    if not x.is_floating_point():
        return _extremum(op, x, axis, keepdims, None, torch_fn, None)
    axes = _axes(op, x, axis)
    if not axes and x.ndim:
        return x
    nan = torch.isnan(x)
    out = _extremum(op, torch.where(nan, fill, x), axis, keepdims, None, torch_fn, None)
    all_nan = _reduce(torch.all, nan, axes, keepdims) if x.ndim else nan
    return torch.where(all_nan, torch.full_like(out, float("nan")), out)


@keras_op("Nanmax", config=("axis", "keepdims"), module="numpy")
def nanmax(x, axis=None, keepdims=False):
    """Maximum over `axis` ignoring NaN (NumPy `np.nanmax`; torch `amax` on NaN replaced by -inf).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The maxima (NaN for all-NaN slices).

    Example:
        >>> ops.nanmax([1.0, float("nan"), 3.0])  # 3.
    """
    return _nan_extremum("nanmax", torch.amax, float("-inf"), x, axis, keepdims)


@keras_op("Nanmin", config=("axis", "keepdims"), module="numpy")
def nanmin(x, axis=None, keepdims=False):
    """Minimum over `axis` ignoring NaN (NumPy `np.nanmin`; torch `amin` on NaN replaced by +inf).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The minima (NaN for all-NaN slices).

    Example:
        >>> ops.nanmin([1.0, float("nan"), 3.0])  # 1.
    """
    return _nan_extremum("nanmin", torch.amin, float("inf"), x, axis, keepdims)


def _nan_variance(op, x, axis, keepdims):
    x = to_tensor(op, "x", x)
    dtype = promote(x.dtype, float)
    x = cast(x, dtype)
    axes = _axes(op, x, axis)
    if not axes and x.ndim:
        return torch.where(torch.isnan(x), x, torch.zeros_like(x))
    valid = ~torch.isnan(x)
    centre = torch.nanmean(x, dim=axes, keepdim=True) if x.ndim else x
    deviation = torch.where(valid, x - centre, torch.zeros_like(x)).square()
    if x.ndim == 0:
        return torch.where(valid, deviation, x)
    return deviation.sum(dim=axes, keepdim=keepdims) / valid.sum(dim=axes, keepdim=keepdims)


@keras_op("Nanvar", config=("axis", "keepdims"), module="numpy")
def nanvar(x, axis=None, keepdims=False):
    """Population variance over `axis` ignoring NaN (NumPy `np.nanvar`; torch `torch.nanmean` of squares).

    The mean of squared deviations from `torch.nanmean`, over the non-NaN entries.

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The variances (NaN for all-NaN slices); integers give float32.

    Example:
        >>> ops.nanvar([1.0, float("nan"), 3.0])  # 1.
    """
    return _nan_variance("nanvar", x, axis, keepdims)


@keras_op("Nanstd", config=("axis", "keepdims"), module="numpy")
def nanstd(x, axis=None, keepdims=False):
    """Population standard deviation over `axis` ignoring NaN (NumPy `np.nanstd`; torch `sqrt(nanvar)`).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: keep reduced axes with size 1.

    Returns:
        The standard deviations (NaN for all-NaN slices); integers give float32.

    Example:
        >>> ops.nanstd([1.0, float("nan"), 3.0])  # 1.
    """
    return torch.sqrt(_nan_variance("nanstd", x, axis, keepdims))


def _scan(op, torch_fn, x, axis, dtype):
    x = to_tensor(op, "x", x)
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    a = canonical_axis(op, axis, x.ndim)
    if dtype is None:
        dtype = name_of(x)
        if dtype == "bool":
            dtype = "int32"
    else:
        dtype = dtype_name(torch_dtype(dtype))
    compute = "float32" if (dtype == "float16" and x.device.type == "cpu") else dtype
    if x.ndim == 0:
        return cast(x, dtype)
    return cast(torch_fn(cast(x, compute), dim=a), dtype)


_SCAN_DOC = """{summary} along `axis` (NumPy `np.{name}`; torch `torch.{torch_name}`).

    Args:
        x: input tensor.
        axis: None (the flattened tensor) or an int.
        dtype: accumulation and result dtype (default: that of `x`; bool gives int32).

    Returns:
        A tensor of the shape of `x` (1-D for axis=None).

    Example:
        >>> ops.{name}({example})
    """


@keras_op("Cumsum", config=("axis", "dtype"), module="numpy")
def cumsum(x, axis=None, dtype=None):
    return _scan("cumsum", torch.cumsum, x, axis, dtype)


@keras_op("Cumprod", config=("axis", "dtype"), module="numpy")
def cumprod(x, axis=None, dtype=None):
    return _scan("cumprod", torch.cumprod, x, axis, dtype)


@keras_op("Nancumsum", config=("axis", "dtype"), module="numpy")
def nancumsum(x, axis=None, dtype=None):
    x = to_tensor("nancumsum", "x", x)
    return _scan("nancumsum", torch.cumsum, _without_nan(x, 0), axis, dtype)


@keras_op("Nancumprod", config=("axis", "dtype"), module="numpy")
def nancumprod(x, axis=None, dtype=None):
    x = to_tensor("nancumprod", "x", x)
    return _scan("nancumprod", torch.cumprod, _without_nan(x, 1), axis, dtype)


cumsum.__doc__ = _SCAN_DOC.format(summary="Cumulative sum", name="cumsum", torch_name="cumsum",
                                  example="[1, 2, 3]  # [1, 3, 6]")
cumprod.__doc__ = _SCAN_DOC.format(summary="Cumulative product", name="cumprod", torch_name="cumprod",
                                   example="[1, 2, 3]  # [1, 2, 6]")
nancumsum.__doc__ = _SCAN_DOC.format(summary="Cumulative sum treating NaN as 0", name="nancumsum",
                                     torch_name="cumsum", example="[1.0, float('nan'), 3.0]  # [1., 1., 4.]")
nancumprod.__doc__ = _SCAN_DOC.format(summary="Cumulative product treating NaN as 1", name="nancumprod",
                                      torch_name="cumprod", example="[2.0, float('nan'), 3.0]  # [2., 2., 6.]")


@keras_op("Diff", config=("n", "axis"), module="numpy")
def diff(a, n=1, axis=-1):
    """n-th discrete difference along `axis` (NumPy `np.diff`; torch `torch.diff`).

    Args:
        a: input tensor (at least 1-D).
        n: number of times to difference (0 returns `a`).
        axis: the axis to difference along.

    Returns:
        A tensor whose `axis` is `n` shorter.

    Example:
        >>> ops.diff([1, 4, 9, 16])  # [3, 5, 7]
    """
    a = to_tensor("diff", "a", a)
    n = check_int("diff", "n", n, minimum=0)
    if a.ndim == 0:
        raise ValueError("ops.diff: argument `a` must be at least 1-D; received a scalar.")
    dim = canonical_axis("diff", axis, a.ndim)
    if n == 0:
        return a
    if a.dtype == torch.bool:
        out = a
        for _ in range(n):
            out = out.narrow(dim, 1, out.shape[dim] - 1) ^ out.narrow(dim, 0, out.shape[dim] - 1)
        return out
    return torch.diff(a, n=n, dim=dim)


@keras_op("Trace", config=("offset", "axis1", "axis2"), module="numpy")
def trace(x, offset=0, axis1=0, axis2=1):
    """Sum along a diagonal (NumPy `np.trace`; torch `torch.diagonal(...).sum(-1)`).

    Args:
        x: input tensor (at least 2-D).
        offset: diagonal offset (positive: above the main diagonal).
        axis1: first axis of the 2-D planes.
        axis2: second axis of the 2-D planes.

    Returns:
        The sums over the remaining axes; small integers and bool give int32.

    Example:
        >>> ops.trace([[1, 2], [3, 4]])  # 5
    """
    x = to_tensor("trace", "x", x)
    if x.ndim < 2:
        raise ValueError(f"ops.trace: argument `x` must be at least 2-D; received shape {tuple(x.shape)}.")
    a1 = canonical_axis("trace", axis1, x.ndim, "axis1")
    a2 = canonical_axis("trace", axis2, x.ndim, "axis2")
    if a1 == a2:
        raise ValueError(f"ops.trace: `axis1` and `axis2` must differ; both are {a1}.")
    dtype = _sum_dtype(x)
    return torch.sum(cast(torch.diagonal(x, offset, a1, a2), dtype), dim=-1)


@keras_op("Trapezoid", config=("x", "dx", "axis"), module="numpy")
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of `y` along `axis` by the trapezoidal rule (NumPy `np.trapezoid`; torch `torch.trapezoid`).

    Args:
        y: the values to integrate.
        x: sample points (same length as `y` along `axis`); None uses spacing `dx`.
        dx: sample spacing when `x` is None.
        axis: the axis to integrate along.

    Returns:
        A float tensor with `axis` removed.

    Example:
        >>> ops.trapezoid([1.0, 2.0, 3.0])  # 4.
    """
    y = to_tensor("trapezoid", "y", y)
    if is_int_or_bool(y):
        y = cast(y, floatx())
    dim = canonical_axis("trapezoid", axis, y.ndim)
    if x is not None:
        x = to_tensor("trapezoid", "x", x, device=y.device)
        if x.ndim == 1 and x.shape[0] != y.shape[dim]:
            raise ValueError(
                f"ops.trapezoid: `x` must have one sample point per value of `y` along axis {axis} "
                f"({y.shape[dim]}); received {x.shape[0]} points."
            )
        dtype = promote(y.dtype, x.dtype, float)
        return torch.trapezoid(cast(y, dtype), x=cast(x, dtype), dim=dim)
    return torch.trapezoid(y, dx=dx, dim=dim)
