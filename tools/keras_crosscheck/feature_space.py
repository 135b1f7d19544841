"""Keras-computed FeatureSpace outputs and a Keras-saved FeatureSpace for
tests/utils/test_feature_space.py.

FeatureSpace needs TensorFlow (tf.data), so run with the TensorFlow backend:
    KERAS_BACKEND=tensorflow <keras+tf venv>/bin/python feature_space.py OUT_FOLDER
Writes feature_space_io.json (table, outputs, configs) and feature_space.keras.
Every feature here is deterministic (Discretization gets its boundaries), so lamina must match.
"""

import json
import sys

import numpy as np

import keras
from keras.utils import FeatureSpace

rng = np.random.default_rng(0)
n = 24
table = {
    "age": np.round(rng.uniform(20, 70, n), 2).astype("float32"),
    "fare": np.round(rng.uniform(0, 100, n), 2).astype("float32"),
    "chol": np.round(rng.uniform(100, 300, n), 1).astype("float32"),
    "height": np.round(rng.uniform(150, 200, n), 1).astype("float32"),
    "sex": rng.integers(0, 2, n).astype("int64"),
    "cp": rng.integers(0, 5, n).astype("int64"),
    "thal": rng.choice(["fixed", "normal", "reversible", "normal"], n),
    "city": rng.choice(["paris", "lyon", "nice", "lille", "brest"], n),
    "zip": rng.integers(1000, 1100, n).astype("int64"),
}


def make(output_mode):
    return FeatureSpace(
        features={
            "age": FeatureSpace.float_discretized(num_bins=4),
            "fare": FeatureSpace.float_rescaled(scale=0.01, offset=-0.5),
            "chol": "float_normalized",
            "height": "float",
            "sex": "integer_categorical",
            "cp": FeatureSpace.integer_categorical(num_oov_indices=2),
            "thal": "string_categorical",
            "city": FeatureSpace.string_hashed(num_bins=8),
            "zip": FeatureSpace.integer_hashed(num_bins=16),
        },
        crosses=[FeatureSpace.cross(feature_names=("sex", "thal"), crossing_dim=16),
                 FeatureSpace.cross(feature_names=("cp", "age"), crossing_dim=8)],
        output_mode=output_mode,
    )


out = {"table": {k: v.tolist() for k, v in table.items()}}
concat = make("concat")
concat.adapt(table)
batch = {k: v[:6] for k, v in table.items()}
out["concat"] = np.asarray(concat(batch)).tolist()
out["concat_single"] = np.asarray(concat({k: v[0] for k, v in table.items()})).tolist()
out["config"] = json.loads(json.dumps(concat.get_config(), default=lambda o: list(o)))
dict_space = make("dict")
dict_space.adapt(table)
out["dict"] = {k: np.asarray(v).tolist() for k, v in dict_space(batch).items()}
out["vocabularies"] = {name: [str(t) for t in concat.preprocessors[name].get_vocabulary()]
                       for name in ("sex", "cp", "thal")}
out["age_boundaries"] = [float(b) for b in concat.preprocessors["age"].bin_boundaries]
concat.save(f"{sys.argv[1]}/feature_space.keras")
with open(f"{sys.argv[1]}/feature_space_io.json", "w", encoding="utf-8") as handle:
    json.dump(out, handle)
print(np.asarray(out["concat"]).shape, {k: np.asarray(v).shape for k, v in out["dict"].items()})
