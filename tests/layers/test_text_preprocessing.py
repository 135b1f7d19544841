"""TextVectorization, and how string data flows through models (NumPy arrays in, tensors out).

The expected tokens follow TensorFlow's string ops as Keras 3 uses them (ASCII-only lowercasing,
Keras's punctuation set, whitespace split, n-grams widths in turn); vocabulary order is Keras's
(count, then token, both descending), as the StringLookup docstring values confirm.
"""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers

TEXTS = ["the cat sat", "the dog"]


def test_int_output_pads_and_cuts():
    layer = layers.TextVectorization(max_tokens=10, output_sequence_length=4)
    layer.adapt(TEXTS)
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "sat", "dog", "cat"]
    out = layer(["the cat", "a bird sat"])
    assert out.dtype == torch.int64 and out.tolist() == [[2, 5, 0, 0], [1, 1, 3, 0]]
    assert layer(np.array([["The Cat!"], ["a  bird, sat"]])).tolist() == [[2, 5, 0, 0], [1, 1, 3, 0]]
    cut = layers.TextVectorization(vocabulary=["a", "b"], output_sequence_length=2)
    assert cut(["a b a b", "b"]).tolist() == [[2, 3], [3, 0]]
    ragged = layers.TextVectorization(vocabulary=["a", "b"])
    assert ragged(["a b a", "b"]).tolist() == [[2, 3, 2], [3, 0, 0]]
    assert ragged("a").tolist() == [[2]]


def test_standardize_modes():
    text = ["Hello, WORLD! Ünï"]
    for standardize, tokens in [("lower_and_strip_punctuation", ["hello", "world", "Ünï"]),
                                ("lower", ["hello,", "world!", "Ünï"]),
                                ("strip_punctuation", ["Hello", "WORLD", "Ünï"]),
                                (None, ["Hello,", "WORLD!", "Ünï"])]:
        layer = layers.TextVectorization(standardize=standardize)
        layer.adapt(text)
        assert sorted(layer.get_vocabulary(include_special_tokens=False)) == sorted(tokens), standardize


def test_callable_standardize_and_split():
    def strip_html(strings):
        return np.char.replace(strings.astype(str), "<br />", " ")

    def split_on_dash(strings):
        return [s.split("-") for s in strings]

    layer = layers.TextVectorization(standardize=strip_html, split=split_on_dash, vocabulary=["a<x", "b", "c d"])
    assert layer(["a<x-b", "c d-zz"]).tolist() == [[2, 3], [4, 1]]
    chars = layers.TextVectorization(split="character", standardize=None, output_mode="multi_hot")
    chars.adapt(["abc", "ab"])
    assert chars.get_vocabulary() == ["[UNK]", "b", "a", "c"]
    assert chars(["aq", "c"]).tolist() == [[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]


def test_ngrams_and_vector_modes():
    layer = layers.TextVectorization(ngrams=2, output_mode="count", vocabulary=["a", "b", "a b", "b a"])
    assert layer(["a b a"]).tolist() == [[0.0, 2.0, 1.0, 1.0, 1.0]]
    tuple_widths = layers.TextVectorization(ngrams=(2,), vocabulary=["a b"])
    assert tuple_widths(["a b c"]).tolist() == [[2, 1]]
    tfidf = layers.TextVectorization(output_mode="tf_idf")
    tfidf.adapt(["the cat sat", "the dog sat", "a"])
    idf = lambda docs: np.log(1 + 3 / (1 + docs))
    vocab = tfidf.get_vocabulary()
    assert vocab[:3] == ["[UNK]", "the", "sat"]
    out = tfidf(["the the cat"]).numpy()[0]
    np.testing.assert_allclose(out[vocab.index("the")], 2 * idf(2), rtol=1e-6)
    np.testing.assert_allclose(out[vocab.index("cat")], idf(1), rtol=1e-6)
    padded = layers.TextVectorization(max_tokens=8, output_mode="multi_hot", pad_to_max_tokens=True)
    padded.adapt(TEXTS)
    assert padded(["the"]).shape == (1, 8)


@pytest.mark.parametrize("kwargs, match", [
    ({"output_mode": "int", "output_sequence_length": 0}, "output_sequence_length"),
    ({"output_mode": "count", "output_sequence_length": 3}, "must not be set"),
    ({"ragged": True}, "ragged=True is not supported"),
    ({"standardize": "upper"}, "unknown standardize"),
    ({"split": "comma"}, "unknown split"),
    ({"ngrams": 0}, "ngrams"),
])
def test_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.TextVectorization(**kwargs)


def test_input_errors():
    layer = layers.TextVectorization(vocabulary=["a"])
    with pytest.raises(TypeError, match="TextVectorization layer .* expects strings"):
        layer(torch.tensor([1.0]))
    with pytest.raises(ValueError, match="last shape dimension must be 1"):
        layer(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="cannot adapt a layer created with a `vocabulary`"):
        layer.adapt(["a"])


def _data():
    texts = np.array(["good movie great", "bad film awful", "great acting good", "awful bad plot"] * 4)
    return texts, np.array([1, 0, 1, 0] * 4, dtype="float32")


def test_fit_predict_on_strings_sequential():
    texts, y = _data()
    vectorizer = layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    vectorizer.adapt(texts)
    model = keras.Sequential([vectorizer, layers.Embedding(20, 4), layers.GlobalAveragePooling1D(),
                              layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    history = model.fit(texts, y, epochs=2, batch_size=4, verbose=0, validation_split=0.25)
    assert len(history.history["val_loss"]) == 2
    assert model.predict(np.array(["good great", "bad awful"]), verbose=0).shape == (2, 1)
    assert model.predict(["good great"], verbose=0).shape == (1, 1)


def test_functional_string_input_save_load(tmp_path):
    texts, y = _data()
    vectorizer = layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    vectorizer.adapt(texts)
    inputs = keras.Input(shape=(1,), dtype="string", name="text")
    encoded = vectorizer(inputs)
    assert encoded.shape == (None, 5) and "int64" in repr(encoded)
    outputs = layers.Dense(1)(layers.GlobalAveragePooling1D()(layers.Embedding(20, 4)(encoded)))
    model = keras.Model(inputs, outputs)
    model.compile("adam", "mse")
    model.fit(texts.reshape(-1, 1), y, epochs=1, batch_size=4, verbose=0)
    model.save(tmp_path / "text.keras")
    loaded = keras.models.load_model(tmp_path / "text.keras")
    x = texts[:3].reshape(-1, 1)
    np.testing.assert_allclose(model.predict(x, verbose=0), loaded.predict(x, verbose=0), rtol=1e-6)
    assert loaded.layers[1].get_vocabulary() == vectorizer.get_vocabulary()
    assert model.get_config()["layers"][0]["config"]["dtype"] == "string"


def test_tf_idf_state_saved(tmp_path):
    texts, _ = _data()
    tfidf = layers.TextVectorization(output_mode="tf_idf")
    tfidf.adapt(texts)
    model = keras.Sequential([keras.Input(shape=(1,), dtype="string"), tfidf, layers.Dense(2)])
    model.save(tmp_path / "tfidf.keras")
    loaded = keras.models.load_model(tmp_path / "tfidf.keras")
    x = texts[:4].reshape(-1, 1)
    np.testing.assert_allclose(model.predict(x, verbose=0), loaded.predict(x, verbose=0), rtol=1e-6)
    assert any(k.endswith("idf_weights") for k in model.state_dict())


def test_dict_of_columns_functional_model():
    color = keras.Input(shape=(1,), dtype="string", name="color")
    size = keras.Input(shape=(1,), dtype="int64", name="size")
    features = layers.concatenate([
        layers.StringLookup(vocabulary=["red", "blue"], output_mode="one_hot")(color),
        layers.IntegerLookup(vocabulary=[1, 2, 3], output_mode="one_hot")(size),
        layers.Hashing(num_bins=4, output_mode="one_hot")(color),
    ])
    assert features.shape == (None, 11)
    model = keras.Model({"color": color, "size": size}, layers.Dense(1)(features))
    model.compile("adam", "mse")
    data = {"color": np.array([["red"], ["blue"], ["green"]] * 4), "size": np.array([[1], [3], [7]] * 4)}
    model.fit(data, np.zeros((12, 1), "float32"), epochs=1, batch_size=4, verbose=0)
    assert model.predict(data, verbose=0).shape == (12, 1)
    with pytest.raises(TypeError, match=r"x\['size'\] is an array of strings .* input 'size' .* takes int64 numbers"):
        model.predict({"color": data["color"], "size": data["color"]}, verbose=0)
    # A direct call is refused by the model's own input conversion.
    with pytest.raises(TypeError, match="input 'size' expects int64 numbers but received .* strings"):
        model({"color": data["color"], "size": data["color"]})


def test_numeric_layer_refuses_strings():
    with pytest.raises(TypeError, match="Layer 'strings_dense' \\(Dense\\) received a NumPy array of dtype <U1"):
        layers.Dense(2, name="strings_dense")(np.array([["a"]]))


def test_keras_config_with_vocabulary_in_assets_reads_the_assets(tmp_path):
    # what Keras 3 writes for an adapted layer: no vocabulary in the config, only its size; the
    # vocabulary comes from the archive's assets (tests/saving/test_vocabulary_assets.py)
    config = layers.TextVectorization().get_config()
    config.update(vocabulary=None, vocabulary_size=4, name="tv")
    layer = layers.TextVectorization.from_config(config)
    (tmp_path / "vocabulary.txt").write_text("\n[UNK]\nsat\nthe", encoding="utf-8")
    layer.load_assets(str(tmp_path))
    assert layer.get_vocabulary() == ["", "[UNK]", "sat", "the"]
    lookup = layers.StringLookup().get_config()
    lookup.update(vocabulary=None, vocabulary_size=5, name="colors")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="StringLookup layer 'colors'.*5 entries.*no assets/.../vocabulary.txt"):
        layers.StringLookup.from_config(lookup).load_assets(str(empty))
