"""`lamina.ops.numpy` comparisons, logic, bitwise, `where` and `select` against NumPy."""

import numpy as np
import pytest
import torch

import lamina.ops.numpy as knp

RNG = np.random.default_rng(2)
A = RNG.integers(-3, 4, (3, 4)).astype(np.float32)
B = RNG.integers(-3, 4, (4,)).astype(np.float32)
I1 = RNG.integers(0, 64, (3, 4)).astype(np.int32)
I2 = RNG.integers(0, 5, (4,)).astype(np.int32)


def check(ours, expected):
    expected = np.asarray(expected)
    assert tuple(ours.shape) == expected.shape
    np.testing.assert_array_equal(ours.detach().cpu().numpy(), expected)


@pytest.mark.parametrize("name", ["equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
                                  "logical_and", "logical_or", "logical_xor"])
def test_comparisons(name):
    out = getattr(knp, name)(A, B)
    assert out.dtype == torch.bool
    check(out, getattr(np, name)(A, B))
    check(getattr(knp, name)(A, 1), getattr(np, name)(A, 1))


@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift",
                                  "bitwise_left_shift", "bitwise_right_shift"])
def test_bitwise(name):
    out = getattr(knp, name)(I1, I2)
    assert out.dtype == torch.int32
    check(out, getattr(np, name)(I1, I2))
    with pytest.raises(TypeError, match=f"ops.{name}: argument `x` must have an integer or bool dtype"):
        getattr(knp, name)(A, I2)


def test_bitwise_not_and_logical_not():
    check(knp.bitwise_not(I1), np.bitwise_not(I1))
    check(knp.bitwise_invert(I1), np.bitwise_invert(I1))
    check(knp.bitwise_not(I1 > 10), np.bitwise_not(I1 > 10))
    check(knp.logical_not(A), np.logical_not(A))


def test_predicates():
    x = np.array([np.nan, np.inf, -np.inf, 0.0, 1.0], np.float32)
    for name in ("isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal"):
        check(getattr(knp, name)(x), getattr(np, name)(x))
        check(getattr(knp, name)(I1), getattr(np, name)(I1))
    y = x + np.float32(1e-9)
    check(knp.isclose(x, y), np.isclose(x, y))
    check(knp.isclose(x, y, equal_nan=True), np.isclose(x, y, equal_nan=True))
    check(knp.isclose(A, A + 0.01, rtol=0.0, atol=0.1), np.isclose(A, A + 0.01, rtol=0.0, atol=0.1))
    assert bool(knp.allclose(A, A + 1e-9)) and not bool(knp.allclose(A, A + 1.0))
    check(knp.isin(I1, I2), np.isin(I1, I2))
    check(knp.isin(I1, I2, invert=True), np.isin(I1, I2, invert=True))


def test_where_and_select():
    check(knp.where(A > 0, A, B), np.where(A > 0, A, B))
    check(knp.where(A > 0, A, 0.0), np.where(A > 0, A, 0.0))
    assert knp.where(A > 0, I1, 0).dtype == torch.int32
    for ours, ref in zip(knp.where(A > 0), np.where(A > 0)):
        check(ours, ref)
    x = np.arange(8)
    check(knp.select([x < 3, x > 5], [x, x ** 2], 42), np.select([x < 3, x > 5], [x, x ** 2], 42))
    with pytest.raises(ValueError, match="ops.where: pass both `x1` and `x2`, or neither"):
        knp.where(A > 0, A)
    with pytest.raises(ValueError, match="ops.select: `condlist` and `choicelist` must have the same length"):
        knp.select([x < 3], [x, x])
    with pytest.raises(ValueError, match=r"ops.select: the shapes of .*`condlist\[0\]` \(8,\).*`choicelist\[0\]` \(3,\)"):
        knp.select([x < 3], [np.ones(3)])
    with pytest.raises(ValueError, match=r"ops.where: the shapes of `condition` \(3, 4\), `x1` \(3,\)"):
        knp.where(A > 0, np.ones(3), 0.0)


def test_where_gradient():
    a = torch.randn(3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda s, t: knp.where(s > 0, s, t), (a, b))
