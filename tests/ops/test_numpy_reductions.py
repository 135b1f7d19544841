"""`lamina.ops.numpy` reductions and scans against NumPy: every op over axis None / int / negative /
tuple / () with keepdims, NaN handling, empty inputs, integer inputs, errors and gradients."""

import warnings

import numpy as np
import pytest
import torch

import lamina.ops.numpy as knp

RNG = np.random.default_rng(1)
X = RNG.normal(size=(3, 4, 5)).astype(np.float32)
XN = X.copy()
XN[0, 1, 2] = np.nan
XN[2, 3, :] = np.nan
INTS = RNG.integers(-5, 6, size=(3, 4, 5)).astype(np.int32)


def check(ours, expected, rtol=1e-5, atol=1e-5):
    expected = np.asarray(expected)
    ours = ours if isinstance(ours, torch.Tensor) else torch.as_tensor(ours)
    assert tuple(ours.shape) == expected.shape, (tuple(ours.shape), expected.shape)
    np.testing.assert_allclose(ours.detach().cpu().numpy().astype(np.float64), expected.astype(np.float64),
                               rtol=rtol, atol=atol, equal_nan=True)


AXES = [None, 0, -1, (0, 2), (-1, 1), ()]
KEEP_AXES_OPS = [
    ("sum", np.sum), ("prod", np.prod), ("mean", np.mean), ("max", np.max), ("min", np.min),
    ("amax", np.amax), ("amin", np.amin), ("all", np.all), ("any", np.any), ("std", np.std),
    ("var", np.var), ("ptp", np.ptp), ("median", np.median),
    ("nansum", np.nansum), ("nanprod", np.nanprod), ("nanmean", np.nanmean), ("nanmax", np.nanmax),
    ("nanmin", np.nanmin), ("nanstd", np.nanstd), ("nanvar", np.nanvar), ("nanmedian", np.nanmedian),
]


@pytest.mark.parametrize("name, reference", KEEP_AXES_OPS, ids=[r[0] for r in KEEP_AXES_OPS])
@pytest.mark.parametrize("axis", AXES, ids=[str(a) for a in AXES])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_matches_numpy(name, reference, axis, keepdims):
    data = XN if name.startswith("nan") else X
    if name in ("all", "any"):
        data = X > 0.5
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = reference(data, axis=axis, keepdims=keepdims)
    check(getattr(knp, name)(torch.from_numpy(data), axis=axis, keepdims=keepdims), expected, rtol=1e-4)


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "mean", "var", "std", "count_nonzero", "ptp"])
def test_integer_reductions(name):
    data = INTS[:, :2, :2]
    expected = getattr(np, name)(data, axis=1)
    check(getattr(knp, name)(data, axis=1), expected, rtol=1e-5)


def test_count_nonzero():
    for axis in (None, 0, (1, 2), ()):
        check(knp.count_nonzero(INTS, axis=axis), np.count_nonzero(INTS, axis=axis) if axis != () else INTS != 0)
    assert knp.count_nonzero(INTS).dtype == torch.int32


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("axis", [None, 0, -1, 1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_arg_reductions(name, axis, keepdims):
    out = getattr(knp, name)(X, axis=axis, keepdims=keepdims)
    assert out.dtype == torch.int32
    check(out, getattr(np, name)(X, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("name", ["nanargmax", "nanargmin"])
def test_nan_arg_reductions(name):
    data = XN[:2]  # no all-NaN slice along axis 2 here
    check(getattr(knp, name)(data, axis=2), getattr(np, name)(data, axis=2))
    check(getattr(knp, name)(data), getattr(np, name)(data))
    all_nan = np.full((2, 3), np.nan, np.float32)
    check(getattr(knp, name)(all_nan, axis=1), np.array([-1, -1]))


def test_max_min_initial_and_empty():
    check(knp.max(X, axis=1, initial=1.0), np.max(X, axis=1, initial=1.0))
    check(knp.min(X, initial=-0.5), np.min(X, initial=-0.5))
    empty = np.zeros((0, 3), np.float32)
    check(knp.max(empty, initial=2.0, axis=0), np.max(empty, initial=2.0, axis=0))
    with pytest.raises(ValueError, match="ops.max: cannot reduce an empty tensor.*`initial=`"):
        knp.max(empty)


def test_empty_sums_and_means():
    empty = np.zeros((0, 3), np.float32)
    check(knp.sum(empty, axis=0), np.sum(empty, axis=0))
    check(knp.prod(empty), np.prod(empty))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(knp.mean(empty, axis=0), np.mean(empty, axis=0))


@pytest.mark.parametrize("name", ["quantile", "nanquantile", "percentile", "nanpercentile"])
@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantiles(name, method):
    data = XN if name.startswith("nan") else X
    q = np.array([0.1, 0.5, 0.9]) * (100 if "percentile" in name else 1)
    reference = getattr(np, name)
    for axis, keepdims in ((None, False), (1, True), ((0, 2), False), (-1, True)):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = reference(data, q, axis=axis, method=method, keepdims=keepdims)
        check(getattr(knp, name)(data, q, axis=axis, method=method, keepdims=keepdims), expected, rtol=1e-4)
    check(getattr(knp, name)(data, q[1], axis=1), reference(data, q[1], axis=1, method="linear"), rtol=1e-4)


def test_median_averages_the_middle_values():
    check(knp.median([1.0, 2.0, 3.0, 4.0]), 2.5)
    assert knp.median(np.array([1, 2, 3, 4], np.int32)).dtype == torch.float32


def test_average():
    w = RNG.uniform(0.5, 2, size=X.shape).astype(np.float32)
    check(knp.average(X), np.average(X))
    check(knp.average(X, axis=1), np.average(X, axis=1))
    check(knp.average(X, axis=None, weights=w), np.average(X, weights=w), rtol=1e-4)
    check(knp.average(X, axis=-1, weights=w[0, 0]), np.average(X, axis=-1, weights=w[0, 0]), rtol=1e-4)
    check(knp.average(X, axis=1, weights=w), np.average(X, axis=1, weights=w), rtol=1e-4)
    with pytest.raises(ValueError, match="ops.average: `weights` must have the shape of `x`"):
        knp.average(X, axis=0, weights=np.ones(7))


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "nancumsum", "nancumprod"])
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_scans(name, axis):
    data = (XN if name.startswith("nan") else X) * 0.5
    check(getattr(knp, name)(data, axis=axis), getattr(np, name)(data, axis=axis), rtol=1e-4)
    check(getattr(knp, name)(INTS, axis=axis, dtype="float32"), getattr(np, name)(INTS, axis=axis))
    assert getattr(knp, name)(np.array([True, False]), axis=0).dtype == torch.int32


def test_diff_trace_trapezoid():
    for n, axis in ((1, -1), (2, 0), (0, 1), (3, 2)):
        check(knp.diff(X, n=n, axis=axis), np.diff(X, n=n, axis=axis))
    check(knp.diff(np.array([True, False, False])), np.diff(np.array([True, False, False])))
    for offset, a1, a2 in ((0, 0, 1), (1, 0, 1), (-1, 1, 2), (0, -1, 0)):
        check(knp.trace(X, offset, a1, a2), np.trace(X, offset, a1, a2), rtol=1e-5)
    check(knp.trapezoid(X), np.trapezoid(X), rtol=1e-5)
    check(knp.trapezoid(X, dx=0.5, axis=0), np.trapezoid(X, dx=0.5, axis=0), rtol=1e-5)
    xs = np.array([0.0, 0.5, 2.0, 2.5, 4.0], np.float32)
    check(knp.trapezoid(X, x=xs), np.trapezoid(X, x=xs), rtol=1e-5)
    with pytest.raises(ValueError, match=r"ops.trapezoid: `x` must have one sample point per value of `y` along axis -1 \(5\)"):
        knp.trapezoid(X, x=xs[:3])


def test_bad_axes_are_clear_errors():
    with pytest.raises(ValueError, match=r"ops.sum: argument `axis`=3 is out of range for an input of rank 3"):
        knp.sum(X, axis=3)
    with pytest.raises(ValueError, match="ops.mean: argument `axis` repeats an axis"):
        knp.mean(X, axis=(0, -3))
    with pytest.raises(TypeError, match="ops.argmax: argument `axis` must be an integer; received float"):
        knp.argmax(X, axis=1.0)
    with pytest.raises(ValueError, match="ops.quantile: argument `method` must be one of"):
        knp.quantile(X, 0.5, method="cubic")


def test_reduction_gradients():
    x = torch.from_numpy(X[:2, :2, :2].astype(np.float64)).requires_grad_()
    for fn in (lambda t: knp.sum(t, axis=1), lambda t: knp.mean(t, axis=(0, 2)), lambda t: knp.std(t, axis=0),
               lambda t: knp.max(t, axis=-1), lambda t: knp.prod(t, axis=1), lambda t: knp.cumsum(t, axis=1),
               lambda t: knp.var(t), lambda t: knp.average(t, axis=0, weights=np.array([1.0, 3.0]))):
        assert torch.autograd.gradcheck(fn, (x,))


def test_sum_of_a_list_and_bool_dtypes():
    check(knp.sum([np.ones(3), np.ones(3)], axis=0), np.full(3, 2.0))
    assert knp.sum(np.array([True, True])).dtype == torch.int32
    assert knp.mean(np.array([1, 2], np.int8)).dtype == torch.float32
