"""TextVectorization, StringLookup, IntegerLookup, Hashing, CategoryEncoding and Discretization
against real Keras 3.15 with TensorFlow, for deterministic settings
(tools/keras_crosscheck/text_lookup_cases.py wrote keras_values/text_lookup_cases.json: the cases
and Keras's outputs and vocabularies)."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import lamina as keras

DATA = json.loads((Path(__file__).parent / "keras_values" / "text_lookup_cases.json").read_text("utf-8"))
CASES = {case[0]: case[1:] for case in DATA["cases"]}


def _array(value):
    return np.array(value)


@pytest.mark.parametrize("name", list(CASES))
def test_layer_matches_keras(name):
    cls, kwargs, adapt, inputs = CASES[name]
    want = DATA["results"][name]
    if "ngrams" in kwargs and isinstance(kwargs["ngrams"], list):
        kwargs = {**kwargs, "ngrams": tuple(kwargs["ngrams"])}
    layer = getattr(keras.layers, cls)(**kwargs)
    if adapt is not None:
        layer.adapt(_array(adapt))
    out = layer(_array(inputs))
    if "vocabulary" in want:
        assert [v if isinstance(v, str) else int(v) for v in layer.get_vocabulary()] == want["vocabulary"]
    if want["dtype"] == "string":
        got = np.asarray(out).reshape(-1).tolist()
        assert list(np.shape(out)) == want["shape"]
        assert [str(v) for v in got] == want["values"]
        return
    assert isinstance(out, torch.Tensor)
    assert list(out.shape) == want["shape"]
    np.testing.assert_allclose(out.detach().cpu().numpy().reshape(-1).astype("float64"),
                               np.asarray(want["values"], dtype="float64"), rtol=1e-5, atol=1e-5)
