"""Keras 3's PyTorch-style training code (the keras.io torch guides' patterns) runs unchanged in
lamina and logs what Keras 3 on its torch backend logs, from the same initial weights.

The cases live in `tools/keras_crosscheck/torch_style_cases.py`; Keras's weights and logs were made
by `tools/keras_crosscheck/make_torch_style_refs.py` (Keras 3.15.1, torch backend).
"""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import lamina as keras
from torch_style_cases import CASES

REFERENCES = json.loads((Path(__file__).parent / "keras_values" / "torch_style_guides.json").read_text())["cases"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras_torch_backend(name):
    reference = REFERENCES[name]
    keras.utils.set_random_seed(0)
    model, run = CASES[name](keras)
    model.set_weights([np.asarray(w, dtype="float32").reshape(shape)
                       for w, shape in zip(reference["weights"], reference["shapes"])])
    history = run()
    assert sorted(history) == sorted(reference["history"])
    for key, expected in reference["history"].items():
        # float32 training for a few steps: both frameworks run the same torch kernels in another order
        np.testing.assert_allclose(history[key], expected, rtol=2e-4, atol=2e-5, err_msg=f"{name}: {key}")


def test_reference_cases_all_present():
    assert sorted(REFERENCES) == sorted(CASES)
