"""`lamina.ops.numpy` element-wise math against NumPy: one table row per op, over float and
integer inputs, broadcasting, Python scalars, NaN/inf and empty tensors; gradients for a sample."""

import numpy as np
import pytest
import torch

import lamina.ops.numpy as knp

RNG = np.random.default_rng(0)
ANY = RNG.uniform(-3, 3, (3, 4)).astype(np.float32)
POS = RNG.uniform(0.1, 3, (3, 4)).astype(np.float32)
UNIT = RNG.uniform(-0.9, 0.9, (3, 4)).astype(np.float32)
ABOVE1 = RNG.uniform(1.1, 3, (3, 4)).astype(np.float32)
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5], dtype=np.float32)
INTS = np.array([[-3, -1, 0], [2, 5, 7]], dtype=np.int32)


def check(ours, expected, rtol=1e-5, atol=1e-6):
    assert isinstance(ours, torch.Tensor)
    expected = np.asarray(expected)
    assert tuple(ours.shape) == expected.shape
    np.testing.assert_allclose(ours.detach().cpu().numpy().astype(np.float64), expected.astype(np.float64),
                               rtol=rtol, atol=atol, equal_nan=True)


# name, numpy function, input domain
UNARY = [
    ("abs", np.abs, ANY), ("absolute", np.absolute, ANY), ("fabs", np.fabs, ANY), ("negative", np.negative, ANY),
    ("sign", np.sign, ANY), ("signbit", np.signbit, ANY), ("sqrt", np.sqrt, POS), ("square", np.square, ANY),
    ("cbrt", np.cbrt, ANY), ("reciprocal", np.reciprocal, POS), ("exp", np.exp, ANY), ("exp2", np.exp2, ANY),
    ("expm1", np.expm1, ANY), ("log", np.log, POS), ("log10", np.log10, POS), ("log1p", np.log1p, POS),
    ("log2", np.log2, POS), ("sin", np.sin, ANY), ("cos", np.cos, ANY), ("tan", np.tan, UNIT),
    ("arcsin", np.arcsin, UNIT), ("arccos", np.arccos, UNIT), ("arctan", np.arctan, ANY), ("sinh", np.sinh, ANY),
    ("cosh", np.cosh, ANY), ("tanh", np.tanh, ANY), ("arcsinh", np.arcsinh, ANY), ("arccosh", np.arccosh, ABOVE1),
    ("arctanh", np.arctanh, UNIT), ("deg2rad", np.deg2rad, ANY), ("rad2deg", np.rad2deg, ANY),
    ("sinc", np.sinc, ANY), ("i0", np.i0, ANY), ("ceil", np.ceil, ANY), ("floor", np.floor, ANY),
    ("trunc", np.trunc, ANY), ("round", np.round, ANY), ("copy", np.copy, ANY), ("real", np.real, ANY),
    ("imag", np.imag, ANY), ("conj", np.conj, ANY), ("conjugate", np.conjugate, ANY), ("angle", np.angle, ANY),
    ("nan_to_num", np.nan_to_num, ANY),
]


@pytest.mark.parametrize("name, reference, data", UNARY, ids=[row[0] for row in UNARY])
def test_unary_matches_numpy(name, reference, data):
    fn = getattr(knp, name)
    check(fn(torch.from_numpy(data)), reference(data), rtol=2e-5)
    check(fn(data), reference(data), rtol=2e-5)  # NumPy input
    empty = np.zeros((0, 3), np.float32)
    check(fn(empty), reference(empty))


@pytest.mark.parametrize("name", ["sqrt", "exp", "log1p", "sin", "tanh", "abs", "floor", "sign", "cbrt"])
def test_unary_integer_inputs(name):
    data = np.abs(INTS) if name in ("sqrt", "log1p") else INTS
    out = getattr(knp, name)(torch.from_numpy(data))
    check(out, getattr(np, name)(data.astype(np.float64)), rtol=1e-5)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "floor", "ceil", "trunc", "round", "sign", "abs",
                                  "nan_to_num", "isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit",
                                  "tanh", "arctan"])
def test_nan_and_inf_like_numpy(name):
    with np.errstate(all="ignore"):
        expected = getattr(np, name)(SPECIAL)
    check(getattr(knp, name)(torch.from_numpy(SPECIAL)), expected)


def test_round_decimals_and_halves_to_even():
    x = np.array([0.5, 1.5, 2.5, -0.5, 1.2345, 123.456], np.float32)
    check(knp.round(x), np.round(x))
    check(knp.round(x, 2), np.round(x, 2), rtol=1e-5)
    check(knp.round(np.array([1234, -1567]), -2), np.round(np.array([1234, -1567]), -2))


def test_nan_to_num_custom_values():
    check(knp.nan_to_num(SPECIAL, nan=1.0, posinf=9.0, neginf=-9.0),
          np.nan_to_num(SPECIAL, nan=1.0, posinf=9.0, neginf=-9.0))


def test_clip():
    check(knp.clip(ANY, -1.0, 1.0), np.clip(ANY, -1.0, 1.0))
    check(knp.clip(INTS, 0, 4), np.clip(INTS, 0, 4))
    lo = np.array([-1.0, 0.0, 0.5, 1.0], np.float32)
    check(knp.clip(ANY, lo, 2.0), np.clip(ANY, lo, 2.0))
    assert knp.clip(torch.tensor([True, False]), 0, 1).dtype == torch.int32


BINARY = [
    ("add", np.add, ANY, ANY), ("subtract", np.subtract, ANY, ANY), ("multiply", np.multiply, ANY, ANY),
    ("divide", np.divide, ANY, POS), ("true_divide", np.true_divide, ANY, POS),
    ("floor_divide", np.floor_divide, ANY, POS), ("mod", np.mod, ANY, POS), ("fmod", np.fmod, ANY, POS),
    ("power", np.power, POS, ANY), ("maximum", np.maximum, ANY, UNIT), ("minimum", np.minimum, ANY, UNIT),
    ("fmax", np.fmax, ANY, UNIT), ("fmin", np.fmin, ANY, UNIT), ("arctan2", np.arctan2, ANY, UNIT),
    ("hypot", np.hypot, ANY, UNIT), ("heaviside", np.heaviside, ANY, UNIT),
    ("logaddexp", np.logaddexp, ANY, UNIT), ("logaddexp2", np.logaddexp2, ANY, UNIT),
    ("nextafter", np.nextafter, ANY, UNIT),
]


@pytest.mark.parametrize("name, reference, a, b", BINARY, ids=[row[0] for row in BINARY])
def test_binary_matches_numpy_with_broadcasting(name, reference, a, b):
    fn = getattr(knp, name)
    check(fn(torch.from_numpy(a), torch.from_numpy(b)), reference(a, b), rtol=2e-5)
    row = b[:1]  # (1, 4) broadcasts against (3, 4)
    check(fn(a, row), reference(a, row), rtol=2e-5)
    col = b[:, :1]  # (3, 1)
    check(fn(col, a[0]), reference(col, a[0]), rtol=2e-5)
    check(fn(a, 1.5), reference(a, np.float32(1.5)), rtol=2e-5)  # Python scalar


def test_nan_propagation_of_maximum_and_fmax():
    a = np.array([np.nan, 1.0, np.nan], np.float32)
    b = np.array([0.0, np.nan, np.nan], np.float32)
    check(knp.maximum(a, b), np.maximum(a, b))
    check(knp.minimum(a, b), np.minimum(a, b))
    check(knp.fmax(a, b), np.fmax(a, b))
    check(knp.fmin(a, b), np.fmin(a, b))


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "floor_divide", "mod", "fmod", "maximum",
                                  "minimum", "gcd", "lcm", "power"])
def test_binary_integers(name):
    a = np.array([[7, -7, 12], [9, 0, 5]], np.int32)
    b = np.array([3, 2, 8], np.int32)
    out = getattr(knp, name)(a, b)
    assert out.dtype == torch.int32
    check(out, getattr(np, name)(a, b))


def test_divide_no_nan():
    a = np.array([1.0, 2.0, -3.0], np.float32)
    b = np.array([0.0, 4.0, 0.0], np.float32)
    check(knp.divide_no_nan(a, b), np.array([0.0, 0.5, 0.0]))
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    knp.divide_no_nan(x, torch.tensor([0.0, 2.0])).sum().backward()
    assert torch.isfinite(x.grad).all()


def test_ldexp():
    check(knp.ldexp(np.array([1.0, 3.0], np.float32), np.array([2, 1])), np.ldexp([1.0, 3.0], [2, 1]))
    with pytest.raises(TypeError, match="ops.ldexp: argument `x2`.*integer dtype"):
        knp.ldexp([1.0], [2.0])


def test_incompatible_shapes_are_clear_errors():
    with pytest.raises(ValueError, match=r"ops.add: the shapes of `x1` \(3,\), `x2` \(4,\) cannot be broadcast"):
        knp.add(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="ops.power: the shapes"):
        knp.power(np.ones((2, 3)), np.ones((3, 2)))


def test_non_tensor_arguments_are_clear_errors():
    with pytest.raises(TypeError, match="ops.sqrt: argument `x` must be a tensor.*received str 'abc'"):
        knp.sqrt("abc")
    with pytest.raises(TypeError, match="ops.add: argument `x2`"):
        knp.add([1.0], {"a": 1})
    with pytest.raises(TypeError, match="ops.gcd: argument `x1` must have an integer dtype"):
        knp.gcd([1.5], [2])


def test_result_stays_on_input_device_with_numpy_partner():
    x = torch.ones(3, device="meta")
    assert knp.add(x, np.ones(3, np.float32)).device.type == "meta"
    assert knp.multiply(np.ones(3, np.float32), x).device.type == "meta"


@pytest.mark.parametrize("name, data", [("sqrt", POS), ("log", POS), ("tanh", ANY), ("cbrt", POS),
                                        ("arctan", ANY), ("expm1", ANY)])
def test_unary_gradients(name, data):
    x = torch.from_numpy(data[:2, :2].astype(np.float64)).requires_grad_()
    assert torch.autograd.gradcheck(getattr(knp, name), (x,))


@pytest.mark.parametrize("name", ["multiply", "divide", "power", "arctan2", "hypot", "logaddexp", "maximum"])
def test_binary_gradients(name):
    a = torch.from_numpy(POS[:2, :2].astype(np.float64)).requires_grad_()
    b = torch.from_numpy(ABOVE1[:2, :2].astype(np.float64)).requires_grad_()
    assert torch.autograd.gradcheck(getattr(knp, name), (a, b))


def test_complex_inputs():
    z = np.array([1 + 2j, -3 - 4j, 0j], np.complex64)
    for name in ("real", "imag", "conj", "conjugate", "angle", "abs", "sign", "square", "negative", "exp", "sqrt"):
        check(getattr(knp, name)(z).real, getattr(np, name)(z).real, rtol=1e-5)
        check(getattr(knp, name)(z).imag if getattr(knp, name)(z).is_complex() else torch.zeros(3),
              np.imag(getattr(np, name)(z)), rtol=1e-5)
    assert knp.var(z).dtype == torch.float32
    check(knp.var(z), np.var(z), rtol=1e-5)
