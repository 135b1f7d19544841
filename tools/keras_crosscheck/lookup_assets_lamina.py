"""Writes lamina_assets.keras (+ lamina_assets_io.json) with lamina: the model of lookup_assets.py
adapted in lamina, for `lookup_assets.py check` to load in Keras.

    PYTHONPATH=<repo> <lamina venv>/bin/python lookup_assets_lamina.py OUT_FOLDER
"""

import json
import sys

import numpy as np

import lamina as keras

TEXTS = ["the cat sat on the mat", "the dog ate my homework", "a cat and a dog", "sat sat sat"]
COLORS = ["red", "green", "blue", "green", "red", "red", "purple"]
CODES = [3, 7, 7, 11, 3, 3, 42]
OUTPUT_NAMES = ["vectorize", "tfidf", "color", "code", "given"]


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
    outputs = [vectorize(text), tfidf(text), color_lookup(color), code_lookup(code), given(color)]
    return keras.Model([text, color, code], outputs)


def inputs():
    return [np.array([["the cat ate a mat"], ["unknown words here"]]), np.array([["red"], ["teal"]]),
            np.array([[7], [5]])]


if __name__ == "__main__":
    model = build()
    model.save(f"{sys.argv[1]}/lamina_assets.keras")
    outputs = {k: np.asarray(v.detach().cpu()).tolist() for k, v in zip(OUTPUT_NAMES, model(inputs()))}
    with open(f"{sys.argv[1]}/lamina_assets_io.json", "w", encoding="utf-8") as handle:
        json.dump({"inputs": [v.tolist() for v in inputs()], "outputs": outputs}, handle)
    print(outputs)
