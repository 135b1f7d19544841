"""`lamina.ops.numpy` creation functions against NumPy: ranges, fills, identity-like matrices, windows."""

import numpy as np
import pytest
import torch

import lamina.ops.numpy as knp


def check(ours, expected, rtol=1e-6, atol=1e-6):
    expected = np.asarray(expected)
    assert tuple(ours.shape) == expected.shape, (tuple(ours.shape), expected.shape)
    np.testing.assert_allclose(ours.detach().cpu().numpy().astype(np.float64), expected.astype(np.float64),
                               rtol=rtol, atol=atol)


@pytest.mark.parametrize("args, dtype", [((5,), "int32"), ((1, 7, 2), "int32"), ((0.5, 3.0, 0.5), "float32"),
                                         ((5, 1, -1), "int32"), ((2, 2), "int32")])
def test_arange(args, dtype):
    out = knp.arange(*args)
    check(out, np.arange(*args))
    assert str(out.dtype) == f"torch.{dtype}"
    assert knp.arange(3, dtype="float64").dtype == torch.float64


@pytest.mark.parametrize("name", ["linspace", "logspace"])
@pytest.mark.parametrize("num, endpoint", [(5, True), (5, False), (1, True), (0, True)])
def test_spaces(name, num, endpoint):
    check(getattr(knp, name)(0.0, 2.0, num, endpoint), getattr(np, name)(0.0, 2.0, num, endpoint), rtol=1e-5)


def test_spaces_with_array_endpoints_axis_and_retstep():
    start, stop = np.array([0.0, 1.0]), np.array([1.0, 5.0])
    for axis in (0, 1, -1):
        check(knp.linspace(start, stop, 4, axis=axis), np.linspace(start, stop, 4, axis=axis), rtol=1e-5)
        check(knp.logspace(start, stop, 3, axis=axis), np.logspace(start, stop, 3, axis=axis), rtol=1e-5)
    values, step = knp.linspace(0.0, 1.0, 5, retstep=True)
    assert float(step) == pytest.approx(0.25)
    check(knp.linspace(0, 10, 4, dtype="int32"), np.linspace(0, 10, 4, dtype=np.int32))
    check(knp.geomspace(1.0, 1000.0, 4), np.geomspace(1.0, 1000.0, 4), rtol=1e-5)
    check(knp.geomspace(-1.0, -16.0, 5, endpoint=False), np.geomspace(-1.0, -16.0, 5, endpoint=False), rtol=1e-5)
    check(knp.logspace(0.0, 3.0, 4, base=2), np.logspace(0.0, 3.0, 4, base=2), rtol=1e-5)


def test_fills():
    check(knp.zeros((2, 3)), np.zeros((2, 3)))
    check(knp.ones(4, dtype="int8"), np.ones(4))
    assert knp.ones(4, dtype="int8").dtype == torch.int8 and knp.zeros(2).dtype == torch.float32
    assert knp.empty((2, 2)).shape == (2, 2)
    check(knp.full((2, 3), 7), np.full((2, 3), 7))
    assert knp.full((2,), 7).dtype == torch.float32 and knp.full((2,), 7, dtype="int32").dtype == torch.int32
    check(knp.full((2, 3), [1.0, 2.0, 3.0]), np.full((2, 3), [1.0, 2.0, 3.0]))
    x = np.arange(6, dtype=np.int8).reshape(2, 3)
    for name in ("zeros_like", "ones_like"):
        out = getattr(knp, name)(x)
        check(out, getattr(np, name)(x))
        assert out.dtype == torch.int8
        assert getattr(knp, name)(x, dtype="float16").dtype == torch.float16
    check(knp.full_like(x, 5), np.full_like(x, 5))
    assert knp.empty_like(x).shape == (2, 3)
    with pytest.raises(ValueError, match=r"ops.full: `fill_value` of shape \(2,\) cannot be broadcast to shape \(2, 3\)"):
        knp.full((2, 3), [1.0, 2.0])


@pytest.mark.parametrize("n, m, k", [(3, None, 0), (3, 4, 1), (4, 2, -1), (2, 5, 3), (3, 3, -5)])
def test_eye_and_tri(n, m, k):
    check(knp.eye(n, m, k), np.eye(n, m, k))
    check(knp.tri(n, m, k), np.tri(n, m, k))
    check(knp.identity(n), np.identity(n))
    assert knp.eye(2, dtype="bfloat16").dtype == torch.bfloat16


def test_vander_and_array():
    x = np.array([1, 2, 3])
    check(knp.vander(x), np.vander(x))
    check(knp.vander(x, 4, increasing=True), np.vander(x, 4, increasing=True))
    out = knp.array([1.5, 2.5], dtype="float16")
    assert out.dtype == torch.float16
    assert knp.array([1, 2]).dtype == torch.int32


@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
@pytest.mark.parametrize("m", [0, 1, 5, 8])
def test_windows(name, m):
    check(getattr(knp, name)(m), getattr(np, name)(m), atol=1e-6)


def test_kaiser():
    for m in (1, 6, 9):
        check(knp.kaiser(m, 5.0), np.kaiser(m, 5.0), rtol=1e-5)


def test_creation_errors():
    with pytest.raises(ValueError, match="ops.arange: argument `step` must not be 0"):
        knp.arange(0, 5, 0)
    with pytest.raises(TypeError, match="ops.zeros: argument `shape` must be a tuple of integers"):
        knp.zeros((2, 1.5))
    with pytest.raises(ValueError, match="ops.eye: argument `N` must be >= 0"):
        knp.eye(-1)
    with pytest.raises(TypeError, match="ops.hamming: argument `x` \\(the window length\\) must be an integer"):
        knp.hamming(2.5)


def test_creation_follows_default_device():
    with torch.device("meta"):
        assert knp.zeros((2,)).device.type == "meta"
        assert knp.arange(3).device.type == "meta"
    assert knp.zeros_like(torch.ones(2, device="meta")).device.type == "meta"
