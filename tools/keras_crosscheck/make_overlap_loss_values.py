"""Keras 3.15-computed Dice/Tversky values for tests/losses/test_overlap.py.

Run: KERAS_BACKEND=jax /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/make_overlap_loss_values.py
Writes tests/losses/keras_overlap_values.json (inputs and results).
"""

import json
import os

import numpy as np

import keras

rng = np.random.default_rng(5)
y_true = (rng.random((2, 4, 4, 1)) > 0.5).astype("float32")
y_pred = rng.random((2, 4, 4, 1)).astype("float32")
weights = np.array([1.0, 0.25], "float32")
L = keras.losses
CASES = {
    "dice": (L.Dice(), False),
    "dice_axis": (L.Dice(axis=(1, 2, 3)), False),
    "dice_axis_weighted": (L.Dice(axis=(1, 2, 3)), True),
    "tversky": (L.Tversky(alpha=0.7, beta=0.3), False),
    "tversky_axis_none_reduction": (L.Tversky(alpha=0.2, beta=0.8, axis=(1, 2), reduction="none"), False),
}
out = {"y_true": y_true.tolist(), "y_pred": y_pred.tolist(), "weights": weights.tolist(), "values": {},
       "configs": {}}
for key, (loss, weighted) in CASES.items():
    value = loss(y_true, y_pred, sample_weight=weights) if weighted else loss(y_true, y_pred)
    out["values"][key] = np.asarray(value).tolist()
    out["configs"][key] = loss.get_config()
out["values"]["fn_dice_axis_12"] = np.asarray(L.dice(y_true, y_pred, axis=(1, 2))).tolist()
out["values"]["fn_tversky_axis_last"] = np.asarray(L.tversky(y_true, y_pred, 0.6, 0.4, axis=-1)).tolist()
path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "losses", "keras_overlap_values.json")
with open(path, "w") as handle:
    json.dump(out, handle)
