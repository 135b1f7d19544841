"""Keras 3.15-computed CategoricalGeneralizedCrossEntropy values for
tests/losses/test_robust.py.

Run: KERAS_BACKEND=jax /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/make_gce_loss_values.py
Writes tests/losses/keras_gce_values.json.
"""

import json
import os

import numpy as np

import keras

rng = np.random.default_rng(9)
y_true = np.array([0, 2, 1, 2, 1])
y_pred = rng.random((5, 3)).astype("float32")
y_pred /= y_pred.sum(-1, keepdims=True)
weights = np.array([1, 0.5, 2, 0, 1], "float32")
L = keras.losses
out = {"y_true": y_true.tolist(), "y_pred": y_pred.tolist(), "weights": weights.tolist(),
       "mean_q05": float(L.CategoricalGeneralizedCrossEntropy()(y_true, y_pred)),
       "weighted_q02": float(L.CategoricalGeneralizedCrossEntropy(q=0.2)(y_true, y_pred, sample_weight=weights)),
       "fn_q07": np.asarray(L.categorical_generalized_cross_entropy(y_true, y_pred, 0.7)).tolist(),
       "config_q03": L.CategoricalGeneralizedCrossEntropy(q=0.3).get_config()}
path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "losses", "keras_gce_values.json")
with open(path, "w") as handle:
    json.dump(out, handle)
