"""Dice and Tversky against Keras 3.15.1 values (tools/keras_crosscheck/
make_overlap_loss_values.py -> keras_overlap_values.json). Tolerance 1e-6 absolute
(float32 sums in a different order)."""

import json
import os

import numpy as np
import pytest
import torch

import lamina.losses as losses

REF = json.load(open(os.path.join(os.path.dirname(__file__), "keras_overlap_values.json")))
Y_TRUE = np.array(REF["y_true"], "float32")
Y_PRED = np.array(REF["y_pred"], "float32")
WEIGHTS = np.array(REF["weights"], "float32")
CLASS_CASES = {
    "dice": (losses.Dice, {}, False),
    "dice_axis": (losses.Dice, {"axis": (1, 2, 3)}, False),
    "dice_axis_weighted": (losses.Dice, {"axis": (1, 2, 3)}, True),
    "tversky": (losses.Tversky, {"alpha": 0.7, "beta": 0.3}, False),
    "tversky_axis_none_reduction": (losses.Tversky, {"alpha": 0.2, "beta": 0.8, "axis": (1, 2),
                                                     "reduction": "none"}, False),
}


@pytest.mark.parametrize("key", sorted(CLASS_CASES))
def test_class_values_and_config_match_keras(key):
    cls, args, weighted = CLASS_CASES[key]
    loss = cls(**args)
    got = loss(Y_TRUE, Y_PRED, sample_weight=WEIGHTS) if weighted else loss(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(got.numpy(), np.array(REF["values"][key]), atol=1e-6)
    config = loss.get_config()
    keras_config = REF["configs"][key]
    assert {k: (list(v) if isinstance(v, tuple) else v) for k, v in config.items()} == keras_config
    again = losses.deserialize(losses.serialize(loss))
    np.testing.assert_allclose(again(Y_TRUE, Y_PRED, sample_weight=WEIGHTS if weighted else None).numpy(),
                               got.numpy(), atol=1e-7)


def test_functions_match_keras():
    np.testing.assert_allclose(losses.dice(Y_TRUE, Y_PRED, axis=(1, 2)).numpy(),
                               np.array(REF["values"]["fn_dice_axis_12"]), atol=1e-6)
    np.testing.assert_allclose(losses.tversky(Y_TRUE, Y_PRED, 0.6, 0.4, axis=-1).numpy(),
                               np.array(REF["values"]["fn_tversky_axis_last"]), atol=1e-6)


def test_lookup_by_name_and_gradient():
    assert losses.get("dice") is losses.dice
    assert isinstance(losses.get("Tversky"), losses.Tversky)
    y_pred = torch.tensor(Y_PRED, requires_grad=True)
    losses.Dice()(torch.tensor(Y_TRUE), y_pred).backward()
    assert torch.isfinite(y_pred.grad).all()
