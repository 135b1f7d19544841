"""Runs the calls of dump_numpy_symbolic.py on concrete data with real Keras 3.15 and saves the
inputs, outputs and output dtypes, so tests/ops/test_numpy_keras_values.py replays them on lamina
without Keras.

    KERAS_BACKEND=jax python tools/keras_crosscheck/dump_numpy_values.py

Unknown (None) dimensions become 2; floats are drawn from a normal distribution, integers from
[0, 5), so a few domain errors (log of negatives) give NaN in both frameworks.
"""

import json
import os
import pathlib
import sys

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, str(pathlib.Path(__file__).parent))

import keras  # noqa: E402
from dump_numpy_symbolic import CASES  # noqa: E402
from keras import ops  # noqa: E402

# Calls whose results are not comparable value by value: uninitialized memory and, for
# argpartition, any valid partition (checked by property in the NumPy tests instead).
SKIP = {"empty_like", "argpartition"}


# Arguments that need values in a range: (op, position) -> (low, high) of a uniform draw.
RANGES = {("quantile", 1): (0.0, 1.0), ("take", 1): (0, 2), ("take_along_axis", 1): (0, 2)}


def make(value, rng, arrays, prefix, value_range=None):
    if isinstance(value, dict) and "t" in value:
        shape, dtype = value["t"]
        shape = tuple(2 if d is None else d for d in shape)
        if value_range is not None:
            low, high = value_range
            array = (rng.integers(low, high, shape) if "int" in dtype else rng.uniform(low, high, shape)).astype(dtype)
        elif dtype == "bool":
            array = rng.random(shape) > 0.5
        elif "int" in dtype:
            array = rng.integers(0, 5, shape).astype(dtype)
        else:
            array = rng.normal(size=shape).astype(dtype)
        key = f"{prefix}_{len(arrays)}"
        arrays[key] = array
        return array, {"array": key}
    if isinstance(value, list):
        built = [make(v, rng, arrays, prefix) for v in value]
        return [b[0] for b in built], [b[1] for b in built]
    return value, value


def flatten(result):
    if isinstance(result, (list, tuple)):
        return [r for item in result for r in flatten(item)]
    return [result]


def main():
    arrays, cases = {}, []
    for index, (name, args, kwargs) in enumerate(CASES):
        if name in SKIP:
            continue
        rng = np.random.default_rng(index)
        prefix = f"c{index}"
        built_args, recorded_args = zip(*[make(a, rng, arrays, prefix, RANGES.get((name, i)))
                                          for i, a in enumerate(args)]) if args else ((), ())
        built_kwargs, recorded_kwargs = {}, {}
        for key, value in kwargs.items():
            built_kwargs[key], recorded_kwargs[key] = make(value, rng, arrays, prefix)
        try:
            result = getattr(ops, name)(*built_args, **built_kwargs)
        except Exception as error:  # noqa: BLE001 - Keras refuses this call with data
            cases.append({"op": name, "args": list(recorded_args), "kwargs": recorded_kwargs,
                          "error": f"{type(error).__name__}: {str(error)[:200]}"})
            continue
        outputs = []
        for j, item in enumerate(flatten(result)):
            value = np.asarray(keras.ops.convert_to_numpy(item))
            key = f"{prefix}_out{j}"
            arrays[key] = value
            outputs.append({"array": key, "dtype": keras.backend.standardize_dtype(getattr(item, "dtype", value.dtype))})
        cases.append({"op": name, "args": list(recorded_args), "kwargs": recorded_kwargs, "outputs": outputs})
    folder = pathlib.Path(__file__).resolve().parents[2] / "tests" / "ops" / "fixtures"
    np.savez_compressed(folder / "keras_numpy_values.npz", **arrays)
    (folder / "keras_numpy_values.json").write_text(json.dumps({"keras_version": keras.__version__, "cases": cases}))
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main()
