"""Dumps Keras 3.15's symbolic output shapes and dtypes of `keras.ops.numpy` calls.

Each case calls an op on `keras.KerasTensor`s with unknown (None) batch dimensions and records
what Keras's `compute_output_spec` answers. The cases and answers go to
`tests/ops/fixtures/keras_numpy_symbolic.json`, replayed on `lamina.Input` tensors by
tests/ops/test_numpy_symbolic.py.

    KERAS_BACKEND=jax python tools/keras_crosscheck/dump_numpy_symbolic.py
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
from keras import ops  # noqa: E402


def T(*shape, dtype="float32"):  # noqa: N802 - a symbolic tensor in a case
    return {"t": [list(shape), dtype]}


N = None
X = T(N, 3, 4)
XI = T(N, 3, 4, dtype="int32")
M = T(N, 4, 5)
V = T(N, 4)

UNARY = ["abs", "absolute", "fabs", "negative", "sign", "signbit", "sqrt", "square", "cbrt", "reciprocal", "exp",
         "exp2", "expm1", "log", "log10", "log1p", "log2", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh",
         "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg", "sinc", "i0", "ceil", "floor",
         "trunc", "round", "copy", "real", "imag", "conj", "conjugate", "angle", "nan_to_num", "isfinite", "isinf",
         "isnan", "isneginf", "isposinf", "isreal", "logical_not", "ravel", "flip", "fliplr", "flipud", "rot90",
         "sort", "argsort", "zeros_like", "ones_like", "empty_like", "transpose", "squeeze", "tril", "triu",
         "diagonal", "trace", "corrcoef", "bitwise_not", "bitwise_invert"]
BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "divide_no_nan", "floor_divide", "mod", "fmod",
          "power", "maximum", "minimum", "fmax", "fmin", "arctan2", "hypot", "heaviside", "logaddexp",
          "logaddexp2", "nextafter", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
          "logical_and", "logical_or", "logical_xor", "isclose"]
REDUCE = ["sum", "prod", "mean", "max", "min", "amax", "amin", "all", "any", "std", "var", "ptp", "median",
          "nansum", "nanprod", "nanmean", "nanmax", "nanmin", "nanstd", "nanvar", "nanmedian", "argmax", "argmin",
          "nanargmax", "nanargmin"]

CASES = []
for name in UNARY:
    CASES.append([name, [XI if name.startswith("bitwise") else (T(N, 4) if name == "corrcoef" else X)], {}])
for name in BINARY:
    CASES.append([name, [X, T(N, 1, 4)], {}])
    CASES.append([name, [X, 2.0], {}])
for name in REDUCE:
    for kwargs in ({}, {"axis": 1}, {"axis": -1, "keepdims": True}):
        if name.startswith(("arg", "nanarg")) and kwargs == {}:
            continue
        CASES.append([name, [X], kwargs])
    if not name.startswith(("arg", "nanarg")):
        CASES.append([name, [X], {"axis": [0, 2]}])
for name in ["bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift", "bitwise_left_shift",
             "bitwise_right_shift", "gcd", "lcm"]:
    CASES.append([name, [XI, T(N, 1, 4, dtype="int32")], {}])
CASES += [
    ["cumsum", [X], {"axis": 1}], ["cumprod", [X], {}], ["nancumsum", [X], {"axis": -1}], ["nancumprod", [X], {"axis": 0}],
    ["count_nonzero", [X], {"axis": 1}], ["count_nonzero", [X], {}], ["average", [X], {"axis": 1}],
    ["average", [X], {"axis": 2, "weights": T(4)}],
    ["quantile", [X, 0.5], {"axis": 1}], ["quantile", [X, T(3)], {"axis": -1, "keepdims": True}],
    ["percentile", [X, 50.0], {}], ["nanquantile", [X, 0.5], {"axis": 2}], ["nanpercentile", [X, 50.0], {"axis": 1}],
    ["diff", [X], {}], ["diff", [X], {"n": 2, "axis": 1}], ["trapezoid", [X], {}], ["trapezoid", [X], {"axis": 1}],
    ["clip", [X, 0.0, 1.0], {}], ["clip", [XI, 0, 1], {}], ["ldexp", [X, XI], {}],
    ["reshape", [X, [-1, 12]], {}], ["reshape", [X, [-1]], {}], ["transpose", [X, [2, 0, 1]], {}],
    ["swapaxes", [X, 0, 2], {}], ["moveaxis", [X, 0, -1], {}], ["expand_dims", [X, 1], {}], ["expand_dims", [X, [0, -1]], {}],
    ["squeeze", [T(N, 1, 4)], {"axis": 1}], ["broadcast_to", [T(1, 4), [3, 4]], {}], ["flip", [X, 1], {}],
    ["roll", [X, 1], {"axis": 2}], ["tile", [X, [1, 2, 3]], {}], ["repeat", [X, 2], {"axis": 1}],
    ["concatenate", [[X, X]], {"axis": -1}], ["concatenate", [[X, T(N, 2, 4)]], {"axis": 1}], ["stack", [[X, X]], {"axis": 1}],
    ["hstack", [[X, X]], {}], ["vstack", [[X, X]], {}], ["dstack", [[X, X]], {}], ["append", [X, X], {"axis": 1}],
    ["split", [X, 2], {"axis": 2}], ["split", [X, [1]], {"axis": 1}], ["array_split", [X, 3], {"axis": 2}],
    ["hsplit", [X, 3], {}], ["dsplit", [X, 2], {}],
    ["pad", [X, [[0, 0], [1, 1], [2, 0]]], {}], ["take", [X, T(2, dtype="int32")], {"axis": 1}],
    ["take_along_axis", [X, T(N, 3, 2, dtype="int32")], {"axis": 2}], ["diag", [T(4)], {}], ["diag", [T(4, 5)], {"k": 1}],
    ["diagflat", [T(2, 3)], {}], ["diagonal", [X], {"offset": 1, "axis1": 1, "axis2": 2}], ["tril", [X], {"k": -1}],
    ["trace", [X], {"axis1": 1, "axis2": 2}], ["meshgrid", [T(3), T(4)], {}], ["meshgrid", [T(3), T(4)], {"indexing": "ij"}],
    ["view", [X], {"dtype": "int32"}],
    ["matmul", [X, M], {}], ["matmul", [X, T(4)], {}], ["dot", [X, M], {}], ["inner", [X, T(2, 4)], {}],
    ["outer", [T(3), T(4)], {}], ["tensordot", [X, T(4, 2)], {"axes": 1}], ["tensordot", [X, T(3, 4, 2)], {"axes": 2}],
    ["einsum", ["bij,bjk->bik", X, M], {}], ["kron", [T(2, 3), T(4, 5)], {}], ["cross", [T(N, 3), T(N, 3)], {}],
    ["vdot", [T(3, 4), T(3, 4)], {}], ["correlate", [T(7), T(3)], {}], ["correlate", [T(7), T(3)], {"mode": "full"}],
    ["where", [T(N, 3, 4, dtype="bool"), X, 0.0], {}], ["select", [[T(N, 4, dtype="bool")], [V]], {}],
    ["isin", [X, T(5)], {}], ["allclose", [X, X], {}],
    ["searchsorted", [T(5), X], {}], ["digitize", [X, T(5)], {}], ["argpartition", [X, 1], {}],
    ["full_like", [X, 2.0], {}], ["zeros_like", [XI], {"dtype": "float16"}], ["vander", [T(3)], {"N": 4}],
    ["slogdet", [T(N, 3, 3)], {}], ["histogram", [T(10)], {"bins": 5}],
    ["array", [X], {}], ["get_item", [X, 1], {}], ["unravel_index", [T(N, 2, dtype="int32"), [3, 4]], {}],
    ["nonzero", [X], {}], ["where", [T(N, 3, dtype="bool")], {}], ["repeat", [X, [1, 2, 0]], {"axis": 1}], ["unique", [T(10, dtype="int32")], {}], ["bincount", [T(10, dtype="int32")], {"minlength": 6}],
    ["ndim", [X], {}], ["size", [X], {}],
]


def build(value):
    if isinstance(value, dict) and "t" in value:
        shape, dtype = value["t"]
        return keras.KerasTensor(tuple(shape), dtype=dtype)
    if isinstance(value, list):
        return [build(v) for v in value]
    return value


def describe(result):
    if isinstance(result, (list, tuple)):
        return [describe(r) for r in result]
    if isinstance(result, keras.KerasTensor):
        return {"shape": list(result.shape), "dtype": result.dtype}
    return {"value": repr(result)}


def main():
    out = []
    for name, args, kwargs in CASES:
        built_args = [build(a) for a in args]
        built_kwargs = {k: build(v) for k, v in kwargs.items()}
        try:
            result = describe(getattr(ops, name)(*built_args, **built_kwargs))
        except Exception as error:  # noqa: BLE001 - recorded: Keras refuses this call
            result = {"error": f"{type(error).__name__}: {str(error)[:200]}"}
        out.append({"op": name, "args": args, "kwargs": kwargs, "keras": result})
    path = pathlib.Path(__file__).resolve().parents[2] / "tests" / "ops" / "fixtures" / "keras_numpy_symbolic.json"
    path.write_text(json.dumps({"keras_version": keras.__version__, "cases": out}, indent=0))
    print(f"wrote {len(out)} cases to {path}")


if __name__ == "__main__":
    main()
