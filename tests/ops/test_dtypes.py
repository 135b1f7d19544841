"""lamina.ops._dtypes: Keras's promotion lattice (against values dumped from Keras 3) and conversion."""

import json
import pathlib

import numpy as np
import pytest
import torch

from lamina.ops._dtypes import convert_to_numpy, convert_to_tensor, result_type, standardize_dtype

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "keras_result_types.json"
KERAS = json.loads(FIXTURE.read_text())
PYTHON = {"int": int, "float": float}


@pytest.mark.parametrize("floatx", ["float32", "float16", "float64"])
def test_result_type_matches_keras_for_every_pair(floatx, floatx_set):
    floatx_set(floatx)
    mismatches = []
    for key, expected in KERAS[floatx].items():
        parts = [PYTHON.get(p, p) for p in key.split("|")] if key else []
        if key == "bool|int|uint8":
            parts[0] = bool
        try:
            got = result_type(*parts)
        except ValueError:
            got = "error"
        if got != expected:
            mismatches.append((key, expected, got))
    assert not mismatches, mismatches[:20]


@pytest.mark.parametrize("values, expected", [
    ((torch.ones(2, dtype=torch.int8), 1), "int8"),          # a Python int is weak
    ((torch.ones(2, dtype=torch.int8), 1.0), "float32"),     # a Python float gives floatx
    ((torch.ones(2, dtype=torch.float16), 2.0), "float16"),
    ((np.ones(2, dtype=np.int32), torch.ones(2)), "float32"),
    ((True, torch.ones(2, dtype=torch.uint8)), "uint8"),
    ((None,), "float32"),
])
def test_result_type_of_values(values, expected):
    assert result_type(*values) == expected


@pytest.mark.parametrize("value, dtype", [
    (1, torch.int32), (2 ** 40, torch.int64), (1.5, torch.float32), (True, torch.bool), (1j, torch.complex64),
    ([1, 2], torch.int32), ([1, 2.5], torch.float32), ([[True], [False]], torch.bool), ([], torch.float32),
    (np.ones(2), torch.float64), (np.ones(2, np.uint32), torch.int64), (np.float32(2), torch.float32),
    ([torch.ones(2), torch.zeros(2, dtype=torch.int32)], torch.float32),
])
def test_convert_to_tensor_dtypes_follow_keras_torch_backend(value, dtype):
    assert convert_to_tensor(value).dtype == dtype


def test_convert_to_tensor_passes_tensors_through_and_casts():
    x = torch.ones(3, requires_grad=True)
    assert convert_to_tensor(x) is x
    assert convert_to_tensor(x, dtype="float16").dtype == torch.float16
    assert convert_to_tensor([1, 2], dtype="float64").dtype == torch.float64


@pytest.mark.parametrize("kwargs, match", [
    ({"sparse": True}, "sparse=True"), ({"ragged": True}, "ragged=True"), ({"dtype": "float128"}, "Invalid dtype"),
])
def test_convert_to_tensor_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        convert_to_tensor([1.0], **kwargs)


@pytest.mark.parametrize("value, match", [
    ([[1, 2], [3]], "rectangular"), ("abc", "cannot convert"), ({"a": 1}, "cannot convert"),
])
def test_convert_to_tensor_refuses_non_numbers(value, match):
    with pytest.raises(ValueError, match=match):
        convert_to_tensor(value)


def test_convert_to_tensor_refuses_symbolic_tensors():
    import lamina

    with pytest.raises(ValueError, match="symbolic tensor"):
        convert_to_tensor(lamina.Input((3,)))


def test_convert_to_numpy():
    x = torch.ones(2, dtype=torch.bfloat16, requires_grad=True)
    out = convert_to_numpy(x)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    assert convert_to_numpy([torch.ones(2), torch.zeros(2)]).shape == (2, 2)


@pytest.mark.parametrize("dtype, name", [
    (None, "float32"), ("float32", "float32"), (int, "int32"), (float, "float32"), (bool, "bool"),
    (np.float64, "float64"), (np.dtype("int16"), "int16"), (torch.bfloat16, "bfloat16"), ("torch.int8", "int8"),
])
def test_standardize_dtype(dtype, name):
    assert standardize_dtype(dtype) == name
