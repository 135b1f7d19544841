"""The Orthogonal initializer: orthonormality, gain, shapes, seeding and config."""

import pytest
import torch

from lamina import initializers as I

ATOL = 1e-5  # float32 QR reconstructs an identity to ~1e-6


@pytest.mark.parametrize("shape", [(6, 6), (10, 4)])
def test_columns_are_orthonormal_when_rows_ge_cols(shape):
    q = I.Orthogonal(seed=0)(shape)
    torch.testing.assert_close(q.T @ q, torch.eye(shape[1]), atol=ATOL, rtol=0)


def test_rows_are_orthonormal_when_wide():
    q = I.Orthogonal(seed=0)((4, 10))
    torch.testing.assert_close(q @ q.T, torch.eye(4), atol=ATOL, rtol=0)


def test_conv_kernel_is_flattened_to_rows_by_last_axis():
    shape = (3, 3, 4, 8)  # flattened (36, 8): orthonormal columns
    q = I.Orthogonal(seed=1)(shape)
    assert q.shape == shape
    flat = q.reshape(-1, 8)
    torch.testing.assert_close(flat.T @ flat, torch.eye(8), atol=ATOL, rtol=0)


def test_gain_scales_the_matrix():
    q = I.Orthogonal(gain=2.5, seed=0)((5, 5))
    torch.testing.assert_close(q.T @ q, 6.25 * torch.eye(5), atol=1e-4, rtol=0)
    torch.testing.assert_close(q, 2.5 * I.Orthogonal(seed=0)((5, 5)))


def test_seeded_is_deterministic_and_unseeded_follows_torch_seed():
    assert torch.equal(I.Orthogonal(seed=3)((4, 4)), I.Orthogonal(seed=3)((4, 4)))
    torch.manual_seed(0)
    a = I.Orthogonal()((4, 4))
    torch.manual_seed(0)
    assert torch.equal(a, I.Orthogonal()((4, 4)))


def test_float64_and_meta():
    q = I.Orthogonal(seed=0)((3, 3), dtype=torch.float64)
    assert q.dtype == torch.float64
    torch.testing.assert_close(q.T @ q, torch.eye(3, dtype=torch.float64), atol=1e-12, rtol=0)
    assert I.Orthogonal()((64, 64), device="meta").device.type == "meta"


def test_rank_one_is_refused():
    with pytest.raises(ValueError, match=r"Orthogonal needs a weight of rank 2 or more, received shape=\(5,\) of rank 1"):
        I.Orthogonal()((5,))


def test_config_matches_keras():
    # Keras 3.15 LSTM fixture: {"seed": null, "gain": 1.0}.
    assert I.Orthogonal().get_config() == {"seed": None, "gain": 1.0}
    assert I.Orthogonal.from_config({"seed": 2, "gain": 0.5}).gain == 0.5
