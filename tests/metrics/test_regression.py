"""Regression and loss-based metrics.

Keras 3.15.1 values at rtol 1e-5 / atol 1e-6; the loss-based metrics are checked
against the (Keras-verified) loss functions averaged with the weights.
"""

import numpy as np
import pytest
import torch

import lamina.losses as losses
import lamina.metrics as metrics
from _training_refs import ARRAYS, case_id, cases

RTOL, ATOL = 1e-5, 1e-6


def t(name):
    return torch.as_tensor(ARRAYS[name])


@pytest.mark.parametrize("case", cases("metric", ("MeanAbsoluteError", "MeanSquaredError", "RootMeanSquaredError")),
                         ids=case_id)
def test_matches_keras(case):
    cls = getattr(metrics, case["class"])
    y_true, y_pred = t(case["y_true"]), t(case["y_pred"])
    m = cls(**case["args"])
    m.update_state(y_true[:4], y_pred[:4])
    m.update_state(y_true[4:], y_pred[4:])
    np.testing.assert_allclose(float(m.result()), case["value_two_updates_of_4"], rtol=RTOL, atol=ATOL)
    m = cls(**case["args"])
    m.update_state(y_true, y_pred, sample_weight=t("sw"))
    np.testing.assert_allclose(float(m.result()), case["value_with_sample_weight_sw"], rtol=RTOL, atol=ATOL)


LOSS_METRICS = [
    (metrics.MeanAbsolutePercentageError, losses.mean_absolute_percentage_error, "reg_true", "reg_pred"),
    (metrics.MeanSquaredLogarithmicError, losses.mean_squared_logarithmic_error, "pos_true", "pos_pred"),
    (metrics.LogCoshError, losses.log_cosh, "reg_true", "reg_pred"),
    (metrics.KLDivergence, losses.kl_divergence, "pos_true", "pos_pred"),
    (metrics.Poisson, losses.poisson, "pos_true", "pos_pred"),
    (metrics.Hinge, losses.hinge, "hinge_true", "reg_pred"),
    (metrics.SquaredHinge, losses.squared_hinge, "hinge_true", "reg_pred"),
    (metrics.CategoricalHinge, losses.categorical_hinge, "onehot", "probs"),
    (metrics.BinaryCrossentropy, losses.binary_crossentropy, "bin_true", "bin_prob"),
    (metrics.CategoricalCrossentropy, losses.categorical_crossentropy, "onehot", "probs"),
    (metrics.SparseCategoricalCrossentropy, losses.sparse_categorical_crossentropy, "sparse", "probs"),
]


@pytest.mark.parametrize("cls, fn, yt, yp", LOSS_METRICS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_loss_based_metrics_are_weighted_means_of_the_loss(cls, fn, yt, yp):
    values = fn(t(yt), t(yp)).double()
    sw = t("sw").double()
    m = cls()
    m.update_state(t(yt), t(yp), sample_weight=t("sw"))
    np.testing.assert_allclose(float(m.result()), float((values * sw).sum() / sw.sum()), rtol=RTOL, atol=ATOL)
    assert cls.from_config(m.get_config()).get_config() == m.get_config()


def test_cosine_similarity_metric_is_positive_similarity():
    m = metrics.CosineSimilarity()
    m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
    assert float(m.result()) == pytest.approx(0.5)
    np.testing.assert_allclose(metrics.cosine_similarity(t("reg_true"), t("reg_pred")).numpy(),
                               -losses.cosine_similarity(t("reg_true"), t("reg_pred")).numpy(), rtol=1e-6)


def test_rmse_is_sqrt_of_weighted_mse():
    m = metrics.RootMeanSquaredError()
    m.update_state([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
    assert float(m.result()) == pytest.approx(0.5)
