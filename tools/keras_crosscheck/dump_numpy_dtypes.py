"""Dumps Keras 3.15's output dtypes of `keras.ops.numpy` functions for every input dtype.

Keras declares each op's output dtype in its Operation's `compute_output_spec`, the same on every
backend; calling the op on symbolic `keras.KerasTensor`s reads it without running a backend.
The result is `tests/ops/fixtures/keras_numpy_dtypes.json`, read by tests/ops/test_numpy_dtypes.py.

Run with real Keras (any backend):
    KERAS_BACKEND=jax python tools/keras_crosscheck/dump_numpy_dtypes.py
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
from keras import ops  # noqa: E402

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "bfloat16", "float16", "float32", "float64"]
PAIR_DTYPES = ["bool", "uint8", "int8", "int32", "int64", "bfloat16", "float16", "float32", "float64"]

UNARY = [
    "abs", "absolute", "fabs", "negative", "sign", "sqrt", "square", "cbrt", "reciprocal", "exp", "exp2",
    "expm1", "log", "log10", "log1p", "log2", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh",
    "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg", "sinc", "i0", "ceil", "floor",
    "trunc", "round", "copy", "real", "imag", "conj", "conjugate", "angle", "nan_to_num", "signbit",
    "isfinite", "isinf", "isnan", "isneginf", "isposinf", "isreal", "logical_not",
    "sum", "prod", "mean", "max", "min", "amax", "amin", "all", "any", "std", "var", "ptp", "median",
    "argmax", "argmin", "nanargmax", "nanargmin", "nansum", "nanprod", "nanmean", "nanmax", "nanmin",
    "nanstd", "nanvar", "nanmedian", "cumsum", "cumprod", "nancumsum", "nancumprod", "count_nonzero",
    "average", "ravel", "flip", "sort", "argsort", "zeros_like", "ones_like", "size", "diff", "trapezoid",
]
BINARY = [
    "add", "subtract", "multiply", "divide", "true_divide", "divide_no_nan", "floor_divide", "mod", "fmod",
    "power", "maximum", "minimum", "fmax", "fmin", "arctan2", "hypot", "heaviside", "logaddexp",
    "logaddexp2", "nextafter", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
    "logical_and", "logical_or", "logical_xor", "isclose", "matmul", "dot", "vdot", "inner", "outer",
    "tensordot", "kron", "append", "isin",
]
MATRIX_BINARY = {"matmul", "dot", "inner", "tensordot"}


def spec(shape, dtype):
    return keras.KerasTensor(shape, dtype=dtype)


def main():
    out = {"keras_version": keras.__version__, "unary": {}, "binary": {}}
    for name in UNARY:
        fn = getattr(ops, name)
        out["unary"][name] = {}
        for dtype in DTYPES:
            try:
                result = fn(spec((3, 4), dtype))
                out["unary"][name][dtype] = result.dtype
            except Exception as error:  # noqa: BLE001 - recorded: Keras refuses this dtype
                out["unary"][name][dtype] = f"error: {type(error).__name__}"
    for name in BINARY:
        fn = getattr(ops, name)
        out["binary"][name] = {}
        shape1, shape2 = ((3, 4), (4, 3)) if name in MATRIX_BINARY else ((3, 4), (3, 4))
        if name == "tensordot":
            shape2 = (3, 4)
        for d1 in PAIR_DTYPES:
            for d2 in PAIR_DTYPES:
                try:
                    if name == "tensordot":
                        result = fn(spec(shape1, d1), spec(shape2, d2), axes=2)
                    else:
                        result = fn(spec(shape1, d1), spec(shape2, d2))
                    out["binary"][name][f"{d1},{d2}"] = result.dtype
                except Exception as error:  # noqa: BLE001
                    out["binary"][name][f"{d1},{d2}"] = f"error: {type(error).__name__}"
    path = pathlib.Path(__file__).resolve().parents[2] / "tests" / "ops" / "fixtures" / "keras_numpy_dtypes.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=0, sort_keys=True))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
