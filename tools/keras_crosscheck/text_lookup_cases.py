"""Keras 3.15 (TensorFlow backend) outputs of the string/lookup layers for deterministic settings,
for tests/layers/test_text_lookup_parity.py.

    KERAS_BACKEND=tensorflow <keras+tf venv>/bin/python text_lookup_cases.py OUT.json

Each case: layer class, constructor arguments, optional adapt data, one input batch; the output
(or Keras's error type) is recorded. The same case list is read back by the test.
"""

import json
import sys

import numpy as np

CORPUS = ["The quick brown fox jumps over the lazy dog.", "The dog barks; the fox runs!",
          "A quick, quick brown dog?", "Héllo wörld: ÉCOLE ça va", "the THE The tHe", "fox-trot is a dance"]
QUERIES = [["The lazy cat jumps!"], ["unknown Words, here"], ["quick quick QUICK fox"], ["ÉCOLE du monde"]]
COLORS = ["red", "green", "blue", "green", "red", "red", "purple", "blue", "red"]
CODES = [3, 7, 7, 11, 3, 3, 42, 11, 3, 5]

CASES = [
    # TextVectorization
    ("tv_default", "TextVectorization", {}, CORPUS, QUERIES),
    ("tv_max_tokens_len", "TextVectorization", {"max_tokens": 8, "output_sequence_length": 5}, CORPUS, QUERIES),
    ("tv_bigrams_multi_hot", "TextVectorization", {"ngrams": 2, "output_mode": "multi_hot"}, CORPUS, QUERIES),
    ("tv_count_lower_chars", "TextVectorization", {"standardize": "lower", "split": "character",
                                                   "output_mode": "count", "max_tokens": 30}, CORPUS, QUERIES),
    ("tv_tf_idf", "TextVectorization", {"output_mode": "tf_idf"}, CORPUS, QUERIES),
    ("tv_tf_idf_pad", "TextVectorization", {"output_mode": "tf_idf", "max_tokens": 40, "pad_to_max_tokens": True,
                                            "ngrams": (1, 2)}, CORPUS, QUERIES),
    ("tv_vocab_given", "TextVectorization", {"vocabulary": ["hello", "world", "quick", "école"],
                                             "output_sequence_length": 4}, None,
     [["Hello, World!"], ["QUICK école hello"], ["nothing"]]),
    ("tv_strip_punct", "TextVectorization", {"standardize": "strip_punctuation", "output_sequence_length": 6},
     CORPUS, QUERIES),
    ("tv_no_standardize", "TextVectorization", {"standardize": None, "output_sequence_length": 6}, CORPUS, QUERIES),
    ("tv_trigrams_int", "TextVectorization", {"ngrams": 3, "output_sequence_length": 12}, CORPUS, QUERIES),
    ("tv_count_pad_max", "TextVectorization", {"output_mode": "count", "max_tokens": 25, "pad_to_max_tokens": True},
     CORPUS, QUERIES),
    ("tv_rank1_input", "TextVectorization", {"output_sequence_length": 4}, CORPUS,
     ["the dog", "a fox jumps over", "é"]),
    # StringLookup
    ("sl_adapt", "StringLookup", {}, COLORS, [["red"], ["teal"], ["blue"], ["purple"]]),
    ("sl_max_tokens_oov2", "StringLookup", {"max_tokens": 4, "num_oov_indices": 2}, COLORS,
     [["red", "teal"], ["blue", "purple"], ["", "green"]]),
    ("sl_mask", "StringLookup", {"mask_token": ""}, COLORS, [["red", ""], ["", "teal"]]),
    ("sl_one_hot", "StringLookup", {"output_mode": "one_hot"}, COLORS, ["red", "teal", "green"]),
    ("sl_multi_hot", "StringLookup", {"output_mode": "multi_hot"}, COLORS, [["red", "blue"], ["teal", "red"]]),
    ("sl_count", "StringLookup", {"output_mode": "count"}, COLORS, [["red", "red", "teal"], ["teal", "teal", "blue"]]),
    ("sl_tf_idf_given", "StringLookup", {"output_mode": "tf_idf", "vocabulary": ["a", "b", "c"],
                                         "idf_weights": [0.5, 0.25, 0.125]}, None, [["a", "a", "z"], ["c", "b", "b"]]),
    ("sl_tf_idf_adapt", "StringLookup", {"output_mode": "tf_idf"}, [["red", "blue"], ["red", "red"], ["green", "blue"]],
     [["red", "blue"], ["teal", "green"]]),
    ("sl_invert", "StringLookup", {"vocabulary": ["a", "b", "c"], "invert": True}, None, [[1, 2], [3, 0]]),
    ("sl_invert_mask", "StringLookup", {"vocabulary": ["a", "b"], "mask_token": "", "invert": True}, None,
     [[0, 1, 2, 3]]),
    ("sl_oov3_hash", "StringLookup", {"vocabulary": ["a", "b"], "num_oov_indices": 3}, None,
     [["a", "x", "y", "z", "hello", "b", "ünï"]]),
    ("sl_multi_hot_pad", "StringLookup", {"output_mode": "multi_hot", "max_tokens": 8, "pad_to_max_tokens": True},
     COLORS, [["red", "blue"]]),
    ("sl_oov0", "StringLookup", {"vocabulary": ["a", "b"], "num_oov_indices": 0}, None, [["a", "b"]]),
    # IntegerLookup
    ("il_adapt", "IntegerLookup", {}, CODES, [[3], [5], [99], [42]]),
    ("il_mask_oov2", "IntegerLookup", {"mask_token": 0, "num_oov_indices": 2}, CODES, [[3, 0, 99, 100, 7]]),
    ("il_max_tokens", "IntegerLookup", {"max_tokens": 3}, CODES, [[3, 7, 11, 42]]),
    ("il_multi_hot", "IntegerLookup", {"output_mode": "multi_hot"}, CODES, [[3, 7], [99, 3]]),
    ("il_count", "IntegerLookup", {"output_mode": "count"}, CODES, [[3, 3, 99], [7, 7, 7]]),
    ("il_one_hot", "IntegerLookup", {"output_mode": "one_hot"}, CODES, [3, 99, 42]),
    ("il_invert", "IntegerLookup", {"vocabulary": [12, 36, 7], "invert": True}, None, [[1, 2, 3, 0]]),
    ("il_vocab", "IntegerLookup", {"vocabulary": [12, 36, 7], "oov_token": -7}, None, [[12, 7, 1000]]),
    ("il_oov3_hash", "IntegerLookup", {"vocabulary": [12, 36], "num_oov_indices": 3}, None,
     [[12, 5, 6, 7, 1000, -3, 36]]),
    # Hashing
    ("h_strings", "Hashing", {"num_bins": 7}, None, [["red"], ["green"], [""], ["ünïcödé"], ["a long string " * 5]]),
    ("h_ints_mask", "Hashing", {"num_bins": 5, "mask_value": 0}, None, [[0, 1, 2, 3, 1000, -5]]),
    ("h_mask_string", "Hashing", {"num_bins": 4, "mask_value": ""}, None, [["", "a", "b", ""]]),
    ("h_salt_pair", "Hashing", {"num_bins": 11, "salt": [133, 137]}, None, [["red", "green", "blue", ""]]),
    ("h_salt_int", "Hashing", {"num_bins": 11, "salt": 7}, None, [["red", "green"]]),
    ("h_one_hot", "Hashing", {"num_bins": 6, "output_mode": "one_hot"}, None, ["a", "b", "c"]),
    ("h_multi_hot", "Hashing", {"num_bins": 6, "output_mode": "multi_hot"}, None, [["a", "b"], ["c", "c"]]),
    ("h_count", "Hashing", {"num_bins": 6, "output_mode": "count"}, None, [["a", "a", "b"], ["c", "d", "d"]]),
    ("h_floats", "Hashing", {"num_bins": 9}, None, [[1.5, -2.7, 3.0, 1e6]]),
    # CategoryEncoding / Discretization
    ("ce_multi_hot", "CategoryEncoding", {"num_tokens": 5, "output_mode": "multi_hot"}, None, [[0, 1], [4, 4]]),
    ("ce_one_hot", "CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"}, None, [0, 3, 2]),
    ("d_bins", "Discretization", {"bin_boundaries": [0.0, 1.0, 2.5]}, None, [[-1.0, 0.0, 0.5, 1.0, 2.49, 2.5, 9.0]]),
    ("d_adapt", "Discretization", {"num_bins": 4, "epsilon": 0.01}, [[float(v)] for v in range(50)],
     [[0.0, 11.9, 12.5, 25.0, 37.4, 49.0]]),
]


def _array(value):
    if value and isinstance(np.asarray(value, dtype=object).reshape(-1)[0], str):
        return np.array(value)
    return np.array(value)


def run():
    import keras

    results = {}
    for name, cls, kwargs, adapt, inputs in CASES:
        try:
            layer = getattr(keras.layers, cls)(**kwargs)
            if adapt is not None:
                layer.adapt(_array(adapt))
            out = np.asarray(layer(_array(inputs)))
            if out.dtype.kind in "SUO":
                value = [x.decode() if isinstance(x, bytes) else str(x) for x in out.reshape(-1)]
                results[name] = {"values": value, "shape": list(out.shape), "dtype": "string"}
            else:
                results[name] = {"values": out.reshape(-1).tolist(), "shape": list(out.shape), "dtype": str(out.dtype)}
            if hasattr(layer, "get_vocabulary"):
                results[name]["vocabulary"] = [x.decode() if isinstance(x, bytes) else (str(x) if not isinstance(
                    x, (int, np.integer)) else int(x)) for x in layer.get_vocabulary()]
        except Exception as error:  # recorded: lamina should refuse too
            results[name] = {"error": type(error).__name__, "message": str(error)[:300]}
    return results


if __name__ == "__main__":
    results = run()
    with open(sys.argv[1], "w", encoding="utf-8") as handle:
        json.dump({"cases": [list(case) for case in CASES], "results": results}, handle, ensure_ascii=False)
    print({k: v.get("error", v["shape"]) for k, v in results.items()})
