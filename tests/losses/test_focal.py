"""Focal crossentropies: Keras formulas, and their gamma=0 limits against the
Keras crossentropy values (float32, rtol 1e-5 / atol 1e-6)."""

import numpy as np
import pytest
import torch

import lamina.losses as losses
from _training_refs import ARRAYS, cases

RTOL, ATOL = 1e-5, 1e-6


def t(name):
    return torch.as_tensor(ARRAYS[name])


def test_gamma_zero_is_keras_crossentropy():
    bce_case = cases("loss", ["BinaryCrossentropy"])[0]
    loss = losses.BinaryFocalCrossentropy(gamma=0.0)
    np.testing.assert_allclose(float(loss(t("bin_true"), t("bin_prob"))), bce_case["value"], rtol=RTOL, atol=ATOL)
    cce_case = cases("loss", ["CategoricalCrossentropy"])[0]
    loss = losses.CategoricalFocalCrossentropy(gamma=0.0, alpha=1.0)
    np.testing.assert_allclose(float(loss(t("onehot"), t("probs"))), cce_case["value"], rtol=RTOL, atol=ATOL)


def test_binary_focal_formula_with_balancing_and_logits():
    y, logit = ARRAYS["bin_true"].astype(np.float64), ARRAYS["bin_logit"].astype(np.float64)
    p = 1 / (1 + np.exp(-logit))
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    p_t = y * p + (1 - y) * (1 - p)
    expected = ((y * 0.3 + (1 - y) * 0.7) * (1 - p_t) ** 2.0 * bce).mean(-1)
    got = losses.binary_focal_crossentropy(y, logit, apply_class_balancing=True, alpha=0.3, from_logits=True)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)


def test_categorical_focal_formula():
    y, p = ARRAYS["onehot"].astype(np.float64), ARRAYS["probs"].astype(np.float64)
    out = np.clip(p / p.sum(-1, keepdims=True), 1e-7, 1 - 1e-7)
    expected = (0.25 * (1 - out) ** 2.0 * -y * np.log(out)).sum(-1)
    np.testing.assert_allclose(losses.categorical_focal_crossentropy(y, p).numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("cls", [losses.BinaryFocalCrossentropy, losses.CategoricalFocalCrossentropy])
def test_config_round_trip(cls):
    loss = cls(gamma=3.0, alpha=0.5, label_smoothing=0.1)
    assert cls.from_config(loss.get_config()).get_config() == loss.get_config()
