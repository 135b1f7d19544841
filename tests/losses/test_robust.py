"""CategoricalGeneralizedCrossEntropy against Keras 3.15.1 values
(tools/keras_crosscheck/make_gce_loss_values.py -> keras_gce_values.json); atol 1e-6."""

import json
import os

import numpy as np
import pytest

import lamina.losses as losses

REF = json.load(open(os.path.join(os.path.dirname(__file__), "keras_gce_values.json")))
Y_TRUE = np.array(REF["y_true"])
Y_PRED = np.array(REF["y_pred"], "float32")


def test_values_match_keras():
    gce = losses.CategoricalGeneralizedCrossEntropy
    np.testing.assert_allclose(float(gce()(Y_TRUE, Y_PRED)), REF["mean_q05"], atol=1e-6)
    weighted = gce(q=0.2)(Y_TRUE, Y_PRED, sample_weight=np.array(REF["weights"], "float32"))
    np.testing.assert_allclose(float(weighted), REF["weighted_q02"], atol=1e-6)
    np.testing.assert_allclose(losses.categorical_generalized_cross_entropy(Y_TRUE, Y_PRED, 0.7).numpy(),
                               REF["fn_q07"], atol=1e-6)


def test_config_and_round_trip():
    loss = losses.CategoricalGeneralizedCrossEntropy(q=0.3)
    assert loss.get_config() == REF["config_q03"]
    assert losses.deserialize(losses.serialize(loss)).q == 0.3


def test_bad_q_and_one_hot_labels_are_refused():
    with pytest.raises(ValueError, match=r"q must be in the interval \(0, 1\), received q=1.5"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match="expects integer class ids of shape.*one-hot"):
        losses.categorical_generalized_cross_entropy(np.eye(3)[Y_TRUE], Y_PRED, 0.5)
