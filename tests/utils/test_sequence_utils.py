"""pad_sequences against Keras 3's outputs (tests/utils/keras_values/pad_sequences.json)."""

import json
import os

import numpy as np
import pytest

from lamina.utils import pad_sequences

_VALUES = json.load(open(os.path.join(os.path.dirname(__file__), "keras_values", "pad_sequences.json")))


@pytest.mark.parametrize("case", _VALUES["cases"], ids=lambda c: str(c["kwargs"]))
def test_pad_sequences_matches_keras(case):
    kwargs = dict(case["kwargs"])
    if case.get("vectors"):
        sequences = [np.arange(4).reshape(2, 2), np.arange(6).reshape(3, 2) + 10]
    elif case.get("strings"):
        sequences = [["a"], ["b", "c"]]
        kwargs["dtype"] = object
    else:
        sequences = _VALUES["sequences"]
    result = pad_sequences(sequences, **kwargs)
    assert result.tolist() == case["result"]
    assert str(result.dtype) == case["dtype"]


@pytest.mark.parametrize("kwargs, match", [
    (dict(padding="middle"), "padding='middle' is not understood"),
    (dict(truncating="both"), "truncating='both' is not understood"),
    (dict(value="x"), "cannot hold the string padding value"),
])
def test_pad_sequences_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pad_sequences([[1, 2]], **kwargs)


def test_pad_sequences_non_iterable_item():
    with pytest.raises(ValueError, match="item 1 is a non-iterable int"):
        pad_sequences([[1], 5])


def test_pad_sequences_inconsistent_item_shapes():
    with pytest.raises(ValueError, match="sequence 1 has items of shape"):
        pad_sequences([np.zeros((2, 3)), np.zeros((2, 4))])
