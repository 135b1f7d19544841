"""`lamina.ops.linalg` against NumPy."""

import numpy as np
import pytest
import torch

from lamina.ops import linalg as L

RNG = np.random.RandomState(1)


def _np(t):
    return t.detach().cpu().numpy()


def _spd(*batch, n=3):
    a = RNG.randn(*batch, n, n)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


SQUARE = RNG.randn(2, 3, 3) + 3 * np.eye(3)

# op, numpy reference, input: every op on a batch of matrices.
CASES = [
    ("det", L.det, np.linalg.det, SQUARE),
    ("inv", L.inv, np.linalg.inv, SQUARE),
    ("cholesky", L.cholesky, np.linalg.cholesky, _spd(2)),
    ("cholesky_upper", lambda x: L.cholesky(x, upper=True),
     lambda x: np.swapaxes(np.linalg.cholesky(x), -1, -2), _spd(2)),
    ("cholesky_inverse", L.cholesky_inverse, lambda l: np.linalg.inv(l @ np.swapaxes(l, -1, -2)),
     np.linalg.cholesky(_spd(2))),
    ("eigh_values", lambda x: L.eigh(x)[0], lambda x: np.linalg.eigh(x)[0], _spd(2)),
    ("svd_values", lambda x: L.svd(x, compute_uv=False), lambda x: np.linalg.svd(x, compute_uv=False),
     RNG.randn(2, 4, 3)),
    ("pinv", L.pinv, np.linalg.pinv, RNG.randn(2, 4, 3)),
    ("matrix_rank", L.matrix_rank, np.linalg.matrix_rank,
     np.stack([np.eye(3), np.diag([1.0, 1.0, 0.0])])),
    ("norm_fro", lambda x: L.norm(x, "fro", axis=(-2, -1)),
     lambda x: np.linalg.norm(x, "fro", axis=(-2, -1)), SQUARE),
    ("norm_nuc", lambda x: L.norm(x, "nuc", axis=(1, 2)),
     lambda x: np.linalg.norm(x, "nuc", axis=(1, 2)), SQUARE),
    ("norm_inf_vector", lambda x: L.norm(x, np.inf, axis=-1, keepdims=True),
     lambda x: np.linalg.norm(x, np.inf, axis=-1, keepdims=True), SQUARE),
    ("norm_1_vector", lambda x: L.norm(x, 1, axis=0), lambda x: np.linalg.norm(x, 1, axis=0), SQUARE),
    ("norm_all", L.norm, np.linalg.norm, SQUARE),
    ("norm_2_matrix", lambda x: L.norm(x[0], 2), lambda x: np.linalg.norm(x[0], 2), SQUARE),
]


@pytest.mark.parametrize("name,op,reference,x", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ops_match_numpy(name, op, reference, x, dtype):
    x = x.astype(dtype)
    got = op(torch.tensor(x))
    expected = reference(x)
    tolerance = 1e-4 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(_np(got), expected, rtol=tolerance, atol=tolerance)


def test_decompositions_reconstruct_their_input():
    x = torch.tensor(RNG.randn(2, 4, 3))
    q, r = L.qr(x)
    assert q.shape == (2, 4, 3) and r.shape == (2, 3, 3)
    torch.testing.assert_close(q @ r, x)
    q, r = L.qr(x, mode="complete")
    assert q.shape == (2, 4, 4)
    u, s, vh = L.svd(x, full_matrices=False)
    torch.testing.assert_close(u @ torch.diag_embed(s) @ vh, x)
    values, vectors = L.eig(torch.tensor(SQUARE))
    assert values.is_complex()
    torch.testing.assert_close(torch.tensor(SQUARE).to(vectors.dtype) @ vectors,
                               vectors * values[..., None, :])
    lu, pivots = L.lu_factor(torch.tensor(SQUARE))
    assert pivots.dtype == torch.int32 and int(pivots.min()) >= 0


@pytest.mark.parametrize("b_shape", [(2, 3), (2, 3, 2)])
def test_solvers_match_numpy(b_shape):
    a = SQUARE
    b = RNG.randn(*b_shape)
    np.testing.assert_allclose(_np(L.solve(torch.tensor(a), torch.tensor(b))),
                               np.linalg.solve(a, b if len(b_shape) == 3 else b[..., None])
                               .reshape(b_shape), rtol=1e-10)
    lower = np.tril(a)
    got = L.solve_triangular(torch.tensor(lower), torch.tensor(b), lower=True)
    expected = np.linalg.solve(lower, b if len(b_shape) == 3 else b[..., None]).reshape(b_shape)
    np.testing.assert_allclose(_np(got), expected, rtol=1e-10)


@pytest.mark.parametrize("rcond", [None, 1e-8])
def test_lstsq_matches_numpy(rcond):
    a, b = RNG.randn(6, 3), RNG.randn(6, 2)
    np.testing.assert_allclose(_np(L.lstsq(torch.tensor(a), torch.tensor(b), rcond=rcond)),
                               np.linalg.lstsq(a, b, rcond=rcond)[0], rtol=1e-8)
    np.testing.assert_allclose(_np(L.lstsq(torch.tensor(a), torch.tensor(b[:, 0]))),
                               np.linalg.lstsq(a, b[:, 0], rcond=None)[0], rtol=1e-8)


def test_integer_inputs_become_float():
    assert L.det(np.array([[2, 0], [0, 3]])).dtype == torch.float32
    assert L.norm(torch.tensor([3, 4])).item() == 5.0


def test_jvp_and_has_aux():
    primals_out, tangents_out = L.jvp(torch.sin, (torch.tensor(0.1),), (torch.tensor(0.2),))
    assert abs(primals_out.item() - np.sin(0.1)) < 1e-6
    assert abs(tangents_out.item() - 0.2 * np.cos(0.1)) < 1e-6
    out = L.jvp(lambda x: (x * x, x + 1), (torch.tensor(3.0),), (torch.tensor(1.0),), has_aux=True)
    assert out[1].item() == 6.0 and out[2].item() == 4.0


def test_gradients_flow_through_solve_det_and_norm():
    a = torch.tensor(SQUARE, requires_grad=True)
    (L.solve(a, torch.ones(2, 3, dtype=torch.float64)).sum() + L.det(a).sum()
     + L.norm(a, "fro", axis=(-2, -1)).sum() + L.inv(a).sum()).backward()
    assert torch.isfinite(a.grad).all()


ERRORS = [
    (lambda: L.det(torch.zeros(2, 3)), "det: `x` must be square matrices"),
    (lambda: L.inv(torch.zeros(3)), "inv: `x` must have rank >= 2"),
    (lambda: L.solve(torch.eye(3), torch.zeros(4)), "solve: `a` of shape \\(3, 3\\) and `b` of shape \\(4,\\)"),
    (lambda: L.qr(torch.eye(2), mode="full"), "qr: `mode` must be one of 'reduced', 'complete'"),
    (lambda: L.norm(torch.eye(2), "bad"), "norm: a string `ord` must be 'fro' or 'nuc'"),
    (lambda: L.norm(torch.eye(2), "fro", axis=0), "ord='fro' is a matrix norm"),
    (lambda: L.norm(torch.eye(2), 3, axis=(0, 1)), "ord=3 is not a matrix norm"),
    (lambda: L.cholesky(-torch.eye(2)), "cholesky: the input is not positive-definite"),
    (lambda: L.jvp(torch.sin, (torch.zeros(1),), ()), "jvp: `primals` and `tangents` must have the same length"),
]


@pytest.mark.parametrize("call,message", ERRORS, ids=[e[1][:24] for e in ERRORS])
def test_errors_name_op_and_argument(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# ------------------------------------------------------------------------------- contract

from tests.ops._keras_cases import check_contract, keras_table  # noqa: E402

KERAS = keras_table("linalg")


def test_every_keras_linalg_name_and_nothing_else():
    assert sorted(KERAS) == sorted(L.__all__)


@pytest.mark.parametrize("name", sorted(KERAS))
def test_contract_with_keras(name):
    check_contract(getattr(L, name), KERAS[name], "linalg")


def test_symbolic_shapes():
    import lamina

    x = lamina.Input((4, 3))
    u, s, vh = L.svd(x)
    assert (u.shape, s.shape, vh.shape) == ((None, 4, 4), (None, 3), (None, 3, 3))
    q, r = L.qr(x)
    assert (q.shape, r.shape) == ((None, 4, 3), (None, 3, 3))
    square = lamina.Input((3, 3))
    assert L.det(square).shape == (None,)
    assert L.solve(square, lamina.Input((3, 2))).shape == (None, 3, 2)
    assert L.norm(x, axis=(-2, -1)).shape == (None,)
    assert L.matrix_rank(x).shape == (None,) and str(L.matrix_rank(x).dtype) == "torch.int32"


def test_docstring_examples_are_true():
    from tests.ops._keras_cases import run_doctests

    failed, attempted = run_doctests("lamina.ops.linalg")
    assert attempted > 0 and failed == 0
