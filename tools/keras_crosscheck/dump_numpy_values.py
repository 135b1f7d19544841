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


def V(values, dtype="float32"):  # noqa: N802 - literal data in a case
    return {"v": [values, dtype]}


# Value-only cases (creation functions, exact data, Keras-specific edge cases), after the symbolic ones.
EXTRA_CASES = [
    ["arange", [5], {}], ["arange", [1, 7, 2], {}], ["arange", [0.5, 3.0, 0.5], {}], ["arange", [5, 1, -1], {}],
    ["arange", [3], {"dtype": "float32"}],
    ["linspace", [0.0, 2.0, 5], {}], ["linspace", [0.0, 2.0, 5], {"endpoint": False}], ["linspace", [0, 10, 4], {"dtype": "int32"}],
    ["logspace", [0.0, 2.0, 3], {}], ["logspace", [0.0, 3.0, 4], {"base": 2}], ["geomspace", [1.0, 1000.0, 4], {}],
    ["zeros", [[2, 3]], {}], ["ones", [4], {"dtype": "int8"}], ["full", [[2, 3], 7], {}], ["full", [[2], 7.5], {}],
    ["eye", [3], {}], ["eye", [3, 4, 1], {}], ["eye", [4, 2, -1], {}], ["identity", [3], {}], ["tri", [3, 4, 1], {}],
    ["bartlett", [5], {}], ["blackman", [6], {}], ["hamming", [5], {}], ["hanning", [7], {}], ["kaiser", [6, 5.0], {}],
    ["take", [V([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), V([-1, 0], "int32")], {"axis": 1}],
    ["take", [V([1.0, 2.0, 3.0]), V([[0, 2], [1, -1]], "int32")], {}],
    ["argsort", [V([True, False, True, False], "bool")], {}], ["sort", [V([3.0, 1.0, 2.0, -1.0])], {}],
    ["searchsorted", [V([1.0, 2.0, 2.0, 5.0]), V([2.0, 3.0])], {"side": "right"}],
    ["digitize", [V([-1.0, 0.0, 1.2, 2.5, 7.0]), V([0.0, 1.0, 2.5, 4.0])], {}],
    ["unique", [V([3, 1, 3, 2, 1, 7], "int32")], {}],
    ["unique", [V([3, 1, 3, 2, 1, 7], "int32")], {"return_inverse": True, "return_counts": True}],
    ["unique", [V([3, 1, 3, 2], "int32")], {"size": 5, "fill_value": -1}],
    ["bincount", [V([0, 1, 1, 3, 1], "int32")], {}], ["bincount", [V([0, 1, 1, 3], "int32")], {"minlength": 6}],
    ["bincount", [V([0, 1, 1, 3], "int32")], {"weights": V([0.5, 1.0, 1.0, 2.0])}],
    ["histogram", [V([1.0, 2.0, 2.0, 3.0, 4.5])], {"bins": 3}],
    ["histogram", [V([1.0, 2.0, 2.0, 3.0, 4.5])], {"bins": 4, "range": [0.0, 4.0]}],
    ["pad", [V([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), [[1, 2], [2, 1]]], {"mode": "symmetric"}],
    ["pad", [V([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), [[1, 1], [2, 2]]], {"mode": "reflect"}],
    ["pad", [V([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), [[1, 0], [0, 2]]], {"mode": "edge"}],
    ["pad", [V([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), [[1, 0], [1, 1]]], {"mode": "wrap"}],
    ["pad", [V([[1, 2], [3, 4]], "int32"), 1], {"constant_values": 9}],
    ["round", [V([0.5, 1.5, 2.5, -0.5, 1.2345])], {}], ["round", [V([0.5, 1.5, 2.567])], {"decimals": 2}],
    ["round", [V([1234, -1567], "int32")], {"decimals": -2}],
    ["clip", [V([-2, 0, 5], "int32"), 0, 3], {}], ["clip", [V([-2.0, 0.5, 5.0]), -1, 1.5], {}],
    ["cumsum", [V([1, 2, 3], "int8")], {}], ["cumprod", [V([True, True, False], "bool")], {}],
    ["average", [V([1.0, 2.0, 4.0])], {"weights": V([1.0, 1.0, 2.0])}],
    ["trapezoid", [V([1.0, 2.0, 4.0])], {"x": V([0.0, 1.0, 3.0])}], ["trapezoid", [V([1.0, 2.0, 4.0])], {"dx": 0.5}],
    ["cross", [V([[1.0, 0.0, 0.0]]), V([[0.0, 1.0, 0.0]])], {}], ["cross", [V([1.0, 2.0]), V([3.0, 4.0])], {}],
    ["correlate", [V([1.0, 2.0, 3.0, 4.0]), V([0.0, 1.0, 0.5])], {"mode": "same"}],
    ["correlate", [V([1.0, 2.0]), V([0.0, 1.0, 0.5])], {"mode": "full"}],
    ["select", [[V([True, False, False], "bool"), V([False, True, False], "bool")], [V([1.0, 2.0, 3.0]), V([4.0, 5.0, 6.0])]], {"default": -1.0}],
    ["isin", [V([1, 2, 3], "int32"), V([2, 5], "int32")], {"invert": True}],
    ["meshgrid", [V([1.0, 2.0]), V([3.0, 4.0, 5.0]), V([6.0])], {"indexing": "ij"}],
    ["split", [V([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), [1, 4]], {}], ["array_split", [V([1.0, 2.0, 3.0, 4.0, 5.0]), 3], {}],
    ["repeat", [V([[1.0, 2.0], [3.0, 4.0]]), 2], {}], ["tile", [V([1.0, 2.0]), [2, 2]], {}],
    ["roll", [V([[1.0, 2.0], [3.0, 4.0]]), 1], {}], ["rot90", [V([[1.0, 2.0], [3.0, 4.0]])], {"k": -1}],
    ["diag", [V([1.0, 2.0])], {"k": 1}], ["vander", [V([1.0, 2.0, 3.0])], {"increasing": True}],
    ["nan_to_num", [V([float("nan"), float("inf"), -float("inf"), 1.0])], {"posinf": 9.0}],
    ["divide_no_nan", [V([1.0, 2.0, 0.0]), V([0.0, 4.0, 0.0])], {}], ["floor_divide", [V([7, -7], "int32"), 2], {}],
    ["mod", [V([7, -7], "int32"), 3], {}], ["fmod", [V([7.0, -7.0]), 3.0], {}], ["power", [V([2, 3], "int32"), 2], {}],
    ["sign", [V([-2.0, 0.0, float("nan"), 3.0])], {}], ["cbrt", [V([8.0, -27.0])], {}],
    ["argmax", [V([[1.0, 5.0, 5.0], [7.0, 4.0, 7.0]])], {"axis": 1}], ["argmin", [V([3.0, 1.0, 1.0])], {}],
    ["nanargmax", [V([1.0, float("nan"), 3.0])], {}], ["max", [V([[1.0, 5.0], [3.0, 4.0]])], {"axis": 0, "initial": 4.5}],
    ["median", [V([1.0, 2.0, 3.0, 4.0])], {}], ["quantile", [V([1.0, 2.0, 3.0, 4.0]), 0.3], {"method": "nearest"}],
    ["percentile", [V([1.0, 2.0, 3.0, 4.0]), V([10.0, 90.0])], {"method": "midpoint"}],
    ["count_nonzero", [V([[0, 1], [2, 3]], "int32")], {"axis": 0}], ["ptp", [V([[1, 5], [3, 4]], "int32")], {"axis": 1}],
    ["diff", [V([1, 4, 9, 16], "int32")], {"n": 2}], ["ldexp", [V([1.0, 3.0]), V([2, 1], "int32")], {}],
    ["logaddexp", [V([0.0, 100.0]), V([0.0, 100.0])], {}], ["heaviside", [V([-1.0, 0.0, 2.0]), 0.5], {}],
    ["matmul", [V([[1, 2], [3, 4]], "int8"), V([[5, 6], [7, 8]], "int8")], {}],
    ["einsum", ["i,i->", V([1, 2, 3], "int8"), V([4, 5, 6], "int8")], {}],
    ["mean", [V([1, 2, 4], "int32")], {}], ["sum", [V([True, True, False], "bool")], {}],
    ["prod", [V([1, 2, 3], "int8")], {}], ["std", [V([1, 2, 3, 4], "int32")], {}],
    ["unravel_index", [V([5, 22], "int32"), [2, 3, 4]], {}], ["nonzero", [V([[0, 3], [4, 0]], "int32")], {}],
    ["where", [V([[True, False], [False, True]], "bool")], {}],
    ["get_item", [V([[1.0, 2.0], [3.0, 4.0]]), V([True, False], "bool")], {}],
]


def make(value, rng, arrays, prefix, value_range=None):
    if isinstance(value, dict) and "v" in value:
        data, dtype = value["v"]
        key = f"{prefix}_{len(arrays)}"
        arrays[key] = np.asarray(data, dtype=dtype)
        return arrays[key], {"array": key}
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
    for index, (name, args, kwargs) in enumerate(CASES + EXTRA_CASES):
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
