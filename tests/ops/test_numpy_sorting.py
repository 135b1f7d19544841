"""`lamina.ops.numpy` sorting, searching and counting functions against NumPy, plus `vectorize`."""

import numpy as np
import pytest
import torch

import lamina.ops.numpy as knp

RNG = np.random.default_rng(4)
X = RNG.integers(0, 6, (3, 5)).astype(np.float32)


def check(ours, expected):
    expected = np.asarray(expected)
    assert tuple(ours.shape) == expected.shape, (tuple(ours.shape), expected.shape)
    np.testing.assert_allclose(ours.detach().cpu().numpy().astype(np.float64), expected.astype(np.float64),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("axis", [-1, 0, None])
def test_sort_and_argsort(axis):
    check(knp.sort(X, axis=axis), np.sort(X, axis=axis))
    out = knp.argsort(X, axis=axis)
    assert out.dtype == torch.int32
    check(out, np.argsort(X, axis=axis, kind="stable"))
    check(knp.sort(np.array([3.0, np.nan, 1.0])), np.sort(np.array([3.0, np.nan, 1.0])))


def test_argpartition_partitions():
    x = RNG.normal(size=(4, 7)).astype(np.float32)
    for kth in (0, 3, -1):
        idx = knp.argpartition(x, kth, axis=-1).numpy()
        part = np.take_along_axis(x, idx, axis=-1)
        k = kth % 7
        assert np.all(part[:, :k] <= part[:, k:k + 1]) and np.all(part[:, k + 1:] >= part[:, k:k + 1])
        np.testing.assert_allclose(part[:, k], np.partition(x, kth, axis=-1)[:, k])


def test_searchsorted_and_digitize():
    seq = np.array([1.0, 2.0, 2.0, 5.0])
    values = np.array([[0.0, 2.0], [3.0, 9.0]])
    for side in ("left", "right"):
        check(knp.searchsorted(seq, values, side=side), np.searchsorted(seq, values, side=side))
    bins = np.array([0.0, 1.0, 2.5, 4.0])
    x = np.array([-1.0, 0.0, 1.2, 2.5, 7.0])
    out = knp.digitize(x, bins)
    assert out.dtype == torch.int32
    check(out, np.digitize(x, bins))
    with pytest.raises(ValueError, match="ops.searchsorted: `sorted_sequence` must be 1-D"):
        knp.searchsorted(np.ones((2, 2)), values)


def test_unique_variants():
    x = np.array([3, 1, 3, 2, 1, 7])
    check(knp.unique(x), np.unique(x))
    values, index, inverse, counts = knp.unique(x, return_index=True, return_inverse=True, return_counts=True)
    ref = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    for ours, expected in zip((values, index, inverse, counts), ref):
        check(ours, expected)
    m = np.array([[1, 2], [1, 2], [0, 5]])
    check(knp.unique(m, axis=0), np.unique(m, axis=0))
    check(knp.unique(x, size=6, fill_value=-1), np.array([1, 2, 3, 7, -1, -1]))
    check(knp.unique(x, size=2), np.array([1, 2]))


def test_bincount_and_histogram():
    x = np.array([0, 1, 1, 3, 1])
    check(knp.bincount(x), np.bincount(x))
    assert knp.bincount(x).dtype == torch.int32
    w = np.array([0.5, 1.0, 1.0, 2.0, 0.25], np.float32)
    check(knp.bincount(x, weights=w, minlength=6), np.bincount(x, weights=w, minlength=6))
    rows = np.array([[0, 1, 1], [2, 2, 0]])
    check(knp.bincount(rows, minlength=4), np.stack([np.bincount(r, minlength=4) for r in rows]))
    with pytest.raises(ValueError, match="ops.bincount: `sparse=True` is not supported on PyTorch"):
        knp.bincount(x, sparse=True)
    data = RNG.normal(size=50).astype(np.float32)
    for bins, rng in ((10, None), (4, (-1.0, 1.0)), (7, (-3.0, 3.0))):
        counts, edges = knp.histogram(data, bins=bins, range=rng)
        ref_counts, ref_edges = np.histogram(data, bins=bins, range=rng)
        check(counts, ref_counts)
        np.testing.assert_allclose(edges.numpy(), ref_edges, rtol=1e-5, atol=1e-6)


def test_vectorize():
    dot = knp.vectorize(lambda a, b: knp.sum(a * b), signature="(n),(n)->()")
    a, b = np.ones((4, 3), np.float32), np.arange(3, dtype=np.float32)
    check(dot(a, b), a @ b)
    double = knp.vectorize(lambda v: v * 2)
    check(double(np.arange(6.0).reshape(2, 3)), np.arange(6.0).reshape(2, 3) * 2)
    scaled = knp.vectorize(lambda v, s: v * s, excluded={1})
    check(scaled(np.arange(3.0), 3.0), np.arange(3.0) * 3)
    with pytest.raises(ValueError, match="ops.vectorize: `signature` must look like"):
        knp.vectorize(lambda v: v, signature="n->m")
