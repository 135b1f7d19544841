"""KerasFileEditor: read a file's weight tree, compare it with a model, repair it, reload."""

import pathlib

import numpy as np
import pytest

import lamina
from lamina.saving import KerasFileEditor

KERAS_WRITTEN = pathlib.Path(__file__).parent / "keras_written"


def _stack(n):
    return lamina.Sequential([lamina.Input((3,))] + [lamina.layers.Dense(4) for _ in range(n)])


def test_repairs_a_file_for_a_smaller_model(tmp_path, capsys):
    big = _stack(3)
    big.save(tmp_path / "big.keras")
    small = _stack(2)
    editor = KerasFileEditor(tmp_path / "big.keras")
    assert editor.metadata["keras_version"] and editor.config["class_name"] == "Sequential"
    assert sorted(editor.weights_dict["layers"]) == ["dense", "dense_1", "dense_2"]
    editor.summary()
    assert "dense_2\n    0: shape=(4, 4), dtype=float32" in capsys.readouterr().out
    assert editor.compare(small) == {"status": "error", "error_count": 1, "match_count": 4}
    editor.delete_object("dense_2")
    assert editor.compare(small) == {"status": "success", "error_count": 0, "match_count": 4}
    editor.save(tmp_path / "fixed.weights.h5")
    small.load_weights(tmp_path / "fixed.weights.h5")
    for a, b in zip(small.get_weights(), big.get_weights()[:4]):
        np.testing.assert_array_equal(a, b)


def test_edits(tmp_path):
    _stack(1).save_weights(tmp_path / "one.weights.h5")
    editor = KerasFileEditor(tmp_path / "one.weights.h5")
    assert editor.config is None
    editor.rename_object("layers/dense", "dense_9")
    editor.add_weights("dense_9", {"2": np.zeros(3)})
    editor.delete_weight("dense_9", "2")
    editor.add_object("layers/dense_10", {"0": np.ones((4, 4)), "1": np.zeros(4)})
    assert sorted(editor.weights_dict["layers"]) == ["dense_10", "dense_9"]
    with pytest.raises(ValueError, match="does not appear in the file"):
        editor.delete_object("missing")
    with pytest.raises(ValueError, match="Weight 7 not found in object dense_9"):
        editor.delete_weight("dense_9", "7")
    with pytest.raises(ValueError, match="should be a leaf name"):
        editor.rename_object("dense_9", "a/b")
    with pytest.raises(ValueError, match="should be a dict"):
        editor.add_weights("dense_9", [1])
    with pytest.raises(ValueError, match="expected a `.weights.h5` extension"):
        editor.save(tmp_path / "x.keras")
    with pytest.raises(ValueError, match="expected a `.keras` or `.weights.h5` extension"):
        KerasFileEditor(tmp_path / "x.h5")


def test_reads_a_keras_written_file():
    editor = KerasFileEditor(KERAS_WRITTEN / "attention.keras")
    assert editor.metadata["keras_version"].startswith("3.")
    assert "layers" in editor.weights_dict
    model = lamina.models.load_model(KERAS_WRITTEN / "attention.keras")
    assert editor.compare(model)["status"] == "success"
