"""Regression losses against Keras 3.15.1 values (float32, rtol 1e-5 / atol 1e-6)."""

import warnings

import numpy as np
import pytest
import torch

import lamina.losses as losses
from _training_refs import ARRAYS, case_id, cases

RTOL, ATOL = 1e-5, 1e-6
REGRESSION = ("MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
              "MeanSquaredLogarithmicError", "Huber", "LogCosh", "CosineSimilarity")


def t(name):
    return torch.as_tensor(ARRAYS[name])


@pytest.mark.parametrize("case", cases("loss", REGRESSION), ids=case_id)
def test_matches_keras(case):
    loss = getattr(losses, case["class"])(**case["args"])
    y_true, y_pred = t(case["y_true"]), t(case["y_pred"])
    np.testing.assert_allclose(float(loss(y_true, y_pred)), case["value"], rtol=RTOL, atol=ATOL)
    weighted = loss(y_true, y_pred, sample_weight=t("sw"))
    np.testing.assert_allclose(float(weighted), case["value_with_sample_weight_sw"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", cases("loss", REGRESSION), ids=case_id)
def test_function_matches_class(case):
    fn = getattr(losses, case["name"])
    per_sample = fn(ARRAYS[case["y_true"]], ARRAYS[case["y_pred"]], **case["args"])
    assert per_sample.shape == (8,)
    np.testing.assert_allclose(float(per_sample.mean()), case["value"], rtol=RTOL, atol=ATOL)


def test_numpy_reference_formulas():
    yt, yp = ARRAYS["reg_true"].astype(np.float64), ARRAYS["reg_pred"].astype(np.float64)
    err = yp - yt
    np.testing.assert_allclose(losses.mse(yt, yp).numpy(), (err ** 2).mean(-1), rtol=1e-6)
    np.testing.assert_allclose(losses.mae(yt, yp).numpy(), np.abs(err).mean(-1), rtol=1e-6)
    np.testing.assert_allclose(losses.mape(yt, yp).numpy(), 100 * np.abs(err / np.abs(yt)).mean(-1), rtol=1e-6)
    huber = np.where(np.abs(err) <= 0.7, 0.5 * err ** 2, 0.7 * np.abs(err) - 0.5 * 0.7 ** 2).mean(-1)
    np.testing.assert_allclose(losses.huber(yt, yp, delta=0.7).numpy(), huber, rtol=1e-6)
    np.testing.assert_allclose(losses.log_cosh(yt, yp).numpy(), np.log(np.cosh(err)).mean(-1), rtol=1e-6)
    cos = -(yt * yp).sum(-1) / np.linalg.norm(yt, axis=-1) / np.linalg.norm(yp, axis=-1)
    np.testing.assert_allclose(losses.cosine_similarity(yt, yp).numpy(), cos, rtol=1e-6)


def test_log_cosh_is_finite_for_large_errors():
    out = losses.log_cosh(torch.zeros(1, 2), torch.tensor([[200.0, -300.0]]))
    np.testing.assert_allclose(out.numpy(), [250.0 - np.log(2.0)], rtol=1e-6)


def test_rank_mismatch_squeezes_and_broadcasts_silently():
    y_true = torch.arange(4.0)
    y_pred = torch.arange(4.0)[:, None] + 1.0
    np.testing.assert_allclose(losses.MeanSquaredError()(y_true, y_pred).item(), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = losses.mean_squared_error(torch.zeros(4, 1), torch.ones(4, 3))
    np.testing.assert_allclose(out.numpy(), np.ones(4))


def test_cosine_similarity_zero_vector_and_axis():
    assert float(losses.cosine_similarity(torch.zeros(1, 3), torch.ones(1, 3))) == 0.0
    y_true, y_pred = torch.randn(3, 4), torch.randn(3, 4)
    np.testing.assert_allclose(losses.CosineSimilarity(axis=0, reduction="none")(y_true.T, y_pred.T).numpy(),
                               losses.cosine_similarity(y_true, y_pred).numpy(), rtol=1e-6)


@pytest.mark.parametrize("loss", [losses.Huber(delta=0.3, name="h"), losses.CosineSimilarity(axis=0),
                                  losses.MeanSquaredError(reduction="sum"), losses.LogCosh(),
                                  losses.MeanAbsoluteError(), losses.MeanAbsolutePercentageError(),
                                  losses.MeanSquaredLogarithmicError()])
def test_config_round_trip_keeps_arguments(loss):
    clone = type(loss).from_config(loss.get_config())
    assert clone.get_config() == loss.get_config()
    y_true, y_pred = torch.rand(3, 4) + 0.1, torch.rand(3, 4) + 0.1
    np.testing.assert_allclose(float(clone(y_true, y_pred)), float(loss(y_true, y_pred)), rtol=1e-6)
