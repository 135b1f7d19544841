"""Regularizer penalties, validation, configs and lookup (Keras 3 semantics)."""

import numpy as np
import pytest
import torch

from lamina import regularizers as R


def test_l1_l2_l1l2_values():
    w = torch.tensor([[1.0, -2.0], [3.0, -4.0]], dtype=torch.float64)
    assert R.L1(0.1)(w).item() == pytest.approx(0.1 * 10)
    assert R.L2(0.1)(w).item() == pytest.approx(0.1 * 30)
    assert R.L1L2(l1=0.1, l2=0.2)(w).item() == pytest.approx(0.1 * 10 + 0.2 * 30)


def test_keras_docstring_values():
    # keras.regularizers docstrings: L2(2.)(ones(5, 5)) == 50; L1(0.01) on a ones(5, 5) kernel == 0.25.
    assert R.L2(2.0)(torch.ones(5, 5)).item() == 50.0
    assert R.L1(0.01)(torch.ones(5, 5)).item() == pytest.approx(0.25)


def test_penalty_is_a_scalar_tensor_on_the_weight_dtype_and_differentiable():
    w = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    penalty = R.L2(0.5)(w)
    assert penalty.shape == () and penalty.dtype == torch.float64
    penalty.backward()
    torch.testing.assert_close(w.grad, 2 * 0.5 * w.detach())


def test_l1l2_defaults_and_zero_penalty():
    assert R.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    out = R.L1L2()(torch.ones(3))
    assert out.shape == () and out.item() == 0.0
    assert R.Regularizer()(torch.ones(2)).item() == 0.0


def test_none_factors_mean_defaults_as_in_keras():
    assert R.L1(None).l1 == 0.01
    assert R.L2(None).l2 == 0.01
    assert R.L1L2(None, None).get_config() == {"l1": 0.0, "l2": 0.0}


def np_orthogonal_penalty(w, factor, mode):
    v = w if mode == "rows" else w.T
    v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-7)
    p = v @ v.T
    n = v.shape[0]
    return factor * 0.5 * np.abs(p - np.diag(np.diag(p))).sum() / (n * (n - 1) / 2)


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_matches_formula(mode):
    w = np.random.default_rng(0).normal(size=(5, 7))
    out = R.OrthogonalRegularizer(factor=0.3, mode=mode)(torch.tensor(w))
    assert out.item() == pytest.approx(np_orthogonal_penalty(w, 0.3, mode), rel=1e-10)


def test_orthogonal_regularizer_extremes():
    assert R.OrthogonalRegularizer(1.0)(torch.eye(4)).item() == pytest.approx(0.0, abs=1e-7)
    # Two identical rows: one pair with cosine 1 -> factor * 0.5 * 2 / 1.
    assert R.OrthogonalRegularizer(1.0)(torch.ones(2, 3)).item() == pytest.approx(1.0)
    # A single row has no pairs.
    assert R.OrthogonalRegularizer(1.0)(torch.ones(1, 3)).item() == 0.0


def test_orthogonal_regularizer_errors():
    with pytest.raises(ValueError, match=r"OrthogonalRegularizer needs a 2-D weight.*\(2, 2, 2\)"):
        R.OrthogonalRegularizer()(torch.ones(2, 2, 2))
    with pytest.raises(ValueError, match=r"`mode` must be 'rows' or 'columns', received mode='cols'"):
        R.OrthogonalRegularizer(mode="cols")


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1", True])
def test_factors_must_be_non_negative_finite_numbers(bad):
    with pytest.raises(ValueError, match=r"L2: `l2` must be a non-negative finite float, received l2="):
        R.L2(bad)


@pytest.mark.parametrize(
    "reg, config",
    [
        (R.L1(0.3), {"l1": 0.3}),
        (R.L2(), {"l2": 0.01}),
        (R.L1L2(l1=0.1, l2=0.2), {"l1": 0.1, "l2": 0.2}),
        (R.OrthogonalRegularizer(), {"factor": 0.01, "mode": "rows"}),
    ],
)
def test_keras_config_round_trip(reg, config):
    serialized = R.serialize(reg)
    assert serialized == {
        "module": "keras.regularizers", "class_name": type(reg).__name__,
        "config": config, "registered_name": None,
    }
    restored = R.deserialize(serialized)
    assert type(restored) is type(reg) and restored.get_config() == config


@pytest.mark.parametrize(
    "name, cls",
    [("l1", R.L1), ("L1", R.L1), ("l2", R.L2), ("l1_l2", R.L1L2), ("l1l2", R.L1L2),
     ("L1L2", R.L1L2), ("orthogonal_regularizer", R.OrthogonalRegularizer)],
)
def test_get_by_name(name, cls):
    assert type(R.get(name)) is cls


def test_aliases_and_get_passthrough():
    assert R.l1 is R.L1 and R.l2 is R.L2 and R.l1_l2 is R.L1L2
    assert R.orthogonal_regularizer is R.OrthogonalRegularizer
    assert R.get(None) is None

    def penalty(w):
        return w.abs().max()

    assert R.get(penalty) is penalty
    assert R.serialize(penalty)["class_name"] == "function"


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match=r"Unknown regularizer: 'l3'\..*Expected one of \[.*'l1_l2'.*\]"):
        R.get("l3")


def test_base_get_config_explains_the_fix():
    with pytest.raises(NotImplementedError, match=r"Regularizer does not implement `get_config\(\)`"):
        R.Regularizer().get_config()
