"""StringLookup, IntegerLookup, CategoryEncoding, Hashing, Discretization.

Reference values: `keras_values/structured_layers.json` (computed by Keras 3.15 with
tools/keras_crosscheck/structured_layers.py), `keras_values/farmhash_fingerprint64.json` (Google's
FarmHash, the hash of `tf.strings.to_hash_bucket_fast`, see make_hashing_fixture.py), and the
outputs printed in Keras 3's own docstrings for the layers that need TensorFlow in Keras.
"""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers
from lamina.layers.preprocessing._farmhash import fingerprint64, siphash24

VALUES = Path(__file__).parent / "keras_values"
STRUCTURED = json.loads((VALUES / "structured_layers.json").read_text())
VOCAB = ["a", "b", "c", "d"]


# ---------------------------------------------------------------- StringLookup (Keras docstring values)

def test_string_lookup_vocabulary_and_oov():
    layer = layers.StringLookup(vocabulary=VOCAB)
    expected = [[1, 3, 4], [4, 0, 2]]
    assert layer([["a", "c", "d"], ["d", "z", "b"]]).tolist() == expected
    out = layer(np.array([["a", "c", "d"], ["d", "z", "b"]], dtype=object))
    assert out.dtype == torch.int64 and out.tolist() == expected
    assert layer(np.array([[b"a", b"z"]])).tolist() == [[1, 0]]


def test_string_lookup_adapt_orders_by_count_then_token_descending():
    layer = layers.StringLookup()
    layer.adapt([["a", "c", "d"], ["d", "z", "b"]])
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert layer.vocabulary_size() == 6
    assert layer.get_vocabulary(include_special_tokens=False) == ["d", "z", "c", "b", "a"]


def test_string_lookup_adapt_iterable_and_max_tokens():
    layer = layers.StringLookup(max_tokens=3)
    layer.adapt(iter([np.array(["x", "y", "y"]), np.array(["z", "z", "z"])]))
    assert layer.get_vocabulary() == ["[UNK]", "z", "y"]


def test_string_lookup_multiple_oov_indices_hash_as_tensorflow():
    layer = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=2)
    assert layer([["a", "c", "d"], ["m", "z", "b"]]).tolist() == [[2, 4, 5], [0, 1, 3]]


@pytest.mark.parametrize("mode, expected", [
    ("one_hot", [[0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [1, 0, 0, 0, 0]]),
])
def test_string_lookup_one_hot(mode, expected):
    out = layers.StringLookup(vocabulary=VOCAB, output_mode=mode)(["a", "b", "c", "d", "z"])
    assert out.tolist() == expected


@pytest.mark.parametrize("mode, expected", [
    ("multi_hot", [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]),
    ("count", [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]),
])
def test_string_lookup_multi_hot_and_count(mode, expected):
    out = layers.StringLookup(vocabulary=VOCAB, output_mode=mode)([["a", "c", "d", "d"], ["d", "z", "b", "z"]])
    assert out.tolist() == expected


@pytest.mark.parametrize("vocab, idf, expected", [
    (VOCAB, [0.25, 0.75, 0.6, 0.4], [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]]),
    (["[UNK]"] + VOCAB, [0.9, 0.25, 0.75, 0.6, 0.4], [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]]),
])
def test_string_lookup_tf_idf(vocab, idf, expected):
    layer = layers.StringLookup(output_mode="tf_idf", vocabulary=vocab, idf_weights=idf)
    out = layer([["a", "c", "d", "d"], ["d", "z", "b", "z"]])
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-7)


def test_string_lookup_tf_idf_adapt():
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.adapt(np.array([["a", "b"], ["b", "c"]]))
    assert layer.get_vocabulary() == ["[UNK]", "b", "c", "a"]
    idf = np.log(1 + 2 / (1 + np.array([2.0, 1.0, 1.0])))
    np.testing.assert_allclose(layer.idf_weights.numpy(), np.concatenate([[idf.mean()], idf]), rtol=1e-6)


def test_string_lookup_invert_and_mask():
    inverse = layers.StringLookup(vocabulary=VOCAB, invert=True)
    out = inverse(torch.tensor([[1, 3, 4], [4, 0, 2]]))
    assert out.tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    masked = layers.StringLookup(vocabulary=VOCAB, mask_token="")
    assert masked([["a", "", "q"]]).tolist() == [[2, 0, 1]]
    assert masked.get_vocabulary()[:2] == ["", "[UNK]"]
    # in multi_hot the mask is dropped, not counted
    assert layers.StringLookup(vocabulary=VOCAB, mask_token="", output_mode="multi_hot")([["a", ""]]).tolist() == \
        [[0, 1, 0, 0, 0]]


def test_string_lookup_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\nd\n", encoding="utf-8")
    layer = layers.StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]", "a", "b", "c", "d"]


@pytest.mark.parametrize("kwargs, match", [
    ({"vocabulary": ["a", "a", "b"]}, "repeated term.*'a'"),
    ({"vocabulary": ["a", "[UNK]"], "invert": True}, "reserved OOV token"),
    ({"vocabulary": ["a", ""], "mask_token": ""}, "reserved mask token"),
    ({"vocabulary": ["a", "b", "c"], "max_tokens": 3}, "larger than the maximum vocab size"),
    ({"sparse": True}, "sparse=True is not supported"),
    ({"output_mode": "tf_idf", "vocabulary": ["a"]}, "idf_weights"),
    ({"output_mode": "one_hot", "invert": True}, "output_mode must be 'int' when invert=True"),
    ({"output_mode": "bag"}, "unknown output_mode"),
])
def test_string_lookup_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.StringLookup(**kwargs)


def test_string_lookup_refuses_numbers_and_unset_vocabulary():
    with pytest.raises(TypeError, match="StringLookup layer .* expects strings"):
        layers.StringLookup(vocabulary=VOCAB)(torch.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="must set the layer's vocabulary"):
        layers.StringLookup(output_mode="multi_hot")(["a"])
    with pytest.raises(ValueError, match="found OOV values \\['z'\\]"):
        layers.StringLookup(vocabulary=VOCAB, num_oov_indices=0)(["a", "z"])


# ---------------------------------------------------------------- IntegerLookup (Keras docstring values)

def test_integer_lookup():
    vocab = [12, 36, 1138, 42]
    data = torch.tensor([[12, 1138, 42], [42, 1000, 36]])
    assert layers.IntegerLookup(vocabulary=vocab)(data).tolist() == [[1, 3, 4], [4, 0, 2]]
    layer = layers.IntegerLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    two = layers.IntegerLookup(vocabulary=vocab, num_oov_indices=2)
    assert two(torch.tensor([[12, 1138, 42], [37, 1000, 36]])).tolist() == [[2, 4, 5], [1, 0, 3]]
    inverse = layers.IntegerLookup(vocabulary=vocab, invert=True)
    assert inverse(torch.tensor([[1, 3, 4], [4, 0, 2]])).tolist() == [[12, 1138, 42], [42, -1, 36]]
    masked = layers.IntegerLookup(vocabulary=vocab, mask_token=0)
    assert masked(np.array([[0, 12, 5]])).tolist() == [[0, 2, 1]]
    assert layers.IntegerLookup(vocabulary=vocab, output_mode="multi_hot")([[12, 7]]).tolist() == [[1, 1, 0, 0, 0]]
    with pytest.raises(TypeError, match="IntegerLookup layer .* expects integer inputs; received strings"):
        layers.IntegerLookup(vocabulary=vocab)(np.array(["12"]))


# ---------------------------------------------------------------- CategoryEncoding / Discretization (Keras values)

ENCODING_CASES = {k: v for k, v in STRUCTURED.items() if k.startswith(("category_", "discretization_"))}


@pytest.mark.parametrize("name", sorted(ENCODING_CASES))
def test_encoding_layers_match_keras(name):
    case = ENCODING_CASES[name]
    layer = getattr(layers, case["layer"])(**case["config"])
    kwargs = {"count_weights": np.array(case["count_weights"], "float32")} if "count_weights" in case else {}
    x = np.array(case["x"], dtype="float32" if case["layer"] == "Discretization" else "int64")
    out = layer(x, **kwargs)
    assert str(out.dtype).replace("torch.", "") == case["dtype"]
    np.testing.assert_allclose(out.numpy(), np.array(case["y"]), rtol=0, atol=0)
    assert tuple(layer.compute_output_shape(x.shape)) == tuple(np.array(case["y"]).shape) or x.ndim == 0


ADAPT_CASES = {k: v for k, v in STRUCTURED.items() if k.startswith("adapt_") and k != "adapt_data"}


@pytest.mark.parametrize("name", sorted(ADAPT_CASES))
def test_discretization_adapt_matches_keras(name):
    case = ADAPT_CASES[name]
    layer = layers.Discretization(num_bins=case["num_bins"], epsilon=case["epsilon"])
    if "batches" in case:
        layer.adapt(iter(np.array(b, "float32") for b in case["batches"]))
    else:
        layer.adapt(np.array(STRUCTURED["adapt_data"][case["data"]], "float32"))
    np.testing.assert_allclose(layer.bin_boundaries, case["bin_boundaries"], rtol=1e-6, atol=1e-6)


def test_keras_written_structured_model_loads():
    model = keras.models.load_model(VALUES / "structured_layers.keras")
    reference = np.load(VALUES / "structured_layers_model.npz")
    np.testing.assert_allclose(model.predict(reference["x"], verbose=0), reference["y"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    ({}, "set either `num_bins` or `bin_boundaries`"),
    ({"num_bins": 2, "bin_boundaries": [0.0]}, "should not be set"),
    ({"bin_boundaries": [1.0, 0.0]}, "sorted in increasing order"),
])
def test_discretization_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Discretization(**kwargs)


def test_category_encoding_errors():
    with pytest.raises(ValueError, match="num_tokens must be set"):
        layers.CategoryEncoding()
    with pytest.raises(TypeError, match="expects integer category ids; received strings"):
        layers.CategoryEncoding(num_tokens=3)(["a"])


# ---------------------------------------------------------------- Hashing

def test_fingerprint64_matches_farmhash():
    table = json.loads((VALUES / "farmhash_fingerprint64.json").read_text(encoding="utf-8"))
    mismatches = [s for s, h in table.items() if fingerprint64(s) != int(h)]
    assert not mismatches


def test_siphash_reference_vectors():
    key0, key1 = int.from_bytes(bytes(range(8)), "little"), int.from_bytes(bytes(range(8, 16)), "little")
    assert siphash24(key0, key1, b"") == 0x726FDB47DD0E0E31
    assert siphash24(key0, key1, bytes(range(15))) == 0xA129CA6149BE45E5


def test_hashing_matches_keras_docstrings():
    data = [["A"], ["B"], ["C"], ["D"], ["E"]]
    out = layers.Hashing(num_bins=3)(data)
    assert out.dtype == torch.int64 and out.tolist() == [[1], [0], [1], [1], [2]]
    assert layers.Hashing(num_bins=3, mask_value="")([["A"], ["B"], [""], ["C"], ["D"]]).tolist() == \
        [[1], [1], [0], [2], [2]]
    assert layers.Hashing(num_bins=3, salt=133)(data).tolist() == [[0], [0], [2], [1], [0]]


def test_hashing_numbers_hash_their_decimal_strings():
    ints = layers.Hashing(num_bins=7)(torch.tensor([[12], [-3]]))
    assert ints.tolist() == [[fingerprint64("12") % 7], [fingerprint64("-3") % 7]]
    floats = layers.Hashing(num_bins=7)(np.array([[12.9]]))  # floats are truncated to int64 first
    assert floats.tolist() == [[fingerprint64("12") % 7]]
    multi = layers.Hashing(num_bins=3, output_mode="multi_hot")(np.array([["A", "B"], ["C", "D"]]))
    assert multi.dtype == torch.float32 and multi.tolist() == [[1.0, 1.0, 0.0], [0.0, 1.0, 0.0]]


def test_hashing_config_keeps_keras_int_dtype():
    config = layers.Hashing(num_bins=3).get_config()
    assert config["dtype"]["config"]["name"] == "int64"
    again = layers.Hashing.from_config(config)
    assert again([["A"]]).tolist() == [[1]]
    with pytest.raises(ValueError, match="num_bins"):
        layers.Hashing(num_bins=0)


# ---------------------------------------------------------------- Pipeline

def test_pipeline_applies_layers_in_order_and_round_trips(tmp_path):
    pipeline = layers.Pipeline([layers.Rescaling(2.0), layers.Discretization(bin_boundaries=[0.0, 1.0]),
                                layers.CategoryEncoding(num_tokens=3)])
    x = np.array([[-1.0, 0.2, 0.7]], "float32")
    assert pipeline(x).tolist() == [[1.0, 1.0, 1.0]]
    inputs = keras.Input(shape=(3,))
    symbolic = pipeline(inputs)
    assert symbolic.shape == (None, 3)
    model = keras.Model(inputs, layers.Dense(1)(symbolic))
    model.save(tmp_path / "pipeline.keras")
    loaded = keras.models.load_model(tmp_path / "pipeline.keras")
    np.testing.assert_allclose(model.predict(x, verbose=0), loaded.predict(x, verbose=0), rtol=1e-6)
    assert [type(layer).__name__ for layer in loaded.layers[1].layers] == ["Rescaling", "Discretization",
                                                                           "CategoryEncoding"]
    text = layers.Pipeline([layers.TextVectorization(vocabulary=["a", "b"])])
    assert text(["a b c"]).tolist() == [[2, 3, 1]]
    with pytest.raises(TypeError, match="Pipeline .* must be a list of layers"):
        layers.Pipeline(layers.Rescaling(1.0))


def test_oov_methods_and_salt_keras_3_15():
    vocab = [10, 20, 30]
    oov = np.array([100, 300, 700, 1100, 1700, 2000])
    floormod = layers.IntegerLookup(vocabulary=vocab, num_oov_indices=4, oov_method="floormod")
    farmhash = layers.IntegerLookup(vocabulary=vocab, num_oov_indices=4, oov_method="farmhash")
    assert floormod(oov).tolist() == [0, 0, 0, 0, 0, 0]
    assert farmhash(oov).tolist() == [3, 3, 2, 2, 0, 1]  # Keras 3.15's docstring values
    salted = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=3, salt=7)
    assert salted(["zz"]).tolist() == [siphash24(7, 7, "zz") % 3]
    assert layers.StringLookup.from_config(salted.get_config()).salt == [7, 7]
    with pytest.raises(ValueError, match="`salt` can only be used when `oov_method='farmhash'`"):
        layers.IntegerLookup(salt=3)
    with pytest.raises(ValueError, match="oov_method must be"):
        layers.IntegerLookup(oov_method="modulo")


class _QuotientRemainderEmbedding(layers.Layer):
    """keras.io memory_efficient_embeddings' QREmbedding: a user layer that takes strings."""

    def __init__(self, vocabulary, num_buckets, **kwargs):
        super().__init__(**kwargs)
        self.num_buckets = num_buckets
        self.index_lookup = layers.StringLookup(vocabulary=vocabulary, mask_token=None, num_oov_indices=0)
        self.q_embeddings = layers.Embedding(num_buckets, 2)
        self.r_embeddings = layers.Embedding(num_buckets, 2)

    def call(self, inputs):
        index = self.index_lookup(inputs)
        return (self.q_embeddings(keras.ops.floor_divide(index, self.num_buckets))
                * self.r_embeddings(keras.ops.mod(index, self.num_buckets)))


def test_user_layer_with_string_lookup_in_functional_model():
    vocabulary = [f"user_{i}" for i in range(6)]
    inputs = keras.Input(shape=(), dtype="string")
    layer = _QuotientRemainderEmbedding(vocabulary, num_buckets=3)
    outputs = layer(inputs)  # traced on stand-in strings: no OOV error although num_oov_indices=0
    assert outputs.shape == (None, 2)
    model = keras.Model(inputs, outputs)
    got = model.predict(np.array(["user_4", "user_0"]), verbose=0)
    q, r = layer.q_embeddings.get_weights()[0], layer.r_embeddings.get_weights()[0]
    np.testing.assert_allclose(got, np.stack([q[1] * r[1], q[0] * r[0]]), rtol=1e-6)
    with pytest.raises(ValueError, match=r"num_oov_indices=0.*found OOV values \['nobody'\]"):
        model.predict(np.array(["nobody"]), verbose=0)
