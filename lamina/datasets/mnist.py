"""MNIST digits: 60,000 training and 10,000 test 28x28 grayscale images."""

import numpy as np

from lamina.datasets._safe_pickle import ORIGIN_FOLDER, require
from lamina.utils.file_utils import get_file

__all__ = ["load_data"]


def load_data(path="mnist.npz"):
    """Loads MNIST from `~/.keras/datasets/<path>` (fetched from Keras's URL if absent).

    Args:
        path: the file name in the cache.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays `(60000, 28, 28)`, `(60000,)`,
        `(10000, 28, 28)`, `(10000,)`.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    """
    path = get_file(fname=path, origin=f"{ORIGIN_FOLDER}mnist.npz",
                    file_hash="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1")
    with np.load(path, allow_pickle=False) as f:
        x_train, y_train, x_test, y_test = require(f, ["x_train", "y_train", "x_test", "y_test"], path)
    return (x_train, y_train), (x_test, y_test)
