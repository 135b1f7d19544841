"""`TextVectorization`: raw strings to token indices or bag-of-words vectors.

String flow (torch has no string tensor): the layer takes a NumPy array of `str`/`bytes`/`object`
of shape `(batch,)` or `(batch, 1)`, a list of `str`, or a single `str`, and returns a
`torch.Tensor`: int64 `(batch, sequence_length)` for `output_mode="int"`, float32
`(batch, vocabulary_size)` otherwise. Inside a model it is fed the same arrays (`fit`/`predict`
on string arrays, `keras.Input(shape=(1,), dtype="string")`).

Text processing follows TensorFlow's ops as Keras uses them, so the tokens equal Keras's:

* "lower" lowercases ASCII letters only (`tf.strings.lower`);
* "strip_punctuation" removes Keras's punctuation set `!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~'`;
* "whitespace" splits on runs of ASCII whitespace (`tf.strings.split`), "character" splits into
  Unicode characters;
* `ngrams` joins consecutive tokens with a space, all n-grams of each width in turn.

Callables replace TensorFlow string ops: a `standardize` callable receives a NumPy object array
of `str` and returns one of the same shape; a `split` callable receives a 1D NumPy object array of
`str` and returns one list (or array) of tokens per element.

The vocabulary (also when learned with `adapt`) is written into the config, so `.keras` files
and `from_config` carry it.
"""

import re

import numpy as np
import torch

from lamina.layers.layer import Layer
from lamina.layers.preprocessing._strings import as_string_array, is_string_array, output_device
from lamina.layers.preprocessing.index_lookup import encode_categorical
from lamina.layers.preprocessing.string_lookup import StringLookup

__all__ = ["TextVectorization"]

_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_STANDARDIZE = (None, "lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = (None, "whitespace", "character")


def _serialize_callable(fn):
    from lamina.saving.object_serialization import serialize_keras_object

    return serialize_keras_object(fn)


class TextVectorization(Layer):
    """Standardizes, splits and maps text to integer sequences or dense vectors, as Keras's layer.

    Args:
        max_tokens: maximum vocabulary size (the "" padding and "[UNK]" entries included).
        standardize: "lower_and_strip_punctuation" (default), "lower", "strip_punctuation", None or a
            callable on a NumPy object array of `str`.
        split: "whitespace" (default), "character", None or a callable (see the module docstring).
        ngrams: None, an int n (all n-grams of widths 1..n) or a tuple of widths.
        output_mode: "int" (default), "multi_hot", "count" or "tf_idf".
        output_sequence_length: with "int", pad or cut every sequence to this length (None: pad to
            the longest sequence in the batch).
        pad_to_max_tokens: with the vector modes, output `max_tokens` columns.
        vocabulary: list of tokens or a path to a file with one token per line.
        idf_weights: with "tf_idf" and `vocabulary`, one weight per vocabulary entry.
        sparse: must be False in lamina. ragged: must be False in lamina (torch has no ragged tensor).
        encoding: text encoding of `bytes` inputs.

    Shapes:
        input `(batch,)` or `(batch, 1)` strings -> int `(batch, sequence_length)` or
        vectors `(batch, vocabulary_size)`.

    Example:
        >>> layer = TextVectorization(max_tokens=10, output_sequence_length=4)
        >>> layer.adapt(["the cat sat", "the dog"])
        >>> layer(["the cat", "a bird sat"])
        tensor([[2, 5, 0, 0],
                [1, 1, 3, 0]])
    """

    _accepts_strings = True

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False,
                 vocabulary=None, idf_weights=None, sparse=False, ragged=False, encoding="utf-8",
                 name=None, **kwargs):
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        kwargs.pop("dtype", None)
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(name=name, **kwargs)
        owner = f"TextVectorization layer '{self.name}'"
        self._owner = owner
        if not (standardize in _STANDARDIZE or callable(standardize)):
            raise ValueError(f"{owner}: unknown standardize={standardize!r}; expected one of "
                             f"{list(_STANDARDIZE)} or a callable.")
        if not (split in _SPLIT or callable(split)):
            raise ValueError(f"{owner}: unknown split={split!r}; expected one of {list(_SPLIT)} or a callable.")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("int", "multi_hot", "count", "tf_idf"):
            raise ValueError(f"{owner}: unknown output_mode={output_mode!r}; expected 'int', 'multi_hot', "
                             f"'count' or 'tf_idf'.")
        if isinstance(ngrams, bool) or not (ngrams is None or (isinstance(ngrams, int) and ngrams > 0) or
                                            (isinstance(ngrams, (tuple, list)) and ngrams and
                                             all(isinstance(i, int) and i > 0 for i in ngrams))):
            raise ValueError(f"{owner}: `ngrams` must be None, an integer > 0, or a tuple of integers > 0. "
                             f"Received: ngrams={ngrams!r}")
        if output_mode == "int" and not (output_sequence_length is None or
                                         (isinstance(output_sequence_length, int) and output_sequence_length > 0)):
            raise ValueError(f"{owner}: `output_sequence_length` must be None or an integer > 0; received "
                             f"output_sequence_length={output_sequence_length!r}.")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(f"{owner}: `output_sequence_length` must not be set if `output_mode` is not "
                             f"'int'. Received output_sequence_length={output_sequence_length}.")
        if ragged:
            raise ValueError(f"{owner}: ragged=True is not supported by lamina (torch has no ragged "
                             f"tensor); use output_sequence_length, or ragged=False to pad to the "
                             f"longest sequence of the batch.")
        if sparse:
            raise ValueError(f"{owner}: sparse=True is not supported by lamina; use sparse=False.")
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = list(ngrams) if isinstance(ngrams, list) else ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else \
            (tuple(ngrams) if ngrams is not None else None)
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._ragged = ragged
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            sparse=sparse, encoding=encoding, vocabulary_size=vocabulary_size,
            name=f"{self.name}_lookup")
        self.built = True

    # ------------------------------------------------------------------ properties as Keras

    @property
    def max_tokens(self):
        return self._lookup_layer.max_tokens

    @property
    def output_mode(self):
        return self._output_mode

    @property
    def output_sequence_length(self):
        return self._output_sequence_length

    @property
    def pad_to_max_tokens(self):
        return self._lookup_layer.pad_to_max_tokens

    def vocabulary_size(self):
        """The vocabulary size, including the "" padding (int mode) and "[UNK]" entries."""
        return self._lookup_layer.vocabulary_size()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary: a token's position is its index."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and idf weights for "tf_idf"); see `StringLookup.set_vocabulary`."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # ------------------------------------------------------------------ text processing

    def _standardized(self, strings):
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            strings = np.vectorize(lambda s: s.translate(_ASCII_LOWER), otypes=[object])(strings) \
                if strings.size else strings
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            strings = np.vectorize(lambda s: _PUNCTUATION.sub("", s), otypes=[object])(strings) \
                if strings.size else strings
        if callable(self._standardize):
            result = self._standardize(strings)
            if isinstance(result, torch.Tensor) or not is_string_array(result if np.ndim(result) else [result]):
                raise TypeError(f"{self._owner}: the `standardize` callable must return strings (a NumPy "
                                f"array or list of str); received {type(result).__name__}.")
            strings = as_string_array(result, self.name).reshape(strings.shape)
        return strings

    def _tokens(self, inputs):
        """One list of tokens per input string (after standardize, split and ngrams)."""
        if isinstance(inputs, torch.Tensor):
            raise TypeError(f"{self._owner} expects strings (a NumPy array of str, a list of str or a "
                            f"str); received a torch.Tensor of dtype {inputs.dtype}.")
        if not is_string_array(inputs):
            kind = getattr(inputs, "dtype", type(inputs).__name__)
            raise TypeError(f"{self._owner} expects strings (a NumPy array of str, a list of str or a "
                            f"str); received {kind}.")
        strings = as_string_array(inputs, self.name)
        if strings.ndim == 0:
            strings = strings.reshape(1)
        strings = self._standardized(strings)
        if self._split is None:
            if strings.ndim == 1:
                rows = [[s] for s in strings]
            else:
                rows = [list(row) for row in strings.reshape(strings.shape[0], -1)]
        else:
            if strings.ndim > 1:
                if strings.shape[-1] != 1 or strings.ndim > 2:
                    raise ValueError(f"{self._owner}: when using TextVectorization to tokenize strings, "
                                     f"the input rank must be 1 or the last shape dimension must be 1. "
                                     f"Received: inputs.shape={strings.shape} with rank={strings.ndim}")
                strings = strings.reshape(-1)
            if self._split == "whitespace":
                rows = [[t for t in _WHITESPACE.split(s) if t] for s in strings]
            elif self._split == "character":
                rows = [list(s) for s in strings]
            else:
                rows = [[str(t) if not isinstance(t, bytes) else t.decode(self._encoding) for t in tokens]
                        for tokens in self._split(strings)]
                if len(rows) != len(strings):
                    raise ValueError(f"{self._owner}: the `split` callable must return one list of tokens "
                                     f"per input string; received {len(rows)} lists for {len(strings)} strings.")
        if self._ngrams is not None:
            rows = [[" ".join(row[i:i + n]) for n in self._ngrams for i in range(len(row) - n + 1)]
                    for row in rows]
        return rows

    # ------------------------------------------------------------------ adapt / call

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary (and idf weights for "tf_idf") from text.

        Args:
            data: array or list of strings, or an iterable of such batches (a generator, a
                `DataLoader`, a dataset yielding `(x, y)` pairs: x is used).
            batch_size: unused (kept for Keras's signature).
            steps: with an iterable, the number of batches to read.
        """
        lookup = self._lookup_layer
        if lookup._has_input_vocabulary:
            raise ValueError(f"{self._owner}: cannot adapt a layer created with a `vocabulary` argument.")
        lookup._reset_adapt_state()
        if is_string_array(data):
            batches = [data]
        else:
            try:
                batches = iter(data)
            except TypeError:
                raise TypeError(f"{self._owner}.adapt(): expected strings (an array or list of str) or an "
                                f"iterable of batches of strings; received {type(data).__name__}.") from None
        for index, batch in enumerate(batches):
            if steps is not None and index >= steps:
                break
            if isinstance(batch, tuple) and len(batch) in (2, 3) and not is_string_array(batch):
                batch = batch[0]
            lookup._update_rows(self._tokens(batch))
        lookup._finalize_state()

    def call(self, inputs):
        lookup = self._lookup_layer
        lookup._ensure_known_vocab_size()
        object.__setattr__(lookup, "_called", True)
        rows = self._tokens(inputs)
        device = output_device(self)
        lengths = [len(r) for r in rows]
        flat = [t for r in rows for t in r]
        indices = lookup._indices_of(flat) if flat else np.zeros(0, dtype=np.int64)
        if self._output_mode == "int":
            width = self._output_sequence_length
            if width is None:
                width = max(lengths, default=0)
            out = np.zeros((len(rows), width), dtype=np.int64)
            offset = 0
            for i, length in enumerate(lengths):
                take = min(length, width)
                out[i, :take] = indices[offset:offset + take]
                offset += length
            return torch.from_numpy(out).to(device)
        width = max(lengths, default=0)
        padded = np.full((len(rows), width), -1, dtype=np.int64)
        offset = 0
        for i, length in enumerate(lengths):
            padded[i, :length] = indices[offset:offset + length]
            offset += length
        depth = lookup.max_tokens if lookup.pad_to_max_tokens else lookup._frozen_vocab_size
        mode = "count" if self._output_mode == "tf_idf" else self._output_mode
        encoded = encode_categorical(torch.from_numpy(padded), mode, depth).reshape(len(rows), depth)
        encoded = encoded.to(torch.float32).to(device)
        if self._output_mode == "tf_idf":
            encoded = encoded * lookup.idf_weights.to(device)
        return encoded

    def compute_output_dtype(self, input_dtype):
        return "int64" if self._output_mode == "int" else "float32"

    def compute_output_shape(self, input_shape):
        batch = tuple(input_shape)[0] if len(tuple(input_shape)) else None
        if self._output_mode == "int":
            return (batch, self._output_sequence_length)
        lookup = self._lookup_layer
        depth = lookup.max_tokens if lookup.pad_to_max_tokens else lookup._frozen_vocab_size
        return (batch, depth)

    # ------------------------------------------------------------------ config / state

    def get_config(self):
        lookup = self._lookup_layer
        lookup_config = lookup.get_config()
        standardize, split = self._standardize, self._split
        if callable(standardize):
            standardize = _serialize_callable(standardize)
        if callable(split):
            split = _serialize_callable(split)
        config = {
            "max_tokens": lookup.max_tokens,
            "standardize": standardize,
            "split": split,
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": lookup.sparse,
            "ragged": self._ragged,
            "vocabulary": lookup_config["vocabulary"],
            "idf_weights": lookup_config["idf_weights"],
            "encoding": self._encoding,
            "vocabulary_size": lookup.vocabulary_size() if lookup._tokens else None,
        }
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=True):
        from lamina.saving.object_serialization import deserialize_keras_object

        config = dict(config)
        for key in ("standardize", "split"):
            if isinstance(config.get(key), dict):
                config[key] = deserialize_keras_object(config[key], custom_objects, safe_mode)
        vocabulary = config.get("vocabulary")
        if isinstance(vocabulary, str):
            from lamina.backend.config import in_safe_mode

            if not (in_safe_mode() is False or (in_safe_mode() is None and not safe_mode)):
                raise ValueError(f"TextVectorization '{config.get('name')}': the config asks to read the "
                                 f"vocabulary file {vocabulary!r} outside of the model archive, which is "
                                 f"refused in safe mode. If you trust the file, load with safe_mode=False.")
        return cls(**config)

    # The idf weights and the vocabulary live in the lookup layer; Keras stores them both here and
    # under `_lookup_layer/` (the walk visits that child too), and reads them here.
    def save_own_variables(self, store):
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path):
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)
