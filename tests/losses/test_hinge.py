"""Hinge losses against Keras 3.15.1 values (float32, rtol 1e-5 / atol 1e-6)."""

import numpy as np
import pytest
import torch

import lamina.losses as losses
from _training_refs import ARRAYS, case_id, cases

RTOL, ATOL = 1e-5, 1e-6
HINGE = ("Hinge", "SquaredHinge", "CategoricalHinge")


def t(name):
    return torch.as_tensor(ARRAYS[name])


@pytest.mark.parametrize("case", cases("loss", HINGE), ids=case_id)
def test_matches_keras(case):
    loss = getattr(losses, case["class"])(**case["args"])
    y_true, y_pred = t(case["y_true"]), t(case["y_pred"])
    np.testing.assert_allclose(float(loss(y_true, y_pred)), case["value"], rtol=RTOL, atol=ATOL)
    weighted = loss(y_true, y_pred, sample_weight=t("sw"))
    np.testing.assert_allclose(float(weighted), case["value_with_sample_weight_sw"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", ["hinge", "squared_hinge"])
def test_binary_labels_are_converted_to_plus_minus_one(name):
    fn = getattr(losses, name)
    signs = t("hinge_true")
    zero_one = (signs + 1) / 2
    np.testing.assert_allclose(fn(zero_one, t("reg_pred")).numpy(), fn(signs, t("reg_pred")).numpy(), rtol=1e-6)


def test_non_binary_labels_are_left_unchanged():
    y_true = torch.tensor([[0.5, 2.0]])
    expected = np.maximum(1 - np.array([[0.5, 2.0]]) * np.array([[1.0, 0.2]]), 0).mean(-1)
    np.testing.assert_allclose(losses.hinge(y_true, torch.tensor([[1.0, 0.2]])).numpy(), expected, rtol=1e-6)


def test_categorical_hinge_formula():
    yt, yp = ARRAYS["onehot"], ARRAYS["probs"]
    expected = np.maximum(((1 - yt) * yp).max(-1) - (yt * yp).sum(-1) + 1, 0)
    np.testing.assert_allclose(losses.categorical_hinge(yt, yp).numpy(), expected, rtol=1e-6)
