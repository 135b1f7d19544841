"""Dumps Keras 3's `keras.backend.result_type` for every pair of dtypes (and Python `int`/`float`).

The table (tests/ops/fixtures/keras_result_types.json) checks lamina.ops's promotion against
Keras's: `{"float32": {"a|b": result}, "float16": {...}}` keyed by `floatx()`; an entry
"error" when Keras refuses the pair. Run with Keras installed:

    KERAS_BACKEND=jax python tools/keras_crosscheck/dump_result_types.py > tests/ops/fixtures/keras_result_types.json
"""

import itertools
import json
import sys

import keras

DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "bfloat16",
          "float16", "float32", "float64", "complex64", "complex128", "int", "float"]
PYTHON = {"int": int, "float": float}


def table():
    out = {"keras_version": keras.__version__}
    for floatx in ("float32", "float16", "float64"):
        keras.config.set_floatx(floatx)
        rows = {}
        for a, b in itertools.product(DTYPES, repeat=2):
            try:
                rows[f"{a}|{b}"] = keras.backend.result_type(PYTHON.get(a, a), PYTHON.get(b, b))
            except ValueError:
                rows[f"{a}|{b}"] = "error"
        for a in DTYPES:
            rows[a] = keras.backend.result_type(PYTHON.get(a, a))
        rows["int|float|int8"] = keras.backend.result_type(int, float, "int8")
        rows["uint8|int8|float16"] = keras.backend.result_type("uint8", "int8", "float16")
        rows["bool|int|uint8"] = keras.backend.result_type(bool, int, "uint8")
        rows[""] = keras.backend.result_type()
        out[floatx] = rows
    keras.config.set_floatx("float32")
    return out


if __name__ == "__main__":
    json.dump(table(), sys.stdout, indent=0, sort_keys=True)
    sys.stdout.write("\n")
