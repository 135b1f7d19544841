"""Keras-computed HashedCrossing bins for tests/layers/test_hashed_crossing.py.

Keras's HashedCrossing needs TensorFlow (`tf.sparse.cross_hashed`), so this runs with the
TensorFlow backend: KERAS_BACKEND=tensorflow <keras+tf venv>/bin/python hashed_crossing.py OUT.json
"""

import json
import random
import sys

import numpy as np

import keras

random.seed(0)
alphabet = "abcXYZ09 _-é日😀"
strings = ["", "A", "B", "hello", "ünïcödé"] + [
    "".join(random.choice(alphabet) for _ in range(random.randint(1, 70))) for _ in range(35)]
ints = [0, 1, -1, 7, 101, 102, 2**31 - 1, -2**31, 2**62, -2**63] + [random.randint(-10**12, 10**12) for _ in range(30)]
cases = []
for num_bins in (1, 5, 97, 2**31 - 1):
    a = [random.choice(strings) for _ in range(40)]
    b = [random.choice(ints) for _ in range(40)]
    c = [random.choice(strings) for _ in range(40)]
    cases.append({"num_bins": num_bins, "inputs": [a, b], "kinds": ["str", "int64"]})
    cases.append({"num_bins": num_bins, "inputs": [b, a, c], "kinds": ["int64", "str", "str"]})
    cases.append({"num_bins": num_bins, "inputs": [a, c], "kinds": ["str", "str"]})
small = [random.randint(-1000, 1000) for _ in range(40)]
cases.append({"num_bins": 13, "inputs": [small, small[::-1]], "kinds": ["int32", "int32"]})


def array(values, kind):
    return np.array(values, dtype=object if kind == "str" else kind)


for case in cases:
    layer = keras.layers.HashedCrossing(num_bins=case["num_bins"])
    case["bins"] = np.asarray(layer([array(v, k) for v, k in zip(case["inputs"], case["kinds"])])).tolist()
# output shapes and one-hot layout for the three accepted input ranks
shapes = {}
for rank_name, reshape in {"scalar": (), "vector": (3,), "column": (3, 1)}.items():
    n = int(np.prod(reshape)) if reshape else 1
    a = np.array(["A", "B", "C"][:n], dtype=object).reshape(reshape)
    b = np.array([1, 2, 3][:n]).reshape(reshape)
    for mode in ("int", "one_hot"):
        out = np.asarray(keras.layers.HashedCrossing(num_bins=4, output_mode=mode)((a, b)))
        shapes[f"{rank_name}_{mode}"] = {"shape": list(out.shape), "values": out.tolist(), "dtype": str(out.dtype)}
config = keras.layers.HashedCrossing(num_bins=7, output_mode="one_hot", name="cross").get_config()
with open(sys.argv[1], "w", encoding="utf-8") as handle:
    json.dump({"cases": cases, "shapes": shapes, "config": config,
               "int_config": keras.layers.HashedCrossing(num_bins=3).get_config()}, handle, ensure_ascii=False)
print(len(cases), "cases", shapes)
