"""`lamina.ops.numpy` products against NumPy: matmul, dot, einsum, tensordot, kron, cross, slogdet, ..."""

import numpy as np
import pytest
import torch

import lamina.ops.numpy as knp

RNG = np.random.default_rng(3)


def r(*shape):
    return RNG.normal(size=shape).astype(np.float32)


def check(ours, expected, rtol=1e-4, atol=1e-5):
    expected = np.asarray(expected)
    assert tuple(ours.shape) == expected.shape, (tuple(ours.shape), expected.shape)
    np.testing.assert_allclose(ours.detach().cpu().numpy().astype(np.float64), expected.astype(np.float64),
                               rtol=rtol, atol=atol)


CASES = [
    ("matmul", (r(3, 4), r(4, 5))), ("matmul", (r(2, 3, 4), r(4, 5))), ("matmul", (r(4,), r(2, 4, 3))),
    ("matmul", (r(2, 1, 3, 4), r(5, 4, 2))), ("matmul", (r(3, 4), r(4,))),
    ("dot", (r(4), r(4))), ("dot", (r(3, 4), r(4, 2))), ("dot", (r(2, 3, 4), r(5, 4, 2))), ("dot", (r(3), np.float32(2.0))),
    ("vdot", (r(2, 3), r(3, 2))), ("inner", (r(2, 4), r(3, 4))), ("inner", (r(4), r(4))),
    ("outer", (r(3), r(2, 2))), ("kron", (r(2, 2), r(3, 1))), ("cross", (r(4, 3), r(4, 3))), ("cross", (r(2), r(2))),
    ("cross", (r(5, 2), r(3))),
]


@pytest.mark.parametrize("name, args", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_numpy(name, args):
    check(getattr(knp, name)(*args), getattr(np, name)(*args))


def test_tensordot_forms():
    a, b = r(3, 4, 5), r(4, 5, 2)
    check(knp.tensordot(a, b), np.tensordot(a, b))
    check(knp.tensordot(a, b, axes=([1, 2], [0, 1])), np.tensordot(a, b, axes=([1, 2], [0, 1])))
    c = r(3, 2)
    check(knp.tensordot(a, c, axes=(0, 0)), np.tensordot(a, c, axes=(0, 0)))
    d = r(5)
    check(knp.tensordot(a, d, axes=1), np.tensordot(a, d, axes=1))
    e = r(2)
    check(knp.tensordot(a, e, axes=0), np.tensordot(a, e, axes=0))


@pytest.mark.parametrize("subscripts, shapes", [("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
                                                ("ii->i", [(3, 3)]), ("ij->", [(2, 3)]), ("i,j->ij", [(2,), (3,)]),
                                                ("...ij,...jk", [(2, 2, 3), (3, 1)]), ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)])])
def test_einsum(subscripts, shapes):
    operands = [r(*s) for s in shapes]
    check(knp.einsum(subscripts, *operands), np.einsum(subscripts, *operands))


def test_integer_products_keep_keras_dtypes():
    a = np.arange(6, dtype=np.int8).reshape(2, 3)
    out = knp.matmul(a, a.T)
    assert out.dtype == torch.int32
    check(out, a.astype(np.int32) @ a.T.astype(np.int32))
    assert knp.einsum("ij,kj->ik", a, a).dtype == torch.int32
    assert knp.dot(np.arange(3, dtype=np.int32), np.arange(3, dtype=np.int32)).dtype == torch.int32


def test_slogdet_correlate_corrcoef():
    m = r(2, 3, 3)
    sign, logdet = knp.slogdet(m)
    ref_sign, ref_logdet = np.linalg.slogdet(m)
    check(sign, ref_sign)
    check(logdet, ref_logdet)
    a, v = r(7), r(3)
    for mode in ("valid", "same", "full"):
        check(knp.correlate(a, v, mode), np.correlate(a, v, mode))
        check(knp.correlate(v, a, mode), np.correlate(v, a, mode))
    x = r(3, 6)
    check(knp.corrcoef(x), np.corrcoef(x))


def test_product_errors():
    with pytest.raises(ValueError, match=r"ops.matmul: the last axis of `x1` \(4\) must match the second-to-last axis "
                                         r"of `x2` \(3\); received shapes \(3, 4\) and \(3, 5\)"):
        knp.matmul(r(3, 4), r(3, 5))
    with pytest.raises(ValueError, match="ops.matmul: the batch axes of `x1` and `x2` do not broadcast"):
        knp.matmul(r(2, 3, 4), r(3, 4, 5))
    with pytest.raises(ValueError, match="ops.einsum: subscripts 'ij,jk->ik' do not fit the operand shapes"):
        knp.einsum("ij,jk->ik", r(2, 3), r(4, 5))
    with pytest.raises(ValueError, match=r"ops.tensordot: axis 1 of `x1` \(4\) and axis 0 of `x2` \(3\)"):
        knp.tensordot(r(3, 4), r(3, 4), axes=1)
    with pytest.raises(ValueError, match=r"ops.cross: the vectors of `x1` \(4, 3\) and `x2` \(5, 3\) do not broadcast"):
        knp.cross(r(4, 3), r(5, 3))
    with pytest.raises(ValueError, match="ops.cross: the vector axis of `x1` must have size 2 or 3"):
        knp.cross(r(4), r(3))


def test_product_gradients():
    a = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
    for fn in (knp.matmul, knp.dot, lambda x, y: knp.einsum("ij,jk->ik", x, y), lambda x, y: knp.tensordot(x, y, 1),
               lambda x, y: knp.kron(x, y), lambda x, y: knp.outer(x, y)):
        assert torch.autograd.gradcheck(fn, (a, b))
