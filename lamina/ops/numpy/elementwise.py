"""Element-wise math of `keras.ops.numpy`: one-tensor functions and two-tensor arithmetic.

Most one-tensor functions differ only in their torch kernel and dtype rule, so they are made from
one table (`_unary`); each still gets its own name, Keras class name and docstring. Dtype rules
follow Keras's torch backend (`keras/src/backend/torch/numpy.py`): float-valued functions of
integer or bool inputs give `floatx()`, rounding functions keep float dtypes, and two-tensor
functions promote with Keras's `result_type`.
"""

import torch

from lamina.backend.dtypes import floatx
from lamina.ops._op import keras_op
from lamina.ops.numpy._common import (
    broadcast_check,
    cast,
    is_int_or_bool,
    name_of,
    promote,
    to_tensor,
    to_tensors,
)

__all__ = [
    "abs", "absolute", "fabs", "negative", "sign", "signbit", "sqrt", "square", "cbrt", "reciprocal",
    "exp", "exp2", "expm1", "log", "log10", "log1p", "log2",
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
    "arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg", "sinc", "i0",
    "ceil", "floor", "trunc", "round", "clip", "nan_to_num", "copy",
    "angle", "real", "imag", "conj", "conjugate",
    "add", "subtract", "multiply", "divide", "true_divide", "divide_no_nan", "floor_divide",
    "mod", "fmod", "power", "maximum", "minimum", "fmax", "fmin", "arctan2", "hypot",
    "heaviside", "logaddexp", "logaddexp2", "ldexp", "nextafter", "gcd", "lcm",
]


def _make(name, class_name, body, doc):
    """Builds one named, documented op from `body(x)` and registers it with `keras_op`."""

    def op(x):
        return body(to_tensor(name, "x", x))

    op.__name__ = op.__qualname__ = name
    op.__module__ = __name__
    op.__doc__ = doc
    return keras_op(class_name, module="numpy")(op)


def _unary_doc(summary, numpy_name, torch_name, dtype_note, example):
    return f"""{summary} (NumPy `np.{numpy_name}`; torch `torch.{torch_name}`).

    {dtype_note}

    Args:
        x: input tensor (or NumPy array / Python number).

    Returns:
        A tensor of the same shape as `x`.

    Example:
        >>> ops.{example}
    """


_FLOAT_NOTE = "Integer and bool inputs give a `floatx()` result; float inputs keep their dtype."


def _float_fn(torch_fn, int64_to_float64=False):
    def body(x):
        if int64_to_float64 and name_of(x) == "int64":
            x = cast(x, "float64")  # Keras gives float64 for int64 here (cbrt, deg2rad, rad2deg, i0)
        elif is_int_or_bool(x):
            x = cast(x, floatx())
        return torch_fn(x)

    return body


# name, Keras class, torch function, summary, example
_FLOAT_UNARY = [
    ("sqrt", "Sqrt", torch.sqrt, "Element-wise non-negative square root", "sqrt([1.0, 4.0])  # [1., 2.]"),
    ("exp", "Exp", torch.exp, "Element-wise exponential e**x", "exp([0.0, 1.0])  # [1., 2.718]"),
    ("exp2", "Exp2", torch.exp2, "Element-wise 2**x", "exp2([1.0, 3.0])  # [2., 8.]"),
    ("expm1", "Expm1", torch.expm1, "Element-wise exp(x) - 1, accurate near 0", "expm1([0.0])  # [0.]"),
    ("log", "Log", torch.log, "Element-wise natural logarithm", "log([1.0, 2.718])  # [0., 1.]"),
    ("log10", "Log10", torch.log10, "Element-wise base-10 logarithm", "log10([10.0, 100.0])  # [1., 2.]"),
    ("log1p", "Log1p", torch.log1p, "Element-wise log(1 + x), accurate near 0", "log1p([0.0])  # [0.]"),
    ("log2", "Log2", torch.log2, "Element-wise base-2 logarithm", "log2([2.0, 8.0])  # [1., 3.]"),
    ("sin", "Sin", torch.sin, "Element-wise sine (radians)", "sin([0.0])  # [0.]"),
    ("cos", "Cos", torch.cos, "Element-wise cosine (radians)", "cos([0.0])  # [1.]"),
    ("tan", "Tan", torch.tan, "Element-wise tangent (radians)", "tan([0.0])  # [0.]"),
    ("arcsin", "Arcsin", torch.arcsin, "Element-wise inverse sine", "arcsin([1.0])  # [1.5708]"),
    ("arccos", "Arccos", torch.arccos, "Element-wise inverse cosine", "arccos([1.0])  # [0.]"),
    ("arctan", "Arctan", torch.arctan, "Element-wise inverse tangent", "arctan([1.0])  # [0.7854]"),
    ("sinh", "Sinh", torch.sinh, "Element-wise hyperbolic sine", "sinh([0.0])  # [0.]"),
    ("cosh", "Cosh", torch.cosh, "Element-wise hyperbolic cosine", "cosh([0.0])  # [1.]"),
    ("tanh", "Tanh", torch.tanh, "Element-wise hyperbolic tangent", "tanh([0.0])  # [0.]"),
    ("arcsinh", "Arcsinh", torch.arcsinh, "Element-wise inverse hyperbolic sine", "arcsinh([0.0])  # [0.]"),
    ("arccosh", "Arccosh", torch.arccosh, "Element-wise inverse hyperbolic cosine", "arccosh([1.0])  # [0.]"),
    ("arctanh", "Arctanh", torch.arctanh, "Element-wise inverse hyperbolic tangent", "arctanh([0.0])  # [0.]"),
    ("deg2rad", "Deg2rad", torch.deg2rad, "Element-wise degrees to radians", "deg2rad([180.0])  # [3.1416]"),
    ("rad2deg", "Rad2deg", torch.rad2deg, "Element-wise radians to degrees", "rad2deg([3.1416])  # [180.]"),
    ("sinc", "Sinc", torch.sinc, "Element-wise normalized sinc, sin(pi x) / (pi x)", "sinc([0.0])  # [1.]"),
    ("i0", "I0", torch.i0, "Element-wise modified Bessel function of the first kind, order 0", "i0([0.0])  # [1.]"),
    ("fabs", "Fabs", torch.abs, "Element-wise absolute value as floats", "fabs([-2, 3])  # [2., 3.]"),
]

_INT64_TO_FLOAT64 = ("deg2rad", "rad2deg", "i0")

for _name, _cls, _fn, _summary, _example in _FLOAT_UNARY:
    _torch_name = {"fabs": "abs"}.get(_name, _name)
    _note = _FLOAT_NOTE + (" int64 gives float64." if _name in _INT64_TO_FLOAT64 else "")
    globals()[_name] = _make(_name, _cls, _float_fn(_fn, _name in _INT64_TO_FLOAT64),
                             _unary_doc(_summary, _name, _torch_name, _note, _example))


def _rounding(torch_fn):
    # Keras: bool stays bool for trunc; ints keep their values but ceil/floor give floats.
    def body(x):
        name = name_of(x)
        if name == "bool":
            x = cast(x, "uint8")
        out_dtype = floatx() if ("int" in name or name == "bool") else name
        return cast(torch_fn(cast(x, out_dtype)), out_dtype)

    return body


ceil = _make("ceil", "Ceil", _rounding(torch.ceil), _unary_doc(
    "Element-wise ceiling", "ceil", "ceil", _FLOAT_NOTE, "ceil([1.2, -1.2])  # [2., -1.]"))
floor = _make("floor", "Floor", _rounding(torch.floor), _unary_doc(
    "Element-wise floor", "floor", "floor", _FLOAT_NOTE, "floor([1.7, -1.2])  # [1., -2.]"))


def _trunc(x):
    if name_of(x) == "bool" or not (x.is_floating_point() or x.is_complex()):
        return x
    return torch.trunc(x)


trunc = _make("trunc", "Trunc", _trunc, _unary_doc(
    "Element-wise truncation toward zero", "trunc", "trunc",
    "The dtype is kept (integer and bool inputs are returned unchanged).", "trunc([1.7, -1.7])  # [1., -1.]"))


def _keep_dtype(torch_fn, bool_as=None):
    def body(x):
        if bool_as is not None and name_of(x) == "bool":
            x = cast(x, bool_as)
        return torch_fn(x)

    return body


_SAME_DTYPE_NOTE = "The dtype of `x` is kept."
negative = _make("negative", "Negative", _keep_dtype(lambda x: x if x.dtype == torch.bool else torch.negative(x)), _unary_doc(
    "Element-wise numerical negative", "negative", "negative", _SAME_DTYPE_NOTE, "negative([1, -2])  # [-1, 2]"))
def _sign(x):
    if x.is_floating_point():
        return torch.where(torch.isnan(x), x, torch.sign(x))  # NaN stays NaN, as NumPy (torch gives 0)
    if x.is_complex():
        return torch.sgn(x)  # x / |x| (NumPy 2's complex sign)
    return x if x.dtype == torch.bool else torch.sign(x)


sign = _make("sign", "Sign", _sign, _unary_doc(
    "Element-wise sign: -1, 0 or 1", "sign", "sign", _SAME_DTYPE_NOTE, "sign([-3.0, 0.0, 2.0])  # [-1., 0., 1.]"))
square = _make("square", "Square", _keep_dtype(torch.square, "int32"), _unary_doc(
    "Element-wise square", "square", "square", "The dtype is kept; bool gives int32.", "square([2, -3])  # [4, 9]"))
signbit = _make("signbit", "Signbit", _keep_dtype(torch.signbit), _unary_doc(
    "Element-wise test of the sign bit (True for negatives, -0.0 included)", "signbit", "signbit",
    "Returns bool.", "signbit([-1.0, 0.0])  # [True, False]"))


def _reciprocal(x):
    if is_int_or_bool(x):
        x = cast(x, floatx())
    return torch.reciprocal(x)


reciprocal = _make("reciprocal", "Reciprocal", _reciprocal, _unary_doc(
    "Element-wise 1 / x", "reciprocal", "reciprocal", _FLOAT_NOTE, "reciprocal([2.0, 4.0])  # [0.5, 0.25]"))


def _cbrt(x):
    if name_of(x) == "int64":
        x = cast(x, "float64")
    elif is_int_or_bool(x):
        x = cast(x, floatx())
    # torch has no cbrt kernel; sign * |x|**(1/3) is exact for perfect cubes up to rounding.
    return torch.sign(x) * torch.abs(x).pow(1.0 / 3.0)


cbrt = _make("cbrt", "Cbrt", _cbrt, _unary_doc(
    "Element-wise cube root", "cbrt", "sign(x) * abs(x)**(1/3)", _FLOAT_NOTE, "cbrt([8.0, -27.0])  # [2., -3.]"))


def _absolute(x):
    return x if name_of(x) == "bool" else torch.abs(x)


absolute = _make("absolute", "Absolute", _absolute, _unary_doc(
    "Element-wise absolute value", "absolute", "abs", "The dtype is kept (complex inputs give their real dtype).",
    "absolute([-1, 2])  # [1, 2]"))


def abs(x):  # noqa: A001 - Keras's name
    """Element-wise absolute value; the same op as `absolute` (NumPy `np.abs`; torch `torch.abs`).

    Args:
        x: input tensor.

    Returns:
        A tensor of the same shape and dtype as `x`.

    Example:
        >>> ops.abs([-1.5, 2.0])  # [1.5, 2.]
    """
    return absolute(x)


def _angle(x):
    if is_int_or_bool(x):
        x = cast(x, floatx())
    return torch.angle(x)


angle = _make("angle", "Angle", _angle, _unary_doc(
    "Element-wise complex argument (angle) in radians", "angle", "angle",
    "Real inputs give 0 or pi; integers give `floatx()`.", "angle([-1.0, 1.0])  # [3.1416, 0.]"))
real = _make("real", "Real", torch.real, _unary_doc(
    "Element-wise real part", "real", "real", "Complex inputs give their real dtype.", "real([1.0])  # [1.]"))


def _imag(x):
    if x.is_complex():
        return torch.imag(x)
    return torch.zeros_like(x)


imag = _make("imag", "Imag", _imag, _unary_doc(
    "Element-wise imaginary part", "imag", "imag", "Real inputs give zeros of their dtype.", "imag([1.0])  # [0.]"))


def _conjugate(x):
    return torch.conj(x).resolve_conj() if x.is_complex() else x


conjugate = _make("conjugate", "Conjugate", _conjugate, _unary_doc(
    "Element-wise complex conjugate", "conjugate", "conj", _SAME_DTYPE_NOTE, "conjugate([1.0])  # [1.]"))


def conj(x):
    """Element-wise complex conjugate; the same op as `conjugate` (NumPy `np.conj`; torch `torch.conj`).

    Args:
        x: input tensor.

    Returns:
        A tensor of the same shape and dtype as `x`.

    Example:
        >>> ops.conj(np.array([1 + 2j]))  # [1 - 2j]
    """
    return conjugate(x)


copy = _make("copy", "Copy", torch.clone, _unary_doc(
    "A copy of `x`", "copy", "clone", _SAME_DTYPE_NOTE, "copy([1, 2])  # [1, 2]"))


@keras_op("Round", config=("decimals",), module="numpy")
def round(x, decimals=0):  # noqa: A001 - Keras's name
    """Element-wise rounding to `decimals` places, halves to even (NumPy `np.round`; torch `torch.round`).

    Args:
        x: input tensor.
        decimals: number of decimal places (negative values round to tens, hundreds, ...).

    Returns:
        A tensor of the same shape and dtype as `x`.

    Example:
        >>> ops.round([0.5, 1.5, 2.567], decimals=0)  # [0., 2., 3.]
    """
    x = to_tensor("round", "x", x)
    name = name_of(x)
    if "int" in name or name == "bool":
        if decimals >= 0:
            return x
        return cast(torch.round(cast(x, "float64"), decimals=decimals), name)
    return torch.round(x, decimals=decimals)


@keras_op("Clip", config=("x_min", "x_max"), module="numpy")
def clip(x, x_min, x_max):
    """Limits the values of `x` to `[x_min, x_max]` (NumPy `np.clip`; torch `torch.clip`).

    Args:
        x: input tensor.
        x_min: lower bound (number or tensor broadcastable to `x`).
        x_max: upper bound (number or tensor broadcastable to `x`).

    Returns:
        A tensor with the shape and dtype of `x` (bool gives int32).

    Example:
        >>> ops.clip([-2, 0, 5], 0, 3)  # [0, 0, 3]
    """
    x = to_tensor("clip", "x", x)
    if name_of(x) == "bool":
        x = cast(x, "int32")
    dtype = x.dtype
    bounds = []
    for arg, bound in (("x_min", x_min), ("x_max", x_max)):
        if bound is None:
            bounds.append(None)
            continue
        bound = to_tensor("clip", arg, bound, device=x.device)
        broadcast_check("clip", x=x, **{arg: bound})
        bounds.append(cast(bound, dtype))
    return torch.clip(x, min=bounds[0], max=bounds[1])


@keras_op("NanToNum", config=("nan", "posinf", "neginf"), module="numpy")
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """Replaces NaN, +inf and -inf with numbers (NumPy `np.nan_to_num`; torch `torch.nan_to_num`).

    Args:
        x: input tensor.
        nan: value for NaN.
        posinf: value for +inf (default: the dtype's largest finite value).
        neginf: value for -inf (default: the dtype's lowest finite value).

    Returns:
        A tensor of the same shape and dtype as `x`.

    Example:
        >>> ops.nan_to_num([float("nan"), float("inf")], posinf=9.0)  # [0., 9.]
    """
    x = to_tensor("nan_to_num", "x", x)
    if not (x.is_floating_point() or x.is_complex()):
        return x
    return torch.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


# ---------------------------------------------------------------------------- two-tensor arithmetic


def _binary_doc(summary, numpy_name, torch_name, dtype_note, example):
    return f"""{summary} (NumPy `np.{numpy_name}`; torch `torch.{torch_name}`).

    Inputs broadcast (NumPy rules). {dtype_note}

    Args:
        x1: first input tensor (or NumPy array / Python number).
        x2: second input tensor, broadcastable with `x1`.

    Returns:
        A tensor of the broadcast shape.

    Example:
        >>> ops.{example}
    """


def _operands(op, x1, x2):
    x1, x2 = to_tensors(op, x1=x1, x2=x2)
    broadcast_check(op, x1=x1, x2=x2)
    return x1, x2


def _weak(value):
    """The dtype for Keras's `result_type` of a value: Python numbers are weak (their type)."""
    if isinstance(value, (bool, int, float)) and not isinstance(value, torch.Tensor):
        return type(value)
    return value.dtype


def _make_binary(name, class_name, body, doc):
    def op(x1, x2):
        t1, t2 = _operands(name, x1, x2)
        return body(t1, t2, x1, x2)

    op.__name__ = op.__qualname__ = name
    op.__module__ = __name__
    op.__doc__ = doc
    return keras_op(class_name, module="numpy")(op)


_PROMOTE_NOTE = "Dtypes promote as Keras's `result_type` (Python numbers are weakly typed)."


def _native(torch_fn, bool_as_int=False):
    def body(t1, t2, x1, x2):
        if bool_as_int and name_of(t1) == "bool" and name_of(t2) == "bool":
            # Keras keeps bool - bool as bool (arithmetic modulo 2).
            return torch_fn(cast(t1, "int32"), cast(t2, "int32")) != 0
        elif bool_as_int:
            if name_of(t1) == "bool":
                t1 = cast(t1, t2.dtype)
            if name_of(t2) == "bool":
                t2 = cast(t2, t1.dtype)
        return torch_fn(t1, t2)

    return body


def _promoted(torch_fn, float_result=False, int_to_float=False):
    """Casts both operands to Keras's result dtype (plus `float` when the function is float-valued)."""

    def body(t1, t2, x1, x2):
        dtypes = [_weak(x1) if not isinstance(x1, torch.Tensor) else t1.dtype,
                  _weak(x2) if not isinstance(x2, torch.Tensor) else t2.dtype]
        if float_result:
            dtypes.append(float)
        dtype = promote(*dtypes)
        if dtype == "bool" and not float_result:
            # Keras keeps bool inputs bool (hypot, heaviside); compute in float and threshold.
            return torch_fn(cast(t1, floatx()), cast(t2, floatx())) != 0
        if int_to_float and "int" in dtype:
            dtype = "float64" if dtype == "int64" else floatx()
        return torch_fn(cast(t1, dtype), cast(t2, dtype))

    return body


add = _make_binary("add", "Add", _native(torch.add), _binary_doc(
    "Element-wise sum x1 + x2", "add", "add", _PROMOTE_NOTE, "add([1, 2], 10)  # [11, 12]"))
subtract = _make_binary("subtract", "Subtract", _native(torch.subtract, bool_as_int=True), _binary_doc(
    "Element-wise difference x1 - x2", "subtract", "subtract", _PROMOTE_NOTE, "subtract([5, 7], [1, 2])  # [4, 5]"))
multiply = _make_binary("multiply", "Multiply", _native(torch.multiply), _binary_doc(
    "Element-wise product x1 * x2", "multiply", "multiply", _PROMOTE_NOTE, "multiply([1, 2], 3)  # [3, 6]"))


def _divide(t1, t2, x1, x2):
    dtype = promote(t1.dtype if isinstance(x1, torch.Tensor) else _weak(x1),
                    t2.dtype if isinstance(x2, torch.Tensor) else _weak(x2), float)
    return torch.divide(cast(t1, dtype), cast(t2, dtype))


divide = _make_binary("divide", "Divide", _divide, _binary_doc(
    "Element-wise true division x1 / x2", "divide", "divide",
    "Integer inputs give a float result.", "divide([1, 3], 2)  # [0.5, 1.5]"))
true_divide = _make_binary("true_divide", "TrueDivide", _divide, _binary_doc(
    "Element-wise true division x1 / x2", "true_divide", "true_divide",
    "Integer inputs give a float result.", "true_divide([1, 3], 2)  # [0.5, 1.5]"))


def _divide_no_nan(t1, t2, x1, x2):
    dtype = promote(_weak(x1) if not isinstance(x1, torch.Tensor) else t1.dtype,
                    _weak(x2) if not isinstance(x2, torch.Tensor) else t2.dtype, float)
    t1, t2 = cast(t1, dtype), cast(t2, dtype)
    zero = t2 == 0
    safe = torch.where(zero, torch.ones_like(t2), t2)
    return torch.where(zero, torch.zeros((), dtype=t1.dtype, device=t1.device), t1 / safe)


divide_no_nan = _make_binary("divide_no_nan", "DivideNoNan", _divide_no_nan, _binary_doc(
    "Element-wise x1 / x2, with 0 wherever x2 is 0", "divide (with 0 where x2 == 0)", "where(x2 == 0, 0, x1 / x2)",
    "Integer inputs give a float result; the gradient is finite everywhere.",
    "divide_no_nan([1.0, 2.0], [0.0, 4.0])  # [0., 0.5]"))


def _floor_divide(t1, t2, x1, x2):
    dtype = promote(_weak(x1) if not isinstance(x1, torch.Tensor) else t1.dtype,
                    _weak(x2) if not isinstance(x2, torch.Tensor) else t2.dtype)
    if dtype == "bool":
        return cast(torch.div(cast(t1, "int32"), cast(t2, "int32"), rounding_mode="floor"), "bool")
    # torch.div(rounding_mode="floor") is torch.floor_divide with a (zero) gradient defined.
    return torch.div(cast(t1, dtype), cast(t2, dtype), rounding_mode="floor")


floor_divide = _make_binary("floor_divide", "FloorDivide", _floor_divide, _binary_doc(
    "Element-wise floor division x1 // x2", "floor_divide", "floor_divide", _PROMOTE_NOTE,
    "floor_divide([7, -7], 2)  # [3, -4]"))


def _remainder(torch_fn):
    def body(t1, t2, x1, x2):
        dtype = promote(_weak(x1) if not isinstance(x1, torch.Tensor) else t1.dtype,
                        _weak(x2) if not isinstance(x2, torch.Tensor) else t2.dtype)
        if dtype == "bool":
            dtype = "int32"
        return torch_fn(cast(t1, dtype), cast(t2, dtype))

    return body


mod = _make_binary("mod", "Mod", _remainder(torch.remainder), _binary_doc(
    "Element-wise remainder with the sign of the divisor", "mod", "remainder", _PROMOTE_NOTE,
    "mod([7, -7], 3)  # [1, 2]"))
fmod = _make_binary("fmod", "Fmod", _remainder(torch.fmod), _binary_doc(
    "Element-wise remainder with the sign of the dividend (C fmod)", "fmod", "fmod", _PROMOTE_NOTE,
    "fmod([7, -7], 3)  # [1, -1]"))


def _power(t1, t2, x1, x2):
    dtype = promote(_weak(x1) if not isinstance(x1, torch.Tensor) else t1.dtype,
                    _weak(x2) if not isinstance(x2, torch.Tensor) else t2.dtype)
    if dtype == "bool":
        return torch.pow(cast(t1, "int32"), cast(t2, "int32")) != 0
    return torch.pow(cast(t1, dtype), cast(t2, dtype))


power = _make_binary("power", "Power", _power, _binary_doc(
    "Element-wise x1 ** x2", "power", "pow", _PROMOTE_NOTE, "power([2, 3], 2)  # [4, 9]"))

maximum = _make_binary("maximum", "Maximum", _promoted(torch.maximum), _binary_doc(
    "Element-wise maximum (NaN propagates)", "maximum", "maximum", _PROMOTE_NOTE, "maximum([1, 5], [3, 2])  # [3, 5]"))
minimum = _make_binary("minimum", "Minimum", _promoted(torch.minimum), _binary_doc(
    "Element-wise minimum (NaN propagates)", "minimum", "minimum", _PROMOTE_NOTE, "minimum([1, 5], [3, 2])  # [1, 2]"))
fmax = _make_binary("fmax", "Fmax", _promoted(torch.fmax), _binary_doc(
    "Element-wise maximum ignoring NaN", "fmax", "fmax", _PROMOTE_NOTE, "fmax([1.0, float('nan')], 2.0)  # [2., 2.]"))
fmin = _make_binary("fmin", "Fmin", _promoted(torch.fmin), _binary_doc(
    "Element-wise minimum ignoring NaN", "fmin", "fmin", _PROMOTE_NOTE, "fmin([1.0, float('nan')], 2.0)  # [1., 2.]"))
arctan2 = _make_binary("arctan2", "Arctan2", _promoted(torch.arctan2, float_result=True), _binary_doc(
    "Element-wise arctan(x1 / x2) in the right quadrant", "arctan2", "arctan2",
    "Integer inputs give a float result.", "arctan2([1.0], [-1.0])  # [2.3562]"))
hypot = _make_binary("hypot", "Hypot", _promoted(torch.hypot, int_to_float=True), _binary_doc(
    "Element-wise sqrt(x1**2 + x2**2)", "hypot", "hypot",
    "Integer inputs give a float result (int64 gives float64).", "hypot([3.0], [4.0])  # [5.]"))
def _heaviside(x1, x2):
    # Written with `where` (torch.heaviside has no derivative): the gradient reaches x2 where x1 == 0.
    x1, x2 = torch.broadcast_tensors(x1, x2)
    out = torch.where(x1 > 0, torch.ones_like(x1), torch.where(x1 < 0, torch.zeros_like(x1), x2))
    return torch.where(torch.isnan(x1), x1, out)


heaviside = _make_binary("heaviside", "Heaviside", _promoted(_heaviside, int_to_float=True), _binary_doc(
    "Element-wise Heaviside step: 0 for x1 < 0, x2 for x1 == 0, 1 for x1 > 0", "heaviside", "heaviside",
    "Integer inputs give a float result (int64 gives float64).", "heaviside([-1.0, 0.0, 2.0], 0.5)  # [0., 0.5, 1.]"))
logaddexp = _make_binary("logaddexp", "Logaddexp", _promoted(torch.logaddexp, float_result=True), _binary_doc(
    "Element-wise log(exp(x1) + exp(x2)), computed stably", "logaddexp", "logaddexp",
    "Integer inputs give a float result.", "logaddexp([0.0], [0.0])  # [0.6931]"))
logaddexp2 = _make_binary("logaddexp2", "Logaddexp2", _promoted(torch.logaddexp2, float_result=True), _binary_doc(
    "Element-wise log2(2**x1 + 2**x2), computed stably", "logaddexp2", "logaddexp2",
    "Integer inputs give a float result.", "logaddexp2([1.0], [1.0])  # [2.]"))


def _ldexp(t1, t2, x1, x2):
    if "int" not in name_of(t2):
        raise TypeError(
            f"ops.ldexp: argument `x2` (the exponent) must have an integer dtype; received {name_of(t2)}."
        )
    dtype = promote(_weak(x1) if not isinstance(x1, torch.Tensor) else t1.dtype, t2.dtype, float)
    return cast(torch.ldexp(cast(t1, dtype), t2), dtype)


ldexp = _make_binary("ldexp", "Ldexp", _ldexp, _binary_doc(
    "Element-wise x1 * 2**x2", "ldexp", "ldexp", "`x2` must be an integer tensor; the result is float.",
    "ldexp([1.0, 3.0], [2, 1])  # [4., 6.]"))


def _nextafter(t1, t2, x1, x2):
    dtype = promote(_weak(x1) if not isinstance(x1, torch.Tensor) else t1.dtype,
                    _weak(x2) if not isinstance(x2, torch.Tensor) else t2.dtype, float)
    # Keras computes in float64 and casts back (so float32 steps are float64 steps, as in Keras).
    return cast(torch.nextafter(cast(t1, "float64"), cast(t2, "float64")), dtype)


nextafter = _make_binary("nextafter", "Nextafter", _nextafter, _binary_doc(
    "Element-wise next float after x1 towards x2", "nextafter", "nextafter",
    "Computed in float64 and cast to the promoted float dtype, as Keras's torch backend does.",
    "nextafter([1.0], [2.0])"))


def _integer_only(op, torch_fn):
    def body(t1, t2, x1, x2):
        for arg, t in (("x1", t1), ("x2", t2)):
            if t.is_floating_point() or t.is_complex():
                raise TypeError(f"ops.{op}: argument `{arg}` must have an integer dtype; received {name_of(t)}.")
        return torch_fn(t1, t2)

    return body


gcd = _make_binary("gcd", "Gcd", _integer_only("gcd", torch.gcd), _binary_doc(
    "Element-wise greatest common divisor", "gcd", "gcd", "Integer inputs only.", "gcd([12, 18], 8)  # [4, 2]"))
lcm = _make_binary("lcm", "Lcm", _integer_only("lcm", torch.lcm), _binary_doc(
    "Element-wise least common multiple", "lcm", "lcm", "Integer inputs only.", "lcm([4, 6], 3)  # [12, 6]"))

del _name, _cls, _fn, _summary, _example, _torch_name
