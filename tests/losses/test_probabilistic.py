"""Crossentropy, KL divergence and Poisson losses against Keras 3.15.1 values.

Tolerance: float32, rtol 1e-5 / atol 1e-6 against the Keras values (measured
agreement is within 2e-7 relative).
"""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lamina.losses as losses
from _training_refs import ARRAYS, case_id, cases

RTOL, ATOL = 1e-5, 1e-6
PROBABILISTIC = ("BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
                 "KLDivergence", "Poisson")


def t(name):
    return torch.as_tensor(ARRAYS[name])


@pytest.mark.parametrize("case", cases("loss", PROBABILISTIC), ids=case_id)
def test_matches_keras(case):
    loss = getattr(losses, case["class"])(**case["args"])
    y_true, y_pred = t(case["y_true"]), t(case["y_pred"])
    np.testing.assert_allclose(float(loss(y_true, y_pred)), case["value"], rtol=RTOL, atol=ATOL)
    weighted = loss(y_true, y_pred, sample_weight=t("sw"))
    np.testing.assert_allclose(float(weighted), case["value_with_sample_weight_sw"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", cases("loss", PROBABILISTIC), ids=case_id)
def test_function_and_numpy_inputs_match_class(case):
    loss = getattr(losses, case["class"])(**case["args"])
    fn = getattr(losses, case["name"])
    kwargs = {k: v for k, v in case["args"].items()}
    per_sample = fn(ARRAYS[case["y_true"]], ARRAYS[case["y_pred"]], **kwargs)
    assert per_sample.shape == (8,)
    # With ignore_class the mean runs over the valid entries only (the mask).
    mask = getattr(per_sample, "_keras_mask", torch.ones(8, dtype=torch.bool))
    np.testing.assert_allclose(float(per_sample.sum() / mask.sum()), case["value"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(float(loss(ARRAYS[case["y_true"]], ARRAYS[case["y_pred"]])), case["value"],
                               rtol=RTOL, atol=ATOL)


def _softmax_output(logits, axis=-1):
    probs = torch.softmax(logits, dim=axis)
    probs._keras_logits = logits
    probs._keras_activation = "softmax"
    probs._keras_activation_axis = axis
    return probs


def _sigmoid_output(logits):
    probs = torch.sigmoid(logits)
    probs._keras_logits = logits
    probs._keras_activation = "sigmoid"
    return probs


def test_attached_logits_give_keras_value_and_stay_exact_when_saturated():
    sparse_case = cases("loss", ["SparseCategoricalCrossentropy"])[0]
    logits = t("logits")
    probs = _softmax_output(logits)
    value = losses.SparseCategoricalCrossentropy()(t("sparse"), probs)
    np.testing.assert_allclose(float(value), sparse_case["value"], rtol=RTOL, atol=ATOL)
    # A saturated softmax: clipping would cap the loss at -log(1e-7) = 16.12.
    logits = torch.tensor([[0.0, 50.0]], requires_grad=True)
    probs = _softmax_output(logits)
    assert float(losses.SparseCategoricalCrossentropy()(torch.tensor([0]), probs).detach()) == pytest.approx(50.0)
    assert float(losses.CategoricalCrossentropy()(torch.tensor([[1.0, 0.0]]), probs).detach()) == pytest.approx(50.0)
    unattached = torch.softmax(logits.detach(), dim=-1)
    assert float(losses.SparseCategoricalCrossentropy()(torch.tensor([0]), unattached)) == pytest.approx(16.118, abs=1e-3)
    losses.SparseCategoricalCrossentropy()(torch.tensor([0]), probs).backward()
    np.testing.assert_allclose(logits.grad.numpy(), [[-1.0, 1.0]], atol=1e-6)


def test_attached_sigmoid_logits_for_binary_crossentropy():
    case = cases("loss", ["BinaryCrossentropy"])[0]
    probs = _sigmoid_output(t("bin_logit"))
    value = losses.BinaryCrossentropy()(t("bin_true"), probs)
    np.testing.assert_allclose(float(value), case["value"], rtol=RTOL, atol=ATOL)
    probs = _sigmoid_output(torch.tensor([[40.0]]))
    assert float(losses.BinaryCrossentropy()(torch.tensor([[0.0]]), probs)) == pytest.approx(40.0)


def test_logits_of_another_activation_or_axis_are_not_used():
    # A softmax output fed to binary crossentropy must use the probabilities.
    logits = torch.tensor([[2.0, -1.0, 0.5]])
    probs = _softmax_output(logits)
    expected = losses.binary_crossentropy(torch.tensor([[1.0, 0.0, 0.0]]), probs.detach().clone())
    got = losses.binary_crossentropy(torch.tensor([[1.0, 0.0, 0.0]]), probs)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)
    # A softmax over axis 1 of a (B, C, T) tensor does not match a last-axis loss.
    logits = torch.randn(2, 3, 4)
    probs = _softmax_output(logits, axis=1)
    y = torch.eye(4)[torch.tensor([[0, 1, 2], [3, 0, 1]])]
    expected = losses.categorical_crossentropy(y, probs.detach().clone())
    np.testing.assert_allclose(losses.categorical_crossentropy(y, probs).numpy(), expected.numpy(), rtol=1e-6)


def test_from_logits_on_activation_output_warns_once():
    from lamina.losses import _logits

    _logits._warned.discard("categorical_crossentropy")
    probs = _softmax_output(torch.randn(2, 3))
    with pytest.warns(UserWarning, match="from_logits=True"):
        losses.categorical_crossentropy(torch.eye(3)[:2], probs, from_logits=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses.categorical_crossentropy(torch.eye(3)[:2], probs, from_logits=True)


def test_sparse_labels_shapes_and_dtypes():
    logits = t("logits")
    expected = F.cross_entropy(logits, t("sparse").long(), reduction="none")
    for labels in (t("sparse"), t("sparse").int(), t("sparse").float(), t("sparse")[:, None]):
        got = losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)
    # Sequence labels (B, T) against (B, T, C), and a class axis that is not last.
    seq_logits = torch.randn(2, 3, 5)
    seq_labels = torch.randint(0, 5, (2, 3))
    expected = F.cross_entropy(seq_logits.reshape(6, 5), seq_labels.reshape(6), reduction="none").reshape(2, 3)
    got = losses.sparse_categorical_crossentropy(seq_labels, seq_logits, from_logits=True)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)
    got = losses.sparse_categorical_crossentropy(seq_labels, seq_logits.transpose(1, 2), from_logits=True, axis=1)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)


def test_ignore_class_mask_and_all_ignored_batch():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    logits = t("logits")
    labels = t("sparse").clone()
    labels[::2] = -1
    kept = F.cross_entropy(logits[1::2], t("sparse")[1::2].long())
    np.testing.assert_allclose(float(loss(labels, logits)), float(kept), rtol=1e-6)
    per_sample = losses.sparse_categorical_crossentropy(labels, logits, from_logits=True, ignore_class=-1)
    assert per_sample._keras_mask.tolist() == [False, True] * 4
    assert float(loss(torch.full((8,), -1), logits)) == 0.0


def test_sparse_label_errors_are_clear():
    scce = losses.SparseCategoricalCrossentropy()
    with pytest.raises(ValueError, match=r"one integer class id per sample, of shape \(8,\).*looks one-hot"):
        scce(t("onehot"), t("probs"))
    with pytest.raises(ValueError, match=r"outside \[0, 4\]: y_true holds values in \[0, 7\]"):
        scce(torch.tensor([0, 7, 1, 2, 3, 4, 0, 1]), t("probs"))
    with pytest.raises(ValueError, match=r"values in \[-2, 4\]"):
        losses.sparse_categorical_crossentropy(torch.tensor([-2, 4]), torch.randn(2, 5), from_logits=True)
    with pytest.raises(ValueError, match="integer class ids: use 'sparse_categorical_crossentropy'"):
        losses.CategoricalCrossentropy()(t("sparse"), t("probs"))
    with pytest.raises(ValueError, match="same shape"):
        losses.BinaryCrossentropy()(torch.zeros(8, 3), torch.zeros(8, 1))
    with pytest.raises(ValueError, match="`axis` of categorical_crossentropy must be an int"):
        losses.categorical_crossentropy(t("onehot"), t("probs"), axis=True)


def test_out_of_range_labels_on_accelerators_give_nan_without_sync():
    # On devices other than the CPU the check must not sync; the "meta" device
    # (which refuses any host read) runs that branch.
    labels = torch.tensor([0, 9], device="meta")
    out = losses.sparse_categorical_crossentropy(labels, torch.randn(2, 5, device="meta"), from_logits=True)
    assert out.shape == (2,) and out.device.type == "meta"


def test_label_smoothing_and_categorical_axis():
    y = t("onehot")
    smoothed = y * 0.9 + 0.1 / 5
    expected = -(smoothed * torch.log_softmax(t("logits"), -1)).sum(-1)
    got = losses.categorical_crossentropy(y, t("logits"), from_logits=True, label_smoothing=0.1)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)
    got_axis0 = losses.categorical_crossentropy(y.T, t("probs").T, axis=0)
    np.testing.assert_allclose(got_axis0.numpy(), losses.categorical_crossentropy(y, t("probs")).numpy(), rtol=1e-6)
    with pytest.warns(SyntaxWarning, match="num_classes > 1"):
        losses.categorical_crossentropy(torch.ones(2, 1), torch.ones(2, 1))


def test_kl_divergence_and_poisson_formulas():
    y_true, y_pred = t("pos_true"), t("pos_pred")
    yt, yp = np.clip(ARRAYS["pos_true"], 1e-7, 1), np.clip(ARRAYS["pos_pred"], 1e-7, 1)
    np.testing.assert_allclose(losses.kl_divergence(y_true, y_pred).numpy(), (yt * np.log(yt / yp)).sum(-1), rtol=1e-5)
    expected = (ARRAYS["pos_pred"] - ARRAYS["pos_true"] * np.log(ARRAYS["pos_pred"] + 1e-7)).mean(-1)
    np.testing.assert_allclose(losses.poisson(y_true, y_pred).numpy(), expected, rtol=1e-5)


@pytest.mark.parametrize("cls", [losses.BinaryCrossentropy, losses.CategoricalCrossentropy,
                                 losses.SparseCategoricalCrossentropy, losses.KLDivergence, losses.Poisson])
def test_config_round_trip(cls):
    loss = cls(name="custom", reduction="sum")
    clone = cls.from_config(loss.get_config())
    assert clone.get_config() == loss.get_config()
    assert clone.name == "custom" and clone.reduction == "sum"
