"""IMDB movie reviews: 25,000 training and 25,000 test reviews as word-index lists, labelled 0/1."""

import json

import numpy as np

from lamina.datasets._safe_pickle import ORIGIN_FOLDER, load_npz, require
from lamina.datasets._sequences import remove_long_seq, renumber, shift
from lamina.utils.file_utils import get_file

__all__ = ["get_word_index", "load_data"]


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    """Loads IMDB from `~/.keras/datasets/<path>` as Keras does (same shuffling with `seed`).

    Args:
        path: the file name in the cache.
        num_words: keep the `num_words` most frequent words (others become `oov_char`).
        skip_top: also treat the `skip_top` most frequent words as out of vocabulary.
        maxlen: drop reviews of `maxlen` words or more.
        seed: shuffling seed.
        start_char: index marking a review's start (None: no marker).
        oov_char: index of out-of-vocabulary words (None: drop them).
        index_from: offset added to every word index.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: object arrays of int lists and int labels.

    Example:
        >>> (x_train, y_train), _ = keras.datasets.imdb.load_data(num_words=10000)
        >>> x_train = keras.utils.pad_sequences(x_train, maxlen=200)
    """
    if kwargs:
        raise TypeError(f"imdb.load_data: unexpected keyword arguments {sorted(kwargs)}.")
    path = get_file(fname=path, origin=f"{ORIGIN_FOLDER}imdb.npz",
                    file_hash="69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f")
    x_train, labels_train, x_test, labels_test = require(load_npz(path), ["x_train", "y_train", "x_test", "y_test"],
                                                         path)
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]
    x_train, x_test = shift(x_train, start_char, index_from), shift(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = remove_long_seq(maxlen, x_train, labels_train)
        x_test, labels_test = remove_long_seq(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"imdb.load_data: no review is shorter than maxlen={maxlen}; increase maxlen.")
    sequences = renumber(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    split = len(x_train)
    return ((np.array(sequences[:split], dtype="object"), labels[:split]),
            (np.array(sequences[split:], dtype="object"), labels[split:]))


def get_word_index(path="imdb_word_index.json"):
    """The `{word: index}` dict of the IMDB data (indices before `index_from` is added).

    Example:
        >>> index = keras.datasets.imdb.get_word_index()
    """
    path = get_file(fname=path, origin=f"{ORIGIN_FOLDER}imdb_word_index.json",
                    file_hash="bfafd718b763782e994055a2d397834f")
    with open(path) as f:
        return json.load(f)
