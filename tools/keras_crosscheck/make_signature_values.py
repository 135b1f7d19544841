"""Keras 3.15-computed values for tests/test_keras_signatures_issue16.py
(SparseCategoricalCrossentropy metric with and without `ignore_class`).

Run: KERAS_BACKEND=jax /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/make_signature_values.py
Prints `{ignore_class: (unweighted two-batch mean, weighted one-batch mean)}`.
"""

import numpy as np

import keras

y_true = np.array([[0, 2, 1, 2], [1, 1, 0, 2]])
y_pred = np.random.default_rng(3).random((2, 4, 3)).astype("float32")
y_pred /= y_pred.sum(-1, keepdims=True)
weights = np.array([[1.0, 0.5, 2.0, 1.0], [0.5, 0.5, 1.0, 3.0]], "float32")
values = {}
for ignore_class in (None, 2):
    m = keras.metrics.SparseCategoricalCrossentropy(ignore_class=ignore_class)
    m.update_state(y_true, y_pred)
    m.update_state(y_true[:1], y_pred[:1])
    w = keras.metrics.SparseCategoricalCrossentropy(ignore_class=ignore_class)
    w.update_state(y_true, y_pred, sample_weight=weights)
    values[ignore_class] = (float(m.result()), float(w.result()))
print(values)
