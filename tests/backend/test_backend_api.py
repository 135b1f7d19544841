"""lamina.backend as keras.backend (14 names) and lamina.config-backed helpers."""

import numpy as np
import pytest
import torch

import lamina
from lamina import backend


def test_keras_names():
    names = ["backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format", "is_float_dtype",
             "is_int_dtype", "is_keras_tensor", "result_type", "set_epsilon", "set_floatx",
             "set_image_data_format", "standardize_dtype"]
    assert all(callable(getattr(backend, n)) for n in names)
    assert backend.backend() == "torch"


STANDARDIZE = [
    (None, "float32"), ("float16", "float16"), (torch.bfloat16, "bfloat16"), (np.float64, "float64"),
    (np.dtype("int8"), "int8"), (int, "int32"), (float, "float32"), (bool, "bool"), ("int", "int32"),
    (torch.uint8, "uint8"), ("uint32", "uint32"), (torch.float32, "float32"),
]


@pytest.mark.parametrize("dtype,name", STANDARDIZE)
def test_standardize_dtype_answers_keras_names(dtype, name):
    assert backend.standardize_dtype(dtype) == name


def test_standardize_dtype_error():
    with pytest.raises(ValueError, match="Invalid dtype: nope"):
        backend.standardize_dtype("nope")


def test_dtype_predicates():
    assert backend.is_int_dtype("uint8") and backend.is_int_dtype(torch.int64) and not backend.is_int_dtype("float32")
    assert backend.is_float_dtype("bfloat16") and not backend.is_float_dtype("int32")
    assert backend.to_torch_dtype("float16") is torch.float16


def test_is_keras_tensor():
    assert backend.is_keras_tensor(lamina.Input((3,)))
    assert not backend.is_keras_tensor(torch.ones(3))


def test_get_uid_counts_per_prefix_and_resets():
    assert (backend.get_uid("x"), backend.get_uid("x"), backend.get_uid()) == (1, 2, 1)
    backend.clear_session()  # the default free_memory=True also runs gc.collect()
    assert backend.get_uid("x") == 1


def test_clear_session_free_memory_argument():
    lamina.layers.Dense(2)
    backend.clear_session(free_memory=False)
    assert lamina.layers.Dense(2).name == "dense"
