"""`lamina.ops.numpy` against values computed by real Keras 3.15 (JAX) on the same inputs
(tests/ops/fixtures/keras_numpy_values.*, from tools/keras_crosscheck/dump_numpy_values.py):
~300 calls covering every op family, compared in value and dtype."""

import json
import pathlib

import numpy as np
import pytest
import torch

import lamina.ops.numpy as knp
from lamina.ops.numpy._common import dtype_name

FOLDER = pathlib.Path(__file__).parent / "fixtures"
CASES = [c for c in json.loads((FOLDER / "keras_numpy_values.json").read_text())["cases"] if "error" not in c]
ARRAYS = np.load(FOLDER / "keras_numpy_values.npz")

# Index outputs that Keras-JAX (32-bit by default) gives as int32 and torch's kernels as int64.
INT64_INDICES = {"unique"}
# Keras-JAX's `size` is a Python int (int64 once converted); Keras's declared dtype, and lamina's, is int32.
DTYPE_DIFFERENCES = {("size", "int64"): "int32"}


def _build(value):
    if isinstance(value, dict) and "array" in value:
        return torch.from_numpy(ARRAYS[value["array"]].copy())
    if isinstance(value, list):
        return [_build(v) for v in value]
    return value


def _flatten(result):
    if isinstance(result, (list, tuple)):
        return [r for item in result for r in _flatten(item)]
    return [result]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['op']}-{i}" for i, c in enumerate(CASES)])
def test_values_match_keras(case):
    args = [_build(a) for a in case["args"]]
    kwargs = {k: _build(v) for k, v in case["kwargs"].items()}
    outputs = _flatten(getattr(knp, case["op"])(*args, **kwargs))
    assert len(outputs) == len(case["outputs"])
    for ours, expected in zip(outputs, case["outputs"]):
        reference = ARRAYS[expected["array"]]
        ours = ours if isinstance(ours, torch.Tensor) else torch.as_tensor(ours)
        expected_dtype = DTYPE_DIFFERENCES.get((case["op"], expected["dtype"]), expected["dtype"])
        if not (case["op"] in INT64_INDICES and dtype_name(ours.dtype) == "int64" and expected_dtype == "int32"):
            assert dtype_name(ours.dtype) == expected_dtype
        assert tuple(ours.shape) == reference.shape
        np.testing.assert_allclose(ours.detach().float().numpy() if ours.dtype == torch.bfloat16
                                   else ours.detach().numpy(), reference, rtol=2e-5, atol=2e-5, equal_nan=True)


# Ops whose result size depends on the values: they cannot run on the shape-only meta device.
VALUE_DEPENDENT = {"bincount", "corrcoef", "get_item", "histogram", "nonzero", "unique", "where"}


def test_every_call_keeps_its_inputs_device():
    """The same calls on `meta` tensors (a device other than the CPU, without data): every output
    is on the inputs' device, so no op creates a helper tensor on a hard-coded device."""
    wrong = []
    for case in CASES:
        if not _has_array(case["args"]) and not _has_array(list(case["kwargs"].values())):
            continue  # creation functions follow torch's default device (test_numpy_creation.py)
        args = [_build_on(a, "meta") for a in case["args"]]
        kwargs = {k: _build_on(v, "meta") for k, v in case["kwargs"].items()}
        try:
            outputs = _flatten(getattr(knp, case["op"])(*args, **kwargs))
        except (RuntimeError, NotImplementedError):
            assert case["op"] in VALUE_DEPENDENT, case["op"]
            continue
        wrong += [case["op"] for o in outputs if isinstance(o, torch.Tensor) and o.device.type != "meta"]
    assert not wrong


def _has_array(values):
    return any((isinstance(v, dict) and "array" in v) or (isinstance(v, list) and _has_array(v)) for v in values)


def _build_on(value, device):
    built = _build(value)
    if isinstance(built, torch.Tensor):
        return built.to(device)
    if isinstance(built, list):
        return [b.to(device) if isinstance(b, torch.Tensor) else b for b in built]
    return built


# Outputs with no gradient by nature (bool/int results, shapes, constants) are not checked; inputs
# that only give a shape (zeros_like) or a quantile level (percentile's q) may get no gradient.
NO_GRADIENT_TO_INPUT = {"percentile", "nanpercentile", "quantile", "nanquantile"}
# Inputs outside the function's domain (the normal draws include negatives) give NaN gradients.
OUTSIDE_DOMAIN = {"arccos", "arccosh", "arcsin", "arctanh", "power", "sqrt", "log", "log10", "log2", "log1p"}


def test_gradients_flow_through_every_float_call():
    """Every call with float inputs and a float output is differentiated (float64 inputs): each
    input receives a gradient, finite where the inputs are inside the function's domain."""
    problems = []
    for case in CASES:
        leaves = []

        def build(value):
            if isinstance(value, dict) and "array" in value:
                t = torch.from_numpy(ARRAYS[value["array"]].copy())
                if t.is_floating_point():
                    t = t.double().requires_grad_()
                    leaves.append(t)
                return t
            if isinstance(value, list):
                return [build(v) for v in value]
            return value

        args = [build(a) for a in case["args"]]
        kwargs = {k: build(v) for k, v in case["kwargs"].items()}
        if not leaves:
            continue
        outputs = [o for o in _flatten(getattr(knp, case["op"])(*args, **kwargs))
                   if isinstance(o, torch.Tensor) and o.is_floating_point() and o.requires_grad]
        if not outputs:
            continue
        grads = torch.autograd.grad(sum(o.sum() for o in outputs), leaves, allow_unused=True)
        if any(g is None for g in grads) and case["op"] not in NO_GRADIENT_TO_INPUT:
            problems.append((case["op"], "no gradient"))
        elif any(g is not None and not torch.isfinite(g).all() for g in grads) and case["op"] not in OUTSIDE_DOMAIN:
            problems.append((case["op"], "non-finite gradient"))
    assert not problems
