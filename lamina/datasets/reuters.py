"""Reuters newswires: 11,228 newswires as word-index lists labelled with 46 topics."""

import json

import numpy as np

from lamina.datasets._safe_pickle import ORIGIN_FOLDER, load_npz, require
from lamina.datasets._sequences import remove_long_seq, renumber, shift
from lamina.utils.file_utils import get_file

__all__ = ["get_label_names", "get_word_index", "load_data"]


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113, start_char=1,
              oov_char=2, index_from=3):
    """Loads Reuters from `~/.keras/datasets/<path>` and splits it as Keras does.

    Args:
        path: the file name in the cache.
        num_words, skip_top, maxlen, start_char, oov_char, index_from: as in `imdb.load_data`.
        test_split: the fraction of samples (after shuffling with `seed`) kept for test.
        seed: shuffling seed.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: object arrays of int lists and int labels (0..45).

    Example:
        >>> (x_train, y_train), (x_test, y_test) = keras.datasets.reuters.load_data(num_words=10000)
    """
    path = get_file(fname=path, origin=f"{ORIGIN_FOLDER}reuters.npz",
                    file_hash="d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916")
    xs, labels = require(load_npz(path), ["x", "y"], path)
    rng = np.random.RandomState(seed)
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    xs, labels = xs[indices], labels[indices]
    xs = shift(xs, start_char, index_from)
    if maxlen:
        xs, labels = remove_long_seq(maxlen, xs, labels)
    xs = renumber(xs, num_words, skip_top, oov_char)
    split = int(len(xs) * (1 - test_split))
    return ((np.array(xs[:split], dtype="object"), np.array(labels[:split])),
            (np.array(xs[split:], dtype="object"), np.array(labels[split:])))


def get_word_index(path="reuters_word_index.json"):
    """The `{word: index}` dict of the Reuters data (indices before `index_from` is added)."""
    path = get_file(path, origin=f"{ORIGIN_FOLDER}reuters_word_index.json",
                    file_hash="4d44cc38712099c9e383dc6e5f11a921")
    with open(path) as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, index = label."""
    return ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
            "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
            "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
            "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
            "dlr", "gas", "silver", "wpi", "hog", "lead")
