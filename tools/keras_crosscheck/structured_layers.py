"""Keras-computed values for tests/layers/test_lookup_layers.py (CategoryEncoding, Discretization)
and a Keras-written `.keras` file with both layers (adapted boundaries included).

Run with Keras 3 (JAX backend):
    KERAS_BACKEND=jax <keras venv>/bin/python structured_layers.py OUT_DIR

Keras 3's StringLookup/IntegerLookup/TextVectorization/Hashing need TensorFlow, which the Keras
venv here lacks; `Discretization.adapt` only checks `isinstance(data, tf.data.Dataset)`, so that
check gets a stand-in module below (the quantile computation itself is NumPy).
"""

import json
import sys
import types

import numpy as np

import keras
from keras.src.layers.preprocessing import discretization as keras_discretization

keras_discretization.tf = types.SimpleNamespace(data=types.SimpleNamespace(Dataset=type("NoDataset", (), {})),
                                                is_tensor=lambda x: False)

out_dir = sys.argv[1]
rng = np.random.default_rng(0)
cases = {}

inputs = {"rank1": np.array([3, 2, 0, 1]), "col": np.array([[3], [2]]), "pairs": np.array([[0, 1], [4, 4]]),
          "scalar": np.array(2)}
for mode in ("one_hot", "multi_hot", "count"):
    for key, x in inputs.items():
        y = keras.layers.CategoryEncoding(num_tokens=5, output_mode=mode)(x)
        cases[f"category_{mode}_{key}"] = {"layer": "CategoryEncoding", "config": {"num_tokens": 5, "output_mode": mode},
                                           "x": x.tolist(), "y": np.asarray(y).tolist(), "dtype": str(y.dtype)}
weights = np.array([[0.5, 1.0, 2.0]], "float32")
y = keras.layers.CategoryEncoding(num_tokens=5, output_mode="count")(np.array([[0, 1, 1]]), count_weights=weights)
cases["category_count_weights"] = {"layer": "CategoryEncoding", "config": {"num_tokens": 5, "output_mode": "count"},
                                   "x": [[0, 1, 1]], "count_weights": weights.tolist(), "y": np.asarray(y).tolist(),
                                   "dtype": str(y.dtype)}

values = np.array([[-1.0, 0.0, 0.5, 1.0, 3.0], [2.0, 1.999, -0.001, 0.25, 7.0]], "float32")
for mode in ("int", "one_hot", "multi_hot", "count"):
    x = values[:, :1] if mode == "one_hot" else values
    y = keras.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode=mode)(x)
    cases[f"discretization_{mode}"] = {"layer": "Discretization",
                                       "config": {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": mode},
                                       "x": x.tolist(), "y": np.asarray(y).tolist(), "dtype": str(y.dtype)}

adapt_sets = {"arange": np.arange(100, dtype="float32").reshape(-1, 1),
              "normal": rng.normal(size=(500, 3)).astype("float32"),
              "small": np.array([1.0, 2.0, 2.0, 3.0, 10.0, 11.0, 5.0, 7.0], "float32")}
for key, data in adapt_sets.items():
    for num_bins, epsilon in ((4, 0.01), (3, 0.1), (7, 0.001)):
        layer = keras.layers.Discretization(num_bins=num_bins, epsilon=epsilon)
        layer.adapt(data)
        cases[f"adapt_{key}_{num_bins}_{epsilon}"] = {"data": key, "num_bins": num_bins,
                                                      "epsilon": epsilon, "bin_boundaries": list(layer.bin_boundaries)}
# batches given one by one (merge of summaries)
layer = keras.layers.Discretization(num_bins=5, epsilon=0.05)
batches = [rng.uniform(size=(40,)).astype("float32") for _ in range(4)]
layer.adapt(iter(batches))
cases["adapt_batches"] = {"batches": [b.tolist() for b in batches], "num_bins": 5, "epsilon": 0.05,
                          "bin_boundaries": list(layer.bin_boundaries)}

cases["adapt_data"] = {key: data.tolist() for key, data in adapt_sets.items()}
with open(f"{out_dir}/structured_layers.json", "w") as handle:
    json.dump(cases, handle)

# A Keras-written model file: adapted Discretization -> CategoryEncoding -> Dense.
disc = keras.layers.Discretization(num_bins=4)
disc.adapt(adapt_sets["normal"][:, 0])
inputs = keras.Input(shape=(3,))
outputs = keras.layers.Dense(2)(keras.layers.CategoryEncoding(num_tokens=4, output_mode="count")(disc(inputs)))
model = keras.Model(inputs, outputs)
model.save(f"{out_dir}/structured_layers.keras")
probe = adapt_sets["normal"][:6]
np.savez(f"{out_dir}/structured_layers_model.npz", x=probe, y=np.asarray(model.predict(probe, verbose=0)))
print("wrote", len(cases), "cases")
