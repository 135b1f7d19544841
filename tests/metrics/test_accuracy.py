"""Accuracy metrics against Keras 3.15.1 values (float32, rtol 1e-5 / atol 1e-6)."""

import numpy as np
import pytest
import torch

import lamina.metrics as metrics
from _training_refs import ARRAYS, case_id, cases

RTOL, ATOL = 1e-5, 1e-6
ACCURACY = ("SparseCategoricalAccuracy", "CategoricalAccuracy", "BinaryAccuracy", "TopKCategoricalAccuracy",
            "SparseTopKCategoricalAccuracy")


def t(name):
    return torch.as_tensor(ARRAYS[name])


@pytest.mark.parametrize("case", cases("metric", ACCURACY), ids=case_id)
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
    m.reset_state()
    assert float(m.result()) == 0.0


def test_keras_documented_examples():
    m = metrics.Accuracy()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    assert float(m.result()) == 0.75
    m.reset_state()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 0.5
    m = metrics.BinaryAccuracy()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], sample_weight=[1, 0, 0, 1])
    assert float(m.result()) == 0.5
    m = metrics.CategoricalAccuracy()
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    assert float(m.result()) == pytest.approx(0.3)
    m = metrics.SparseCategoricalAccuracy()
    m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    assert float(m.result()) == pytest.approx(0.3)


def test_function_shapes():
    assert metrics.sparse_categorical_accuracy(t("sparse"), t("probs")).shape == (8,)
    assert metrics.sparse_categorical_accuracy(t("sparse")[:, None], t("probs")).shape == (8,)
    assert metrics.categorical_accuracy(t("onehot"), t("probs")).shape == (8,)
    assert metrics.binary_accuracy(t("bin_true"), t("bin_prob")).shape == (8,)
    assert metrics.top_k_categorical_accuracy(t("onehot"), t("probs"), k=2).shape == (8,)
    seq = torch.rand(2, 3, 4)
    labels = torch.randint(0, 4, (2, 3))
    assert metrics.sparse_top_k_categorical_accuracy(labels, seq, k=2).shape == (2, 3)
    assert metrics.sparse_categorical_accuracy(labels, seq).shape == (2, 3)


def test_top_k_counts_ties_and_ignores_nan_targets():
    y_pred = torch.tensor([[0.5, 0.5, 0.1], [float("nan"), 0.2, 0.1]])
    hits = metrics.sparse_top_k_categorical_accuracy(torch.tensor([1, 0]), y_pred, k=1)
    assert hits.tolist() == [1.0, 0.0]


def test_sorted_ids_mode():
    sorted_ids = torch.tensor([[2, 0, 1], [1, 2, 0]])
    hits = metrics.sparse_top_k_categorical_accuracy(torch.tensor([0, 0]), sorted_ids, k=2, from_sorted_ids=True)
    assert hits.tolist() == [1.0, 0.0]
    m = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    m.update_state(torch.tensor([0, 0]), sorted_ids)
    assert float(m.result()) == 0.5
    assert m.get_config()["from_sorted_ids"] is True


def test_binary_accuracy_threshold():
    m = metrics.BinaryAccuracy(threshold=0.9)
    m.update_state([[1.0], [0.0]], [[0.95], [0.8]])
    assert float(m.result()) == 1.0
    with pytest.raises(ValueError, match=r"argument `threshold` of BinaryAccuracy.*\(0, 1\).*threshold=1.5"):
        metrics.BinaryAccuracy(threshold=1.5)


@pytest.mark.parametrize("metric", [metrics.Accuracy(name="a"), metrics.BinaryAccuracy(threshold=0.3),
                                    metrics.CategoricalAccuracy(), metrics.SparseCategoricalAccuracy(),
                                    metrics.TopKCategoricalAccuracy(k=3), metrics.SparseTopKCategoricalAccuracy(k=2)])
def test_config_round_trip(metric):
    clone = type(metric).from_config(metric.get_config())
    assert clone.get_config() == metric.get_config()
    assert set(metric.get_config()) >= {"name", "dtype"}


def test_one_hot_accuracies_accept_bool_labels():
    # keras.io's addition_rnn trains on bool one-hot targets with metrics=["accuracy"].
    y_true = np.array([[False, True, False], [True, False, False]])
    y_pred = np.array([[0.1, 0.7, 0.2], [0.2, 0.5, 0.3]], dtype="float32")
    np.testing.assert_allclose(metrics.categorical_accuracy(y_true, y_pred).numpy(), [1.0, 0.0])
    np.testing.assert_allclose(metrics.top_k_categorical_accuracy(y_true, y_pred, k=2).numpy(), [1.0, 0.0])
