"""Keras `.keras` files whose adapted vocabularies live in the archive's `assets/` folder, for
tests/saving/test_vocabulary_assets.py; and a checker that loads lamina-written files in Keras.

Keras's lookup layers need TensorFlow, so run with the TensorFlow backend:
    KERAS_BACKEND=tensorflow <keras+tf venv>/bin/python lookup_assets.py write OUT_FOLDER
    KERAS_BACKEND=tensorflow <keras+tf venv>/bin/python lookup_assets.py check LAMINA_FOLDER
`write` saves assets.keras and assets_io.json (inputs, outputs, the archive's member names);
`check` loads LAMINA_FOLDER/lamina_assets.keras, compares with lamina_assets_io.json and prints
the archive's members and the vocabularies Keras read.
"""

import json
import sys
import zipfile

import numpy as np

import keras

TEXTS = ["the cat sat on the mat", "the dog ate my homework", "a cat and a dog", "sat sat sat"]
COLORS = ["red", "green", "blue", "green", "red", "red", "purple"]
CODES = [3, 7, 7, 11, 3, 3, 42]


def build():
    text = keras.Input(shape=(1,), dtype="string", name="text")
    color = keras.Input(shape=(1,), dtype="string", name="color")
    code = keras.Input(shape=(1,), dtype="int64", name="code")
    vectorize = keras.layers.TextVectorization(max_tokens=12, output_sequence_length=6, name="vectorize")
    vectorize.adapt(TEXTS)
    tfidf = keras.layers.TextVectorization(output_mode="tf_idf", name="tfidf")
    tfidf.adapt(TEXTS)
    color_lookup = keras.layers.StringLookup(output_mode="multi_hot", name="color_lookup")
    color_lookup.adapt(COLORS)
    code_lookup = keras.layers.IntegerLookup(name="code_lookup")
    code_lookup.adapt(CODES)
    given = keras.layers.StringLookup(vocabulary=["x", "y"], name="given")
    # Lists, not dicts: lamina orders a Functional model's layers from dict inputs/outputs
    # differently from Keras (which sorts the keys), a separate issue.
    outputs = [vectorize(text), tfidf(text), color_lookup(color), code_lookup(code), given(color)]
    return keras.Model([text, color, code], outputs)


OUTPUT_NAMES = ["vectorize", "tfidf", "color", "code", "given"]


def inputs():
    return [np.array([["the cat ate a mat"], ["unknown words here"]]), np.array([["red"], ["teal"]]),
            np.array([[7], [5]])]


def members(path):
    with zipfile.ZipFile(path) as archive:
        return sorted(archive.namelist()), {n: archive.read(n).decode("utf-8") for n in archive.namelist()
                                             if n.startswith("assets/")}


def as_lists(outputs):
    return {k: np.asarray(v).tolist() for k, v in zip(OUTPUT_NAMES, outputs)}


if sys.argv[1] == "write":
    model = build()
    path = f"{sys.argv[2]}/assets.keras"
    model.save(path)
    names, assets = members(path)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    layer_configs = {layer["config"]["name"]: {k: layer["config"].get(k) for k in ("vocabulary", "vocabulary_size",
                                                                                   "idf_weights")}
                     for layer in config["config"]["layers"]}
    with open(f"{sys.argv[2]}/assets_io.json", "w", encoding="utf-8") as handle:
        json.dump({"inputs": [v.tolist() for v in inputs()], "outputs": as_lists(model(inputs())),
                   "members": names, "assets": assets, "layer_configs": layer_configs}, handle)
    print(names, [layer.name for layer in model.layers])
else:
    path = f"{sys.argv[2]}/lamina_assets.keras"
    model = keras.saving.load_model(path)
    with open(f"{sys.argv[2]}/lamina_assets_io.json", encoding="utf-8") as handle:
        expected = json.load(handle)
    data = [np.array(v) for v in expected["inputs"]]
    got = as_lists(model(data))
    for key, want in expected["outputs"].items():
        ok = np.allclose(np.asarray(got[key], dtype=float), np.asarray(want, dtype=float), atol=1e-5)
        print(key, "equal" if ok else f"DIFFERENT keras={got[key]} lamina={want}")
    print("members", members(path)[0])
    for layer in model.layers:
        if hasattr(layer, "get_vocabulary"):
            print(layer.name, layer.get_vocabulary()[:8])
    print("layers", [layer.name for layer in model.layers])
