"""Adapted vocabularies in the `.keras` archive's `assets/` folder, both ways with Keras 3.

tests/saving/keras_assets/assets.keras was written by Keras 3.15 (TensorFlow backend) from
tools/keras_crosscheck/lookup_assets.py; assets_io.json holds its inputs, outputs, member names
and asset files. lamina-written files were loaded by Keras with `lookup_assets.py check` (run by
hand: Keras's lookup layers need TensorFlow, which the tests do not).
"""

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

import lamina as keras

HERE = Path(__file__).parent / "keras_assets"
REFERENCE = json.loads((HERE / "assets_io.json").read_text("utf-8"))
NAMES = ["vectorize", "tfidf", "color", "code", "given"]
TEXTS = ["the cat sat on the mat", "the dog ate my homework", "a cat and a dog", "sat sat sat"]


def _inputs():
    return [np.array(v) for v in REFERENCE["inputs"]]


def _check_outputs(model):
    for name, got in zip(NAMES, model(_inputs())):
        np.testing.assert_allclose(np.asarray(got.detach().cpu(), dtype=float),
                                   np.asarray(REFERENCE["outputs"][name], dtype=float), atol=1e-5, err_msg=name)


def _build():
    text = keras.Input(shape=(1,), dtype="string", name="text")
    color = keras.Input(shape=(1,), dtype="string", name="color")
    code = keras.Input(shape=(1,), dtype="int64", name="code")
    vectorize = keras.layers.TextVectorization(max_tokens=12, output_sequence_length=6, name="vectorize")
    vectorize.adapt(TEXTS)
    tfidf = keras.layers.TextVectorization(output_mode="tf_idf", name="tfidf")
    tfidf.adapt(TEXTS)
    color_lookup = keras.layers.StringLookup(output_mode="multi_hot", name="color_lookup")
    color_lookup.adapt(["red", "green", "blue", "green", "red", "red", "purple"])
    code_lookup = keras.layers.IntegerLookup(name="code_lookup")
    code_lookup.adapt([3, 7, 7, 11, 3, 3, 42])
    given = keras.layers.StringLookup(vocabulary=["x", "y"], name="given")
    outputs = [vectorize(text), tfidf(text), color_lookup(color), code_lookup(code), given(color)]
    return keras.Model([text, color, code], outputs)


def test_keras_written_vocabularies_load():
    model = keras.saving.load_model(HERE / "assets.keras")
    _check_outputs(model)
    assert model.get_layer("code_lookup").get_vocabulary() == [-1, 3, 7, 42, 11]
    assert model.get_layer("vectorize").get_vocabulary()[:3] == ["", "[UNK]", "sat"]


def test_lamina_writes_keras_layout(tmp_path):
    model = _build()
    _check_outputs(model)
    path = tmp_path / "lookups.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == REFERENCE["members"]
        for name, text in REFERENCE["assets"].items():
            assert archive.read(name).decode("utf-8") == text, name
        config = json.loads(archive.read("config.json"))
    for layer in config["config"]["layers"]:
        want = REFERENCE["layer_configs"][layer["config"]["name"]]
        got = {k: layer["config"].get(k) for k in want}
        assert got == want, layer["config"]["name"]


@pytest.mark.parametrize("zipped", [True, False])
def test_round_trip_in_lamina(tmp_path, zipped):
    path = tmp_path / ("lookups.keras" if zipped else "lookups_folder")
    _build().save(path, zipped=zipped)
    reloaded = keras.saving.load_model(path)
    _check_outputs(reloaded)
    # and the reloaded model saves the same assets again
    again = tmp_path / "again.keras"
    reloaded.save(again)
    with zipfile.ZipFile(again) as archive:
        assert {n: archive.read(n).decode() for n in archive.namelist() if n.startswith("assets/")} == \
            REFERENCE["assets"]


def test_config_outside_archives_still_carries_the_vocabulary():
    layer = keras.layers.StringLookup(name="colors")
    layer.adapt(["a", "b", "b"])
    assert layer.get_config()["vocabulary"] == ["[UNK]", "b", "a"]
    clone = keras.layers.StringLookup.from_config(layer.get_config())
    assert clone.get_vocabulary() == ["[UNK]", "b", "a"]


def test_archive_missing_its_vocabulary_is_a_clear_error(tmp_path):
    source = HERE / "assets.keras"
    broken = tmp_path / "broken.keras"
    with zipfile.ZipFile(source) as read, zipfile.ZipFile(broken, "w") as write:
        for name in read.namelist():
            if name != "assets/layers/integer_lookup/vocabulary.txt":
                write.writestr(name, read.read(name))
    with pytest.raises(ValueError, match="IntegerLookup layer 'code_lookup'.*5 entries.*no assets"):
        keras.saving.load_model(broken)


def test_bad_integer_vocabulary_file_is_named(tmp_path):
    source = HERE / "assets.keras"
    broken = tmp_path / "broken.keras"
    with zipfile.ZipFile(source) as read, zipfile.ZipFile(broken, "w") as write:
        for name in read.namelist():
            data = b"-1\nthree\n7" if name == "assets/layers/integer_lookup/vocabulary.txt" else read.read(name)
            write.writestr(name, data)
    with pytest.raises(ValueError, match="IntegerLookup layer 'code_lookup'.*one integer per line"):
        keras.saving.load_model(broken)


def test_oversized_assets_are_refused_before_reading(tmp_path, monkeypatch):
    from lamina.saving import archive

    monkeypatch.setattr(archive, "MAX_ASSET_BYTES", 10)
    with pytest.raises(ValueError, match="asset files of .* declare more than 10 bytes"):
        keras.saving.load_model(HERE / "assets.keras")


def test_unrelated_asset_files_are_not_read(tmp_path):
    source = HERE / "assets.keras"
    extra = tmp_path / "extra.keras"
    with zipfile.ZipFile(source) as read, zipfile.ZipFile(extra, "w") as write:
        for name in read.namelist():
            write.writestr(name, read.read(name))
        write.writestr("assets/nobody/huge.bin", b"\0" * 1000)
    _check_outputs(keras.saving.load_model(extra))
