"""Output dtypes of `lamina.ops.numpy` against Keras 3.15 (tests/ops/fixtures/keras_numpy_dtypes.json,
made by tools/keras_crosscheck/dump_numpy_dtypes.py from Keras's own output specs), for every
input dtype (unary ops) and every pair of input dtypes (binary ops).

Two rules explain every difference, and the test checks that nothing else differs:
- 64-bit kept: Keras maps 64-bit results to 32 bits (JAX's default); lamina keeps float64/int64
  when an input has it, as torch, NumPy and Keras's torch backend do for most ops.
- torch has no uint32 arithmetic: sums and products of uint8 accumulate in int32 (Keras's torch
  backend does the same), and `reciprocal` keeps float16/bfloat16 (Keras's torch backend too).
"""

import json
import pathlib

import pytest
import torch

import lamina.ops.numpy as np_ops
from lamina.ops.numpy._common import dtype_name, torch_dtype

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "keras_numpy_dtypes.json").read_text())
MATRIX = {"matmul", "dot", "inner"}
TWIN_64 = {"float32": "float64", "int32": "int64", "uint32": "uint64"}
TORCH_LIMITS = {
    ("sum", "uint8"): "int32", ("nansum", "uint8"): "int32", ("prod", "uint8"): "int32",
    ("nanprod", "uint8"): "int32", ("reciprocal", "float16"): "float16", ("reciprocal", "bfloat16"): "bfloat16",
}


def _tensor(shape, dtype):
    if dtype == "bool":
        return torch.ones(shape, dtype=torch.bool)
    return torch.full(shape, 2, dtype=torch_dtype(dtype))


def _explained(keras_dtype, ours, inputs):
    return TWIN_64.get(keras_dtype) == ours and any("64" in d for d in inputs)


def _result_dtype(result):
    return dtype_name(result.dtype)


@pytest.mark.parametrize("name", sorted(FIXTURE["unary"]))
def test_unary_dtypes_match_keras(name):
    fn = getattr(np_ops, name)
    wrong = []
    for dtype, expected in FIXTURE["unary"][name].items():
        if expected.startswith("error"):
            continue
        ours = _result_dtype(fn(_tensor((3, 4), dtype)))
        if ours == expected or _explained(expected, ours, [dtype]):
            continue
        if TORCH_LIMITS.get((name, dtype)) == ours:
            continue
        wrong.append((dtype, expected, ours))
    assert not wrong, f"(input, keras, lamina): {wrong}"


@pytest.mark.parametrize("name", sorted(FIXTURE["binary"]))
def test_binary_dtypes_match_keras(name):
    fn = getattr(np_ops, name)
    shape2 = (4, 3) if name in MATRIX else (3, 4)
    wrong = []
    for pair, expected in FIXTURE["binary"][name].items():
        if expected.startswith("error"):
            continue
        d1, d2 = pair.split(",")
        args = (_tensor((3, 4), d1), _tensor(shape2, d2))
        ours = _result_dtype(fn(*args, axes=2) if name == "tensordot" else fn(*args))
        if ours == expected or _explained(expected, ours, [d1, d2]):
            continue
        wrong.append((pair, expected, ours))
    assert not wrong, f"(inputs, keras, lamina): {wrong}"


@pytest.mark.parametrize(
    "value, dtype, expected",
    [(2, "int8", "int8"), (2, "float16", "float16"), (2.5, "int32", "float32"), (2.5, "bfloat16", "bfloat16"),
     (True, "int16", "int16"), (2, "bool", "int32")],
)
def test_python_scalars_are_weak(value, dtype, expected):
    assert dtype_name(np_ops.add(_tensor((2,), dtype), value).dtype) == expected
    assert dtype_name(np_ops.maximum(_tensor((2,), dtype), value).dtype) == expected


def test_float64_is_kept():
    x = torch.ones(3, dtype=torch.float64)
    for fn in (np_ops.mean, np_ops.sqrt, np_ops.var, np_ops.std, np_ops.median):
        assert fn(x).dtype == torch.float64, fn.__name__
    assert np_ops.divide(x, 2).dtype == torch.float64
