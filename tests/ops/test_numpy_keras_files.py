"""`.keras` files written by real Keras 3.15 (JAX) with models built from `keras.ops.numpy` calls
(tests/ops/fixtures/keras_numpy_models/, from tools/keras_crosscheck/numpy_ops_models.py) load in
lamina and give Keras's outputs; lamina re-saves them and reloads the same model."""

import pathlib

import numpy as np
import pytest
import torch

import lamina

FOLDER = pathlib.Path(__file__).parent / "fixtures" / "keras_numpy_models"
NAMES = sorted(p.stem for p in FOLDER.glob("*.keras"))


def _run(model, data):
    inputs = [torch.from_numpy(data[f"arr_{i}"]) for i in range(len([k for k in data if k.startswith("arr_")]))]
    return model(inputs if len(inputs) > 1 else inputs[0]).detach().numpy()


@pytest.mark.parametrize("name", NAMES)
def test_keras_written_numpy_op_models_load_with_keras_outputs(name, tmp_path):
    data = np.load(FOLDER / f"{name}.npz")
    model = lamina.models.load_model(FOLDER / f"{name}.keras")
    np.testing.assert_allclose(_run(model, data), data["out"], rtol=1e-5, atol=1e-5)
    model.save(tmp_path / "again.keras")
    again = lamina.models.load_model(tmp_path / "again.keras")
    np.testing.assert_allclose(_run(again, data), data["out"], rtol=1e-5, atol=1e-5)


def test_fixture_files_are_present():
    assert NAMES == ["elementwise", "reductions", "shapes", "with_layers"]
