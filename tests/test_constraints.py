"""Constraint projections, configs and lookup (Keras 3 semantics, Keras weight layout)."""

import numpy as np
import pytest
import torch

from lamina import constraints as C

EPS = 1e-7  # Keras backend.epsilon()


def np_norms(w, axis):
    return np.sqrt(np.sum(w * w, axis=axis, keepdims=True))


@pytest.fixture
def kernel():
    # A Dense kernel (in=3, out=4) whose columns have norms from 0.2 to 6.
    w = np.random.default_rng(0).normal(size=(3, 4))
    w = w / np_norms(w, 0) * np.array([0.2, 0.9, 1.5, 6.0])
    return w


def test_max_norm_clips_column_norms(kernel):
    out = C.MaxNorm(max_value=1.0)(torch.tensor(kernel)).numpy()
    norms = np_norms(kernel, 0)
    expected = kernel * (np.clip(norms, 0, 1.0) / (EPS + norms))
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_allclose(np_norms(out, 0).ravel(), [0.2, 0.9, 1.0, 1.0], rtol=1e-6)


def test_unit_norm(kernel):
    out = C.UnitNorm()(torch.tensor(kernel)).numpy()
    np.testing.assert_allclose(out, kernel / (EPS + np_norms(kernel, 0)), rtol=1e-12)
    np.testing.assert_allclose(np_norms(out, 0).ravel(), 1.0, rtol=1e-6)


def test_min_max_norm_with_rate(kernel):
    out = C.MinMaxNorm(min_value=0.5, max_value=2.0, rate=0.5)(torch.tensor(kernel)).numpy()
    norms = np_norms(kernel, 0)
    desired = 0.5 * np.clip(norms, 0.5, 2.0) + 0.5 * norms
    np.testing.assert_allclose(out, kernel * desired / (EPS + norms), rtol=1e-12)
    np.testing.assert_allclose(np_norms(out, 0).ravel(), [0.35, 0.9, 1.5, 4.0], rtol=1e-6)


def test_axis_list_constrains_each_conv_filter():
    # A Conv2D kernel (kh, kw, in, out): axis=[0, 1, 2] gives one norm per filter.
    w = torch.randn(3, 3, 2, 5, dtype=torch.float64) * 3
    out = C.MaxNorm(max_value=1.0, axis=[0, 1, 2])(w)
    norms = out.square().sum(dim=(0, 1, 2)).sqrt()
    assert torch.all(norms <= 1.0 + 1e-6)
    assert C.MaxNorm(axis=[0, 1, 2]).get_config() == {"max_value": 2, "axis": [0, 1, 2]}


def test_non_neg():
    out = C.NonNeg()(torch.tensor([-1.5, 0.0, 2.0]))
    assert out.tolist() == [0.0, 0.0, 2.0]


def test_base_constraint_is_identity():
    w = torch.randn(3)
    assert C.Constraint()(w) is w


def test_min_greater_than_max_is_refused():
    with pytest.raises(ValueError, match=r"MinMaxNorm: `min_value` must not exceed `max_value`.*min_value=3.*max_value=1"):
        C.MinMaxNorm(min_value=3.0, max_value=1.0)


@pytest.mark.parametrize(
    "constraint, config",
    [
        (C.MaxNorm(), {"max_value": 2, "axis": 0}),
        (C.NonNeg(), {}),
        (C.UnitNorm(axis=1), {"axis": 1}),
        (C.MinMaxNorm(), {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}),
    ],
)
def test_keras_config_round_trip(constraint, config):
    serialized = C.serialize(constraint)
    assert serialized == {
        "module": "keras.constraints", "class_name": type(constraint).__name__,
        "config": config, "registered_name": None,
    }
    restored = C.deserialize(serialized)
    assert type(restored) is type(constraint) and restored.get_config() == config


@pytest.mark.parametrize(
    "name, cls",
    [("max_norm", C.MaxNorm), ("MaxNorm", C.MaxNorm), ("non_neg", C.NonNeg),
     ("unit_norm", C.UnitNorm), ("min_max_norm", C.MinMaxNorm), ("MinMaxNorm", C.MinMaxNorm)],
)
def test_get_by_name(name, cls):
    assert type(C.get(name)) is cls


def test_aliases_and_passthrough():
    assert C.max_norm is C.MaxNorm and C.non_neg is C.NonNeg
    assert C.unit_norm is C.UnitNorm and C.min_max_norm is C.MinMaxNorm
    assert C.get(None) is None
    clip = C.MaxNorm(3)
    assert C.get(clip) is clip


def test_unknown_name_suggests():
    with pytest.raises(ValueError, match=r"Unknown constraint: 'nonneg'\. Did you mean 'non_neg'"):
        C.get("nonneg")
