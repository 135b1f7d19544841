"""Helpers shared by the application tests: Keras's reference outputs and the weight pattern."""

import json
import pathlib

import numpy as np
import torch

from applications_pattern import pattern_value  # tools/keras_crosscheck, on the test path (conftest)
from lamina.applications.convnext import LayerScale
from lamina.saving.legacy_h5 import _keras_shapes

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


def load_outputs():
    index = json.loads((FIXTURES / "keras_outputs.json").read_text())
    arrays = np.load(FIXTURES / "keras_outputs.npz")
    return index, arrays


def _keras_weight_name(layer, param):
    # Keras's LayerScale creates its weight without a name (Keras calls it "variable").
    if isinstance(layer, LayerScale):
        return "variable"
    return getattr(param, "name", "") or ""


def set_pattern(model):
    """Gives every weight the values Keras's side got in tools/keras_crosscheck/applications_outputs.py."""
    for layer in model.layers:
        if layer.weights:
            shapes = _keras_shapes(layer)
            layer.set_weights([pattern_value(layer.name, i, shape, _keras_weight_name(layer, w))
                               for i, (shape, w) in enumerate(zip(shapes, layer.weights))])


def predict(model, images):
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(np.asarray(images))).numpy()


def assert_close_to_keras(actual, expected, rtol=1e-4):
    """Equal to Keras's outputs up to float32 rounding: within rtol of the output's scale."""
    scale = max(float(np.abs(expected).max()), 1e-12)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)
