"""`lamina.ops.numpy` on symbolic tensors: the output shapes and dtypes Keras 3.15 gives for the
same calls (tests/ops/fixtures/keras_numpy_symbolic.json, from
tools/keras_crosscheck/dump_numpy_symbolic.py), and ops inside Functional models."""

import json
import pathlib

import numpy as np
import pytest
import torch

import lamina
import lamina.ops.numpy as knp
from lamina.ops.numpy._common import dtype_name

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "keras_numpy_symbolic.json").read_text())
CASES = [c for c in FIXTURE["cases"] if "error" not in c["keras"]]

# Where Keras's own output spec is wrong, lamina answers what the op really returns:
# `slogdet` of (None, 3, 3) gives two (None,) tensors; `ndim` is the rank, a Python int;
# `corrcoef` of (rows, observations) is (rows, rows); `where(condition)` gives one int32 index tensor per axis (Keras's spec answers the input shape).
# 64-bit results are kept (see test_numpy_dtypes.py); no case here has a 64-bit input.
KERAS_SPEC_BUGS = {
    "slogdet": [{"shape": [None], "dtype": "float32"}, {"shape": [None], "dtype": "float32"}],
    "ndim": {"value": "3"},
    "where": [{"shape": [None], "dtype": "int32"}, {"shape": [None], "dtype": "int32"}],
    "corrcoef": {"shape": [None, None], "dtype": "float32"},
}


def _build(value):
    if isinstance(value, dict) and "t" in value:
        shape, dtype = value["t"]
        return lamina.Input(batch_shape=tuple(shape), dtype=dtype)
    if isinstance(value, list):
        return [_build(v) for v in value]
    return value


def _describe(result):
    if isinstance(result, (list, tuple)):
        return [_describe(r) for r in result]
    if isinstance(result, lamina.KerasTensor):
        return {"shape": list(result.shape), "dtype": dtype_name(result.dtype)}
    return {"value": repr(result)}


@pytest.mark.parametrize("case", CASES, ids=[f"{c['op']}-{i}" for i, c in enumerate(CASES)])
def test_symbolic_shape_and_dtype_match_keras(case):
    args = [_build(a) for a in case["args"]]
    kwargs = {k: _build(v) for k, v in case["kwargs"].items()}
    expected = case["keras"]
    if case["op"] in KERAS_SPEC_BUGS and (case["op"] != "where" or len(case["args"]) == 1):
        expected = KERAS_SPEC_BUGS[case["op"]]
    assert _describe(getattr(knp, case["op"])(*args, **kwargs)) == expected


def test_functional_model_built_from_numpy_ops_runs():
    inputs = lamina.Input(shape=(3, 4))
    x = knp.transpose(inputs, (0, 2, 1))
    x = knp.matmul(x, inputs)
    x = knp.sqrt(knp.abs(x) + 1.0)
    x = knp.concatenate([knp.mean(x, axis=-1), knp.max(x, axis=1)], axis=-1)
    x = knp.where(x > 2.0, x, knp.zeros_like(x))
    model = lamina.Model(inputs, x)
    assert model.output_shape == (None, 8)
    data = np.random.default_rng(0).normal(size=(2, 3, 4)).astype(np.float32)
    out = model(torch.from_numpy(data))
    t = np.transpose(data, (0, 2, 1)) @ data
    t = np.sqrt(np.abs(t) + 1.0)
    t = np.concatenate([t.mean(-1), t.max(1)], -1)
    np.testing.assert_allclose(out.detach().numpy(), np.where(t > 2.0, t, 0.0), rtol=1e-5)


def test_bad_symbolic_shapes_fail_at_graph_construction():
    a = lamina.Input(shape=(3, 4))
    b = lamina.Input(shape=(5, 4))
    with pytest.raises(ValueError, match=r"ops.matmul: the last axis of `x1` \(4\) must match"):
        knp.matmul(a, b)
    with pytest.raises(ValueError, match="ops.add: the shapes of"):
        knp.add(a, b)
