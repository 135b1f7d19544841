"""AUC, Precision, Recall and confusion counts.

Keras 3.15.1 values at rtol 1e-5 / atol 1e-6; the other checks compare with
straightforward numpy computations of the same definitions.
"""

import numpy as np
import pytest
import torch

import lamina.metrics as metrics
from _training_refs import ARRAYS, case_id, cases

RTOL, ATOL = 1e-5, 1e-6


def t(name):
    return torch.as_tensor(ARRAYS[name])


@pytest.mark.parametrize("case", cases("metric", ("AUC", "Precision", "Recall")), ids=case_id)
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


def _counts(y, p, w, thresholds):
    y = y.astype(bool)
    out = []
    for thr in thresholds:
        pos = p > thr
        out.append([(w * (y & pos)).sum(), (w * (~y & pos)).sum(), (w * (~y & ~pos)).sum(), (w * (y & ~pos)).sum()])
    return np.array(out, dtype=np.float64).T  # tp, fp, tn, fn


def _auc_reference(y, p, w, thresholds, curve, method):
    tp, fp, tn, fn = _counts(y, p, w, thresholds)
    recall = np.divide(tp, tp + fn, out=np.zeros_like(tp), where=(tp + fn) != 0)
    if curve == "ROC":
        x, yv = np.divide(fp, fp + tn, out=np.zeros_like(fp), where=(fp + tn) != 0), recall
    else:
        x, yv = recall, np.divide(tp, tp + fp, out=np.zeros_like(tp), where=(tp + fp) != 0)
    heights = {"interpolation": (yv[:-1] + yv[1:]) / 2, "minoring": np.minimum(yv[:-1], yv[1:]),
               "majoring": np.maximum(yv[:-1], yv[1:])}[method]
    return ((x[:-1] - x[1:]) * heights).sum()


@pytest.mark.parametrize("curve, method", [("ROC", "interpolation"), ("ROC", "minoring"), ("ROC", "majoring"),
                                           ("PR", "minoring"), ("PR", "majoring")])
def test_auc_summations_match_counting_reference(curve, method):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 50).astype(np.float32)
    p = np.clip(rng.random(50) * 0.6 + y * 0.3, 0, 1).astype(np.float32)
    w = rng.random(50).astype(np.float32)
    m = metrics.AUC(num_thresholds=11, curve=curve, summation_method=method)
    m.update_state(y, p, sample_weight=w)
    expected = _auc_reference(y, p, w, m.thresholds, curve, method)
    np.testing.assert_allclose(float(m.result()), expected, rtol=1e-5, atol=1e-6)


def test_auc_even_and_explicit_thresholds_agree():
    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 2, 40), rng.random(40)
    evenly = metrics.AUC(num_thresholds=5)
    explicit = metrics.AUC(thresholds=[0.25, 0.5, 0.75])  # detected as evenly spaced
    uneven = metrics.AUC(thresholds=[0.1, 0.5, 0.75])  # the general O(N * T) path
    for m in (evenly, explicit, uneven):
        m.update_state(y, p)
    assert float(evenly.result()) == pytest.approx(float(explicit.result()), rel=1e-6)
    expected = _auc_reference(y, p.astype(np.float32), np.ones(40), uneven.thresholds, "ROC", "interpolation")
    np.testing.assert_allclose(float(uneven.result()), expected, rtol=1e-5)


def test_auc_multi_label_is_mean_of_label_aucs_and_from_logits():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, (30, 3))
    logits = rng.standard_normal((30, 3)).astype(np.float32)
    multi = metrics.AUC(multi_label=True, from_logits=True)
    multi.update_state(y, logits)
    per_label = []
    for j in range(3):
        m = metrics.AUC()
        m.update_state(y[:, j], torch.sigmoid(torch.as_tensor(logits[:, j])))
        per_label.append(float(m.result()))
    np.testing.assert_allclose(float(multi.result()), np.mean(per_label), rtol=1e-5)
    weighted = metrics.AUC(multi_label=True, num_labels=3, label_weights=[1.0, 0.0, 3.0], from_logits=True)
    weighted.update_state(y, logits)
    np.testing.assert_allclose(float(weighted.result()), (per_label[0] + 3 * per_label[2]) / 4, rtol=1e-5)


def test_auc_keras_docstring_example_and_errors():
    m = metrics.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert float(m.result()) == pytest.approx(0.75)
    with pytest.raises(ValueError, match=r"argument `curve` of AUC.*curve='ROCC'"):
        metrics.AUC(curve="ROCC")
    with pytest.raises(ValueError, match="num_thresholds=1"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="summation_method"):
        metrics.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match=r"y_true must have the shape of y_pred.*\(4,\).*\(4, 3\).*One-hot encode"):
        metrics.AUC().update_state(torch.tensor([0, 1, 2, 1]), torch.rand(4, 3))
    with pytest.raises(ValueError, match="must have rank 2 when `multi_label=True`"):
        metrics.AUC(multi_label=True).update_state(torch.ones(4), torch.ones(4))


def test_precision_recall_thresholds_top_k_class_id():
    y = torch.tensor([[0, 1, 1], [1, 0, 1]], dtype=torch.float32)
    p = torch.tensor([[0.2, 0.6, 0.9], [0.7, 0.35, 0.4]])
    m = metrics.Precision(thresholds=[0.3, 0.8])
    m.update_state(y, p)  # > 0.3: 5 predicted positives, 4 right; > 0.8: 1 of 1
    np.testing.assert_allclose(m.result().numpy(), [4 / 5, 1.0], rtol=1e-6)
    m = metrics.Recall(top_k=1)
    m.update_state(y, p)  # top-1 per row: 0.9 (label 1), 0.7 (label 1) -> 2 of 4 positives
    assert float(m.result()) == pytest.approx(0.5)
    m = metrics.Precision(class_id=2)
    m.update_state(y, p)  # column 2: preds [0.9, 0.4] > 0.5 -> one positive, correct
    assert float(m.result()) == 1.0
    with pytest.raises(ValueError, match=r"argument `thresholds`.*\[0, 1\].*\[1.5\]"):
        metrics.Recall(thresholds=[0.5, 1.5])


@pytest.mark.parametrize("cls, expected", [(metrics.TruePositives, 2.0), (metrics.FalsePositives, 1.0),
                                           (metrics.TrueNegatives, 1.0), (metrics.FalseNegatives, 1.0)])
def test_confusion_counts(cls, expected):
    m = cls()
    m.update_state([0, 1, 1, 1, 0], [0.9, 0.2, 0.8, 0.7, 0.1])
    assert float(m.result()) == expected
    m = cls(thresholds=[0.0, 0.5, 1.0])  # evenly spaced: the bucketing path
    m.update_state([0, 1, 1, 1, 0], [0.9, 0.2, 0.8, 0.7, 0.1])
    assert float(m.result()[1]) == expected


@pytest.mark.parametrize("metric", [metrics.AUC(curve="PR", num_thresholds=7), metrics.AUC(thresholds=[0.2, 0.6]),
                                    metrics.Precision(thresholds=[0.4], top_k=2), metrics.Recall(class_id=1),
                                    metrics.TruePositives(thresholds=0.3),
                                    metrics.AUC(multi_label=True, num_labels=2, label_weights=[0.5, 1.0])])
def test_config_round_trip(metric):
    clone = type(metric).from_config(metric.get_config())
    assert clone.get_config() == metric.get_config()
