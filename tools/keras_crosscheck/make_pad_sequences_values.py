"""Writes tests/utils/keras_values/pad_sequences.json: keras.utils.pad_sequences outputs (Keras 3, NumPy only).

Run: KERAS_BACKEND=jax /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/make_pad_sequences_values.py
"""

import json
import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402

SEQUENCES = [[1], [2, 3], [4, 5, 6, 7], [], [8, 9, 10]]
CASES = [
    dict(),
    dict(maxlen=2),
    dict(maxlen=3, padding="post"),
    dict(maxlen=3, truncating="post"),
    dict(maxlen=5, padding="post", truncating="post", value=-1),
    dict(maxlen=6, dtype="float32", value=0.5),
]

out = []
for kwargs in CASES:
    result = keras.utils.pad_sequences(SEQUENCES, **kwargs)
    out.append(dict(kwargs=kwargs, result=result.tolist(), dtype=str(result.dtype)))
# Items that are vectors: shape (len, 2).
vectors = [np.arange(4).reshape(2, 2), np.arange(6).reshape(3, 2) + 10]
result = keras.utils.pad_sequences(vectors, maxlen=4)
out.append(dict(kwargs=dict(maxlen=4), vectors=True, result=result.tolist(), dtype=str(result.dtype)))
strings = keras.utils.pad_sequences([["a"], ["b", "c"]], dtype=object, value="<pad>")
out.append(dict(kwargs=dict(dtype="object", value="<pad>"), strings=True, result=strings.tolist(), dtype="object"))

path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "utils", "keras_values", "pad_sequences.json")
with open(path, "w") as f:
    json.dump(dict(keras_version=keras.__version__, sequences=SEQUENCES, cases=out), f)
print("wrote", path)
