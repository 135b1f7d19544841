"""Tensor creation functions of `keras.ops.numpy`: ranges, constant fills, identity-like matrices, windows.

Functions without tensor inputs create tensors on torch's default device
(`torch.set_default_device`), as Keras's torch backend does; `*_like` functions follow their input.
The default dtype is `floatx()` for fills and windows, and Keras's `result_type` of the arguments
for ranges (Python ints give int32).
"""

import numbers

import numpy as np
import torch

from lamina.backend.dtypes import floatx
from lamina.ops._op import keras_op
from lamina.ops.numpy._common import (
    canonical_axis,
    cast,
    check_int,
    promote,
    shape_tuple,
    to_tensor,
    torch_dtype,
)

__all__ = [
    "array", "arange", "linspace", "logspace", "geomspace",
    "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
    "eye", "identity", "tri", "vander",
    "bartlett", "blackman", "hamming", "hanning", "kaiser",
]


def _value_dtype(value):
    """What Keras's result_type sees for a range/fill argument: a tensor's dtype or a Python type."""
    if isinstance(value, torch.Tensor):
        return value.dtype
    if isinstance(value, torch.SymInt):  # a size traced by torch.compile with dynamic shapes
        return int
    if isinstance(value, (bool, int, float)):
        return type(value)
    if isinstance(value, (np.ndarray, np.generic)):
        return str(value.dtype)
    return float


def _scalar(value):
    if isinstance(value, torch.Tensor):
        return value.item() if value.ndim == 0 else value
    if isinstance(value, (np.ndarray, np.generic)) and np.ndim(value) == 0:
        return value.item()
    return value


@keras_op("Array", config=("dtype",), module="numpy")
def array(x, dtype=None):
    """A tensor from `x` (NumPy `np.array`; torch `torch.as_tensor`).

    Args:
        x: a tensor, NumPy array, Python number or nested list.
        dtype: the dtype (default: inferred as Keras does: Python floats give `floatx()`).

    Returns:
        A tensor.

    Example:
        >>> ops.array([1, 2, 3], dtype="float32")  # [1., 2., 3.]
    """
    return to_tensor("array", "x", x, dtype=dtype)


@keras_op("Arange", config=("dtype",), module="numpy")
def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in `[start, stop)` (NumPy `np.arange`; torch `torch.arange`).

    Args:
        start: start of the interval (or its end, with start 0, when `stop` is None).
        stop: end of the interval (excluded).
        step: spacing (default 1).
        dtype: the dtype (default: Keras's result_type of the arguments; Python ints give int32).

    Returns:
        A 1-D tensor.

    Example:
        >>> ops.arange(1, 7, 2)  # [1, 3, 5]
    """
    if dtype is None:
        dtype = promote(*[_value_dtype(v) for v in (start, stop, step) if v is not None])
    start, stop, step = _scalar(start), _scalar(stop), _scalar(step)
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if step == 0:
        raise ValueError("ops.arange: argument `step` must not be 0.")
    return torch.arange(start, stop, step, dtype=torch_dtype(dtype))


def _space_dtype(start, stop, dtype):
    if dtype is not None:
        return torch_dtype(dtype)
    return torch_dtype(promote(_value_dtype(start), _value_dtype(stop), float))


def _interpolate(op, start, stop, num, endpoint, dtype, axis):
    """Points `start + t * (stop - start)` for `num` values of t in [0, 1] (or [0, 1) without endpoint)."""
    num = check_int(op, "num", num, minimum=0)
    start_t = to_tensor(op, "start", start)
    stop_t = to_tensor(op, "stop", stop, device=start_t.device)
    compute = torch.promote_types(dtype, torch.float32) if dtype.is_floating_point else torch.float64
    start_t, stop_t = start_t.to(compute), stop_t.to(compute)
    start_t, stop_t = torch.broadcast_tensors(start_t, stop_t)
    divisor = (num - 1) if endpoint else num
    steps = torch.arange(num, dtype=compute, device=start_t.device)
    shape = (num,) + (1,) * start_t.ndim
    if divisor > 0:
        step = (stop_t - start_t) / divisor
        out = start_t.unsqueeze(0) + steps.reshape(shape) * step.unsqueeze(0)
    else:  # num <= 1: NumPy gives [start] (or nothing) and a NaN step
        step = torch.full_like(start_t, float("nan"))
        out = start_t.unsqueeze(0).expand(shape).clone()
    if endpoint and num > 1:  # the last point is exactly `stop`, as NumPy
        out = torch.cat([out[:-1], stop_t.unsqueeze(0)], dim=0)
    a = canonical_axis(op, axis, out.ndim)
    if a != 0:
        out = torch.movedim(out, 0, a)
    return out, step


@keras_op("Linspace", config=("num", "endpoint", "retstep", "dtype", "axis"), module="numpy")
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` (NumPy `np.linspace`; torch `torch.linspace`).

    Args:
        start: first value (number or tensor; tensors give one sequence per element).
        stop: last value (included when `endpoint`).
        num: number of values.
        endpoint: whether `stop` is the last value.
        retstep: also return the spacing.
        dtype: the dtype (default: float, Keras's result_type of start, stop and float).
        axis: where the new axis goes when start/stop are tensors.

    Returns:
        The values, or `(values, step)` when `retstep`.

    Example:
        >>> ops.linspace(0.0, 1.0, 5)  # [0., 0.25, 0.5, 0.75, 1.]
    """
    dtype = _space_dtype(start, stop, dtype)
    out, step = _interpolate("linspace", start, stop, num, endpoint, dtype, axis)
    if not dtype.is_floating_point:
        out = torch.floor(out)
    out = out.to(dtype)
    if retstep:
        return out, step.to(dtype) if dtype.is_floating_point else step
    return out


@keras_op("Logspace", config=("num", "endpoint", "base", "dtype", "axis"), module="numpy")
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`base ** linspace(start, stop, num)` (NumPy `np.logspace`; torch `torch.logspace`).

    Args:
        start: first exponent.
        stop: last exponent.
        num: number of values.
        endpoint: whether `base ** stop` is the last value.
        base: the base of the powers.
        dtype: the dtype (default: float).
        axis: where the new axis goes when start/stop are tensors.

    Returns:
        The values.

    Example:
        >>> ops.logspace(0.0, 2.0, 3)  # [1., 10., 100.]
    """
    dtype = _space_dtype(start, stop, dtype)
    exponents, _ = _interpolate("logspace", start, stop, num, endpoint, dtype, axis)
    out = torch.pow(torch.as_tensor(base, dtype=exponents.dtype, device=exponents.device), exponents)
    return out.to(dtype)


@keras_op("Geomspace", config=("num", "endpoint", "dtype", "axis"), module="numpy")
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` values evenly spaced on a log scale (NumPy `np.geomspace`; torch `10 ** torch.linspace(...)`).

    Computed as `sign(start) * 10 ** linspace(log10|start|, log10|stop|)`, with exact end points.

    Args:
        start: first value (non-zero).
        stop: last value (non-zero, same sign as `start`).
        num: number of values.
        endpoint: whether `stop` is the last value.
        dtype: the dtype (default: float).
        axis: where the new axis goes when start/stop are tensors.

    Returns:
        The values.

    Example:
        >>> ops.geomspace(1.0, 1000.0, 4)  # [1., 10., 100., 1000.]
    """
    dtype = _space_dtype(start, stop, dtype)
    start_t = to_tensor("geomspace", "start", start).to(torch.float64)
    stop_t = to_tensor("geomspace", "stop", stop, device=start_t.device).to(torch.float64)
    if bool((start_t == 0).any()) or bool((stop_t == 0).any()):
        raise ValueError("ops.geomspace: `start` and `stop` must be non-zero (a geometric sequence cannot hold 0).")
    exponents, _ = _interpolate("geomspace", torch.log10(start_t.abs()), torch.log10(stop_t.abs()), num,
                                endpoint, torch.float64, 0)
    out = torch.pow(10.0, exponents) * torch.sign(start_t).unsqueeze(0)
    out[0] = start_t
    if endpoint and num > 1:
        out[-1] = stop_t
    a = canonical_axis("geomspace", axis, out.ndim)
    if a != 0:
        out = torch.movedim(out, 0, a)
    return out.to(dtype)


def _fill_dtype(dtype):
    return torch_dtype(floatx() if dtype is None else dtype)


def zeros(shape, dtype=None):
    """A tensor of zeros (NumPy `np.zeros`; torch `torch.zeros`).

    Args:
        shape: an int or a tuple of ints.
        dtype: the dtype (default `floatx()`).

    Returns:
        A tensor of shape `shape`.

    Example:
        >>> ops.zeros((2, 3)).shape  # (2, 3)
    """
    return torch.zeros(shape_tuple("zeros", "shape", shape), dtype=_fill_dtype(dtype))


def ones(shape, dtype=None):
    """A tensor of ones (NumPy `np.ones`; torch `torch.ones`).

    Args:
        shape: an int or a tuple of ints.
        dtype: the dtype (default `floatx()`).

    Returns:
        A tensor of shape `shape`.

    Example:
        >>> ops.ones(3)  # [1., 1., 1.]
    """
    return torch.ones(shape_tuple("ones", "shape", shape), dtype=_fill_dtype(dtype))


def empty(shape, dtype=None):
    """An uninitialized tensor (NumPy `np.empty`; torch `torch.empty`).

    Args:
        shape: an int or a tuple of ints.
        dtype: the dtype (default `floatx()`).

    Returns:
        A tensor of shape `shape` with arbitrary values.

    Example:
        >>> ops.empty((2, 2)).shape  # (2, 2)
    """
    return torch.empty(shape_tuple("empty", "shape", shape), dtype=_fill_dtype(dtype))


@keras_op("Full", config=("shape", "dtype"), module="numpy")
def full(shape, fill_value, dtype=None):
    """A tensor filled with `fill_value` (NumPy `np.full`; torch `torch.full`).

    Args:
        shape: an int or a tuple of ints.
        fill_value: a number, or a tensor broadcastable to `shape`.
        dtype: the dtype (default `floatx()`, whatever the type of `fill_value`, as Keras).

    Returns:
        A tensor of shape `shape`.

    Example:
        >>> ops.full((2,), 7)  # [7., 7.]
    """
    shape = shape_tuple("full", "shape", shape)
    value = to_tensor("full", "fill_value", fill_value, dtype=_fill_dtype(dtype))
    try:
        return value.expand(shape).clone()
    except RuntimeError:
        raise ValueError(
            f"ops.full: `fill_value` of shape {tuple(value.shape)} cannot be broadcast to shape {shape}."
        ) from None


def _like(op, x, dtype):
    x = to_tensor(op, "x", x)
    return x, (x.dtype if dtype is None else torch_dtype(dtype))


@keras_op("ZerosLike", config=("dtype",), module="numpy")
def zeros_like(x, dtype=None):
    """Zeros with the shape (and by default dtype) of `x` (NumPy `np.zeros_like`; torch `torch.zeros_like`).

    Args:
        x: input tensor.
        dtype: the dtype (default: that of `x`).

    Returns:
        A tensor of zeros on the device of `x`.

    Example:
        >>> ops.zeros_like([1, 2])  # [0, 0]
    """
    x, dtype = _like("zeros_like", x, dtype)
    return torch.zeros_like(x, dtype=dtype)


@keras_op("OnesLike", config=("dtype",), module="numpy")
def ones_like(x, dtype=None):
    """Ones with the shape (and by default dtype) of `x` (NumPy `np.ones_like`; torch `torch.ones_like`).

    Args:
        x: input tensor.
        dtype: the dtype (default: that of `x`).

    Returns:
        A tensor of ones on the device of `x`.

    Example:
        >>> ops.ones_like([1, 2])  # [1, 1]
    """
    x, dtype = _like("ones_like", x, dtype)
    return torch.ones_like(x, dtype=dtype)


@keras_op("EmptyLike", config=("dtype",), module="numpy")
def empty_like(x, dtype=None):
    """An uninitialized tensor shaped like `x` (NumPy `np.empty_like`; torch `torch.empty_like`).

    Args:
        x: input tensor.
        dtype: the dtype (default: that of `x`).

    Returns:
        A tensor with arbitrary values on the device of `x`.

    Example:
        >>> ops.empty_like([1, 2]).shape  # (2,)
    """
    x, dtype = _like("empty_like", x, dtype)
    return torch.empty_like(x, dtype=dtype)


@keras_op("FullLike", config=("dtype",), module="numpy")
def full_like(x, fill_value, dtype=None):
    """`fill_value` in the shape (and by default dtype) of `x` (NumPy `np.full_like`; torch `torch.full_like`).

    Args:
        x: input tensor.
        fill_value: a number, or a tensor broadcastable to the shape of `x`.
        dtype: the dtype (default: that of `x`).

    Returns:
        A tensor on the device of `x`.

    Example:
        >>> ops.full_like([1, 2], 5)  # [5, 5]
    """
    x, dtype = _like("full_like", x, dtype)
    value = to_tensor("full_like", "fill_value", fill_value, device=x.device)
    try:
        return cast(value, dtype).expand(x.shape).clone()
    except RuntimeError:
        raise ValueError(
            f"ops.full_like: `fill_value` of shape {tuple(value.shape)} cannot be broadcast to the shape of "
            f"`x` {tuple(x.shape)}."
        ) from None


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's argument names
    """A 2-D tensor with ones on the k-th diagonal (NumPy `np.eye`; torch `torch.eye`).

    Args:
        N: number of rows.
        M: number of columns (default `N`).
        k: diagonal offset (positive: above the main diagonal).
        dtype: the dtype (default `floatx()`).

    Returns:
        An `(N, M)` tensor.

    Example:
        >>> ops.eye(2, 3, k=1)  # [[0., 1., 0.], [0., 0., 1.]]
    """
    n = check_int("eye", "N", N, minimum=0)
    m = n if M is None else check_int("eye", "M", M, minimum=0)
    k = 0 if k is None else check_int("eye", "k", k)
    rows = torch.arange(n).unsqueeze(1)
    cols = torch.arange(m).unsqueeze(0)
    return (cols - rows == k).to(_fill_dtype(dtype))


def identity(n, dtype=None):
    """The n x n identity matrix (NumPy `np.identity`; torch `torch.eye`).

    Args:
        n: number of rows and columns.
        dtype: the dtype (default `floatx()`).

    Returns:
        An `(n, n)` tensor.

    Example:
        >>> ops.identity(2)  # [[1., 0.], [0., 1.]]
    """
    n = check_int("identity", "n", n, minimum=0)
    return torch.eye(n, dtype=_fill_dtype(dtype))


def tri(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's argument names
    """Ones at and below the k-th diagonal, zeros elsewhere (NumPy `np.tri`; torch `torch.tril(ones)`).

    Args:
        N: number of rows.
        M: number of columns (default `N`).
        k: diagonal offset.
        dtype: the dtype (default `floatx()`).

    Returns:
        An `(N, M)` tensor.

    Example:
        >>> ops.tri(2)  # [[1., 0.], [1., 1.]]
    """
    n = check_int("tri", "N", N, minimum=0)
    m = n if M is None else check_int("tri", "M", M, minimum=0)
    return torch.tril(torch.ones((n, m), dtype=_fill_dtype(dtype)), diagonal=check_int("tri", "k", k))


@keras_op("Vander", config=("N", "increasing"), module="numpy")
def vander(x, N=None, increasing=False):  # noqa: N803 - Keras's argument names
    """The Vandermonde matrix of `x`: its columns are powers of `x` (NumPy `np.vander`; torch `torch.vander`).

    Args:
        x: 1-D tensor.
        N: number of columns (default `len(x)`).
        increasing: powers increase left to right (default: decrease).

    Returns:
        A `(len(x), N)` tensor.

    Example:
        >>> ops.vander([1, 2, 3], 3)  # [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    """
    x = to_tensor("vander", "x", x)
    if x.ndim != 1:
        raise ValueError(f"ops.vander: argument `x` must be 1-D; received shape {tuple(x.shape)}.")
    if N is not None:
        N = check_int("vander", "N", N, minimum=0)
    dtype = promote(x.dtype)
    if dtype == "bool":
        x, dtype = cast(x, "int32"), "int32"
    n = x.shape[0] if N is None else N
    # Powers by broadcasting (torch.vander's backward fails on an in-place product).
    powers = torch.arange(n, device=x.device)
    if not increasing:
        powers = powers.flip(0)
    return cast(torch.pow(x.unsqueeze(-1), powers.to(x.dtype) if x.is_floating_point() else powers), dtype)


def _window_length(op, x):
    if isinstance(x, torch.Tensor):
        x = int(x)
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"ops.{op}: argument `x` (the window length) must be an integer; received {x!r}.")
    return int(x)


def _window(op, torch_window, summary, extra_doc="", **window_kwargs):
    def fn(x):
        m = _window_length(op, x)
        if m <= 0:
            return torch.zeros((0,), dtype=torch_dtype(floatx()))
        return torch_window(m, sym=True, dtype=torch_dtype(floatx()), **window_kwargs)

    fn.__name__ = fn.__qualname__ = op
    fn.__module__ = __name__
    fn.__doc__ = f"""{summary} (NumPy `np.{op}`; torch `torch.signal.windows.{torch_window.__name__}`).{extra_doc}

    Args:
        x: the number of points M.

    Returns:
        A 1-D `floatx()` tensor of length M (symmetric window).

    Example:
        >>> ops.{op}(5)
    """
    return fn


bartlett = _window("bartlett", torch.signal.windows.bartlett, "The Bartlett (triangular) window")
blackman = _window("blackman", torch.signal.windows.blackman, "The Blackman window")
hamming = _window("hamming", torch.signal.windows.hamming, "The Hamming window")
hanning = _window("hanning", torch.signal.windows.hann, "The Hann window")


def kaiser(x, beta):
    """The Kaiser window (NumPy `np.kaiser`; torch `torch.signal.windows.kaiser`).

    Args:
        x: the number of points M.
        beta: the shape parameter (0: rectangular; larger: narrower).

    Returns:
        A 1-D `floatx()` tensor of length M (symmetric window).

    Example:
        >>> ops.kaiser(5, 14.0)
    """
    m = _window_length("kaiser", x)
    if m <= 0:
        return torch.zeros((0,), dtype=torch_dtype(floatx()))
    return torch.signal.windows.kaiser(m, beta=float(beta), sym=True, dtype=torch_dtype(floatx()))


