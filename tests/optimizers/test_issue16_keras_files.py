""".keras files with the issue-16 optimizers' state, mid-training, between Keras and lamina.

Each `lossopt16_models/{case}.keras` was written by Keras 3.15.1 after two `train_on_batch`
steps (tools/keras_crosscheck/make_lossopt16_values.py). Loading it must restore Keras's
optimizer variables exactly, and a third step must give Keras's weights (rtol 1e-5,
atol 1e-6). A lamina-saved file must restore the same state and continue identically.
(The other direction, Keras loading lamina's files, is checked by the generator's
`--check-lamina DIR` mode, which needs Keras.)
"""

import json
import os

import numpy as np
import pytest

import lamina as keras
from lamina.saving.optimizer_state import keras_optimizer_variables

HERE = os.path.dirname(__file__)
DATA = np.load(os.path.join(HERE, "lossopt16_steps.npz"))
META = json.loads(bytes(DATA["meta"]).decode())
CASES = ["ftrl", "adafactor", "muon", "sfadamw", "lso", "multi", "adafactor_conv", "muon_conv"]


def _load(case):
    return keras.saving.load_model(os.path.join(HERE, "lossopt16_models", f"{case}.keras"))


@pytest.mark.parametrize("case", CASES)
def test_keras_file_restores_optimizer_and_continues_like_keras(case):
    model = _load(case)
    values = keras_optimizer_variables(model, model.optimizer)
    assert len(values) == META[f"model/{case}"]["n_opt"]
    for j, value in enumerate(values):
        expected = DATA[f"{case}/model/opt{j}"]
        assert np.shape(value) == expected.shape
        np.testing.assert_allclose(np.asarray(value, np.float64), expected.astype(np.float64), rtol=1e-6, atol=0,
                                   err_msg=META[f"model/{case}"]["paths"][j])
    model.train_on_batch(DATA[f"{case}/model/x"], DATA[f"{case}/model/y"])
    for j, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, DATA[f"{case}/model/after_w{j}"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_lamina_file_round_trip_continues_identically(case, tmp_path):
    model = _load(case)
    x, y = DATA[f"{case}/model/x"], DATA[f"{case}/model/y"]
    model.train_on_batch(x, y)
    path = str(tmp_path / f"{case}.keras")
    model.save(path)
    again = keras.saving.load_model(path)
    assert type(again.optimizer) is type(model.optimizer)
    before = keras_optimizer_variables(model, model.optimizer)
    after = keras_optimizer_variables(again, again.optimizer)
    assert len(before) == len(after)
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)
    model.train_on_batch(x[::-1].copy(), y)
    again.train_on_batch(x[::-1].copy(), y)
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def _optimizer_layout(path):
    import io
    import zipfile

    import h5py

    with zipfile.ZipFile(path) as archive:
        h5 = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
        out = []
        h5.visititems(lambda name, obj: out.append((name, getattr(obj, "shape", None)))
                      if name.startswith("optimizer") and "lamina_state" not in name else None)
        return sorted(out)


@pytest.mark.parametrize("case", CASES)
def test_saved_optimizer_layout_is_keras(case, tmp_path):
    # Same h5 groups and shapes as Keras writes (wrappers' inner optimizers under their own paths too).
    source = os.path.join(HERE, "lossopt16_models", f"{case}.keras")
    model = keras.saving.load_model(source)
    path = str(tmp_path / f"{case}.keras")
    model.save(path)
    assert _optimizer_layout(path) == _optimizer_layout(source)
