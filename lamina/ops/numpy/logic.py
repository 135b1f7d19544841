"""Comparison, logic, bitwise and selection functions of `keras.ops.numpy`.

Comparisons and predicates return bool tensors; bitwise functions need integer or bool inputs;
`where` and `select` pick element-wise between tensors.
"""

import torch

from lamina.graph.keras_tensor import KerasTensor
from lamina.ops._op import keras_op
from lamina.ops.numpy._common import (
    broadcast_check,
    cast,
    name_of,
    promote,
    to_tensor,
    to_tensor_list,
    to_tensors,
)
from lamina.ops.numpy.elementwise import _binary_doc, _make, _make_binary, _unary_doc

__all__ = [
    "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not",
    "isfinite", "isinf", "isnan", "isneginf", "isposinf", "isreal",
    "isclose", "allclose", "isin",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_invert",
    "bitwise_left_shift", "bitwise_right_shift", "left_shift", "right_shift",
    "where", "select",
]

_BOOL_NOTE = "Returns a bool tensor."


def _compare(torch_fn):
    def body(t1, t2, x1, x2):
        return torch_fn(t1, t2)

    return body


equal = _make_binary("equal", "Equal", _compare(torch.eq), _binary_doc(
    "Element-wise x1 == x2", "equal", "eq", _BOOL_NOTE, "equal([1, 2], 2)  # [False, True]"))
not_equal = _make_binary("not_equal", "NotEqual", _compare(torch.ne), _binary_doc(
    "Element-wise x1 != x2", "not_equal", "ne", _BOOL_NOTE, "not_equal([1, 2], 2)  # [True, False]"))
greater = _make_binary("greater", "Greater", _compare(torch.gt), _binary_doc(
    "Element-wise x1 > x2", "greater", "gt", _BOOL_NOTE, "greater([1, 3], 2)  # [False, True]"))
greater_equal = _make_binary("greater_equal", "GreaterEqual", _compare(torch.ge), _binary_doc(
    "Element-wise x1 >= x2", "greater_equal", "ge", _BOOL_NOTE, "greater_equal([1, 2], 2)  # [False, True]"))
less = _make_binary("less", "Less", _compare(torch.lt), _binary_doc(
    "Element-wise x1 < x2", "less", "lt", _BOOL_NOTE, "less([1, 3], 2)  # [True, False]"))
less_equal = _make_binary("less_equal", "LessEqual", _compare(torch.le), _binary_doc(
    "Element-wise x1 <= x2", "less_equal", "le", _BOOL_NOTE, "less_equal([1, 3], 2)  # [True, False]"))
logical_and = _make_binary("logical_and", "LogicalAnd", _compare(torch.logical_and), _binary_doc(
    "Element-wise truth-value AND", "logical_and", "logical_and", _BOOL_NOTE,
    "logical_and([True, False], True)  # [True, False]"))
logical_or = _make_binary("logical_or", "LogicalOr", _compare(torch.logical_or), _binary_doc(
    "Element-wise truth-value OR", "logical_or", "logical_or", _BOOL_NOTE,
    "logical_or([True, False], False)  # [True, False]"))
logical_xor = _make_binary("logical_xor", "LogicalXor", _compare(torch.logical_xor), _binary_doc(
    "Element-wise truth-value XOR", "logical_xor", "logical_xor", _BOOL_NOTE,
    "logical_xor([True, False], True)  # [False, True]"))

logical_not = _make("logical_not", "LogicalNot", torch.logical_not, _unary_doc(
    "Element-wise truth-value NOT", "logical_not", "logical_not", _BOOL_NOTE, "logical_not([0, 1])  # [True, False]"))


def _float_predicate(torch_fn, integer_value):
    def body(x):
        if x.is_floating_point() or x.is_complex():
            return torch_fn(x)
        return torch.full_like(x, integer_value, dtype=torch.bool)

    return body


isfinite = _make("isfinite", "Isfinite", _float_predicate(torch.isfinite, True), _unary_doc(
    "Element-wise test for finite values (not NaN, not +-inf)", "isfinite", "isfinite", _BOOL_NOTE,
    "isfinite([1.0, float('inf')])  # [True, False]"))
isinf = _make("isinf", "Isinf", _float_predicate(torch.isinf, False), _unary_doc(
    "Element-wise test for +inf or -inf", "isinf", "isinf", _BOOL_NOTE, "isinf([1.0, float('-inf')])  # [False, True]"))
isnan = _make("isnan", "Isnan", _float_predicate(torch.isnan, False), _unary_doc(
    "Element-wise test for NaN", "isnan", "isnan", _BOOL_NOTE, "isnan([1.0, float('nan')])  # [False, True]"))
isneginf = _make("isneginf", "Isneginf", _float_predicate(torch.isneginf, False), _unary_doc(
    "Element-wise test for -inf", "isneginf", "isneginf", _BOOL_NOTE, "isneginf([float('-inf'), 1.0])  # [True, False]"))
isposinf = _make("isposinf", "Isposinf", _float_predicate(torch.isposinf, False), _unary_doc(
    "Element-wise test for +inf", "isposinf", "isposinf", _BOOL_NOTE, "isposinf([float('inf'), 1.0])  # [True, False]"))
isreal = _make("isreal", "Isreal", torch.isreal, _unary_doc(
    "Element-wise test for a zero imaginary part", "isreal", "isreal", _BOOL_NOTE, "isreal([1.0])  # [True]"))


def _close(op, x1, x2, rtol, atol, equal_nan):
    x1, x2 = to_tensors(op, x1=x1, x2=x2)
    broadcast_check(op, x1=x1, x2=x2)
    dtype = promote(x1.dtype, x2.dtype)
    x1, x2 = cast(x1, dtype), cast(x2, dtype)
    if "float" in dtype or "complex" in dtype:
        return torch.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return torch.eq(x1, x2)


@keras_op("Isclose", config=("equal_nan",), module="numpy")
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Element-wise |x1 - x2| <= atol + rtol * |x2| (NumPy `np.isclose`; torch `torch.isclose`).

    Args:
        x1: first input tensor.
        x2: second input tensor, broadcastable with `x1`.
        rtol: relative tolerance.
        atol: absolute tolerance.
        equal_nan: whether NaN compares equal to NaN.

    Returns:
        A bool tensor of the broadcast shape (integer inputs compare exactly).

    Example:
        >>> ops.isclose([1.0, 2.0], [1.0 + 1e-9, 2.1])  # [True, False]
    """
    return _close("isclose", x1, x2, rtol, atol, equal_nan)


@keras_op("AllClose", config=("rtol", "atol", "equal_nan"), module="numpy")
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether all elements are close, as `isclose` (NumPy `np.allclose`; torch `torch.allclose`).

    Args:
        x1: first input tensor.
        x2: second input tensor, broadcastable with `x1`.
        rtol: relative tolerance.
        atol: absolute tolerance.
        equal_nan: whether NaN compares equal to NaN.

    Returns:
        A scalar bool tensor.

    Example:
        >>> ops.allclose([1.0, 2.0], [1.0, 2.0 + 1e-9])  # True
    """
    return torch.all(_close("allclose", x1, x2, rtol, atol, equal_nan))


@keras_op("IsIn", config=("assume_unique", "invert"), module="numpy")
def isin(x1, x2, assume_unique=False, invert=False):
    """Element-wise test of whether each element of `x1` occurs in `x2` (NumPy `np.isin`; torch `torch.isin`).

    Args:
        x1: input tensor.
        x2: the values to test against (any shape).
        assume_unique: whether both inputs hold unique values (may speed the test up).
        invert: return the negation (not in `x2`).

    Returns:
        A bool tensor with the shape of `x1`.

    Example:
        >>> ops.isin([1, 2, 3], [2, 5])  # [False, True, False]
    """
    x1, x2 = to_tensors("isin", x1=x1, x2=x2)
    dtype = promote(x1.dtype, x2.dtype)
    if dtype == "bool":
        dtype = "int32"
    return torch.isin(cast(x1, dtype), cast(x2, dtype), assume_unique=assume_unique, invert=invert)


def _bitwise(op, torch_fn):
    def body(t1, t2, x1, x2):
        for arg, t in (("x", t1), ("y", t2)):
            if t.is_floating_point() or t.is_complex():
                raise TypeError(
                    f"ops.{op}: argument `{arg}` must have an integer or bool dtype; received {name_of(t)}."
                )
        return torch_fn(t1, t2)

    return body


def _make_bitwise(name, class_name, torch_fn, summary, example):
    # Keras names the bitwise arguments `x` and `y` (not `x1`, `x2`).
    def op(x, y):
        t1, t2 = to_tensors(name, x=x, y=y)
        broadcast_check(name, x=t1, y=t2)
        return _bitwise(name, torch_fn)(t1, t2, x, y)

    op.__name__ = op.__qualname__ = name
    op.__module__ = __name__
    op.__doc__ = f"""{summary} (NumPy `np.{name}`; torch `torch.{torch_fn.__name__}`).

    Inputs broadcast; both must be integer or bool tensors.

    Args:
        x: first input tensor.
        y: second input tensor, broadcastable with `x`.

    Returns:
        A tensor of the broadcast shape and promoted integer dtype.

    Example:
        >>> ops.{example}
    """
    return keras_op(class_name, module="numpy")(op)


bitwise_and = _make_bitwise("bitwise_and", "BitwiseAnd", torch.bitwise_and, "Element-wise bitwise AND",
                            "bitwise_and([12, 10], 6)  # [4, 2]")
bitwise_or = _make_bitwise("bitwise_or", "BitwiseOr", torch.bitwise_or, "Element-wise bitwise OR",
                           "bitwise_or([12, 10], 1)  # [13, 11]")
bitwise_xor = _make_bitwise("bitwise_xor", "BitwiseXor", torch.bitwise_xor, "Element-wise bitwise XOR",
                            "bitwise_xor([12, 10], 6)  # [10, 12]")
bitwise_left_shift = _make_bitwise("bitwise_left_shift", "BitwiseLeftShift", torch.bitwise_left_shift,
                                   "Element-wise x << y", "bitwise_left_shift([1, 3], 2)  # [4, 12]")
bitwise_right_shift = _make_bitwise("bitwise_right_shift", "BitwiseRightShift", torch.bitwise_right_shift,
                                    "Element-wise x >> y", "bitwise_right_shift([8, 12], 2)  # [2, 3]")
left_shift = _make_bitwise("left_shift", "LeftShift", torch.bitwise_left_shift,
                           "Element-wise x << y", "left_shift([1, 3], 2)  # [4, 12]")
right_shift = _make_bitwise("right_shift", "RightShift", torch.bitwise_right_shift,
                            "Element-wise x >> y", "right_shift([8, 12], 2)  # [2, 3]")


def _bitwise_invert(x):
    if x.is_floating_point() or x.is_complex():
        raise TypeError(
            f"ops.bitwise_invert: argument `x` must have an integer or bool dtype; received {name_of(x)}."
        )
    return torch.bitwise_not(x)


bitwise_invert = _make("bitwise_invert", "BitwiseInvert", _bitwise_invert, _unary_doc(
    "Element-wise bitwise NOT", "bitwise_invert", "bitwise_not", "Integer or bool inputs; the dtype is kept.",
    "bitwise_invert([0, 1])  # [-1, -2]"))


def _bitwise_not(x):
    if x.is_floating_point() or x.is_complex():
        raise TypeError(f"ops.bitwise_not: argument `x` must have an integer or bool dtype; received {name_of(x)}.")
    return torch.bitwise_not(x)


bitwise_not = _make("bitwise_not", "BitwiseNot", _bitwise_not, _unary_doc(
    "Element-wise bitwise NOT", "bitwise_not", "bitwise_not", "Integer or bool inputs; the dtype is kept.",
    "bitwise_not([0, 1])  # [-1, -2]"))


def _where_spec(condition, x1=None, x2=None):
    if x1 is None and x2 is None:  # indices of the true elements: their number depends on the data
        return tuple(KerasTensor((None,), dtype="int32") for _ in condition.shape)
    return None  # the usual fake-tensor tracing


@keras_op("Where", module="numpy", output_spec=_where_spec)
def where(condition, x1=None, x2=None):
    """Picks `x1` where `condition` holds, else `x2` (NumPy `np.where`; torch `torch.where`).

    With only `condition`, returns the indices of its true elements as a tuple of int32 tensors,
    one per axis (as NumPy and Keras's JAX backend) (data-dependent size: not usable on symbolic tensors or under `torch.compile` fullgraph).

    Args:
        condition: bool tensor (other dtypes are tested for non-zero).
        x1: values where `condition` is true.
        x2: values where `condition` is false.

    Returns:
        A tensor of the broadcast shape; dtypes of `x1` and `x2` promote.

    Example:
        >>> ops.where([True, False], [1, 2], [10, 20])  # [1, 20]
    """
    if (x1 is None) != (x2 is None):
        raise ValueError("ops.where: pass both `x1` and `x2`, or neither (to get the indices of true elements).")
    if x1 is None:
        condition = cast(to_tensor("where", "condition", condition), "bool")
        return tuple(cast(t, "int32") for t in torch.where(condition))
    condition, t1, t2 = to_tensors("where", condition=condition, x1=x1, x2=x2)
    condition = cast(condition, "bool")
    broadcast_check("where", condition=condition, x1=t1, x2=t2)
    dtype = promote(t1.dtype if isinstance(x1, torch.Tensor) or not isinstance(x1, (int, float)) else type(x1),
                    t2.dtype if isinstance(x2, torch.Tensor) or not isinstance(x2, (int, float)) else type(x2))
    return torch.where(condition, cast(t1, dtype), cast(t2, dtype))


@keras_op("Select", module="numpy")
def select(condlist, choicelist, default=0):
    """Element-wise, the choice of the first true condition, else `default` (NumPy `np.select`; torch `torch.where`).

    Computed as nested `torch.where`, last condition innermost.

    Args:
        condlist: list of bool tensors.
        choicelist: list of tensors, one per condition (same length as `condlist`).
        default: value where no condition holds.

    Returns:
        A tensor of the broadcast shape.

    Example:
        >>> x = np.arange(6)
        >>> ops.select([x < 3, x > 4], [x, x ** 2], 42)  # [0, 1, 2, 42, 42, 25]
    """
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise TypeError(
            "ops.select: `condlist` and `choicelist` must be lists of tensors; received "
            f"{type(condlist).__name__} and {type(choicelist).__name__}."
        )
    if len(condlist) != len(choicelist):
        raise ValueError(
            f"ops.select: `condlist` and `choicelist` must have the same length; received {len(condlist)} "
            f"conditions and {len(choicelist)} choices."
        )
    if not condlist:
        raise ValueError("ops.select: `condlist` must hold at least one condition; received an empty list.")
    conditions = to_tensor_list("select", "condlist", list(condlist))
    choices = to_tensor_list("select", "choicelist", list(choicelist))
    device = conditions[0].device
    choices = [c.to(device) for c in choices]
    out = to_tensor("select", "default", default, device=device)
    dtype = promote(*[c.dtype for c in choices])
    out = cast(out, dtype)
    named = {f"condlist[{i}]": c for i, c in enumerate(conditions)}
    named.update({f"choicelist[{i}]": c for i, c in enumerate(choices)})
    broadcast_check("select", default=out, **named)
    for condition, choice in reversed(list(zip(conditions, choices))):
        if condition.dtype != torch.bool:
            raise TypeError(
                f"ops.select: every entry of `condlist` must be a bool tensor; received dtype {name_of(condition)}."
            )
        out = torch.where(condition, cast(choice, dtype), out)
    return out
