"""Fashion-MNIST: 60,000 training and 10,000 test 28x28 grayscale images of 10 kinds of clothing."""

import gzip
import os

import numpy as np

from lamina.utils.file_utils import get_file

__all__ = ["load_data"]

_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
          "t10k-images-idx3-ubyte.gz")


def load_data():
    """Loads Fashion-MNIST from `~/.keras/datasets/fashion-mnist/` (Keras's four gzipped IDX files).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays `(60000, 28, 28)`, `(60000,)`,
        `(10000, 28, 28)`, `(10000,)`.

    Example:
        >>> (x_train, y_train), _ = keras.datasets.fashion_mnist.load_data()
    """
    base = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
    paths = [get_file(name, origin=base + name, cache_subdir=os.path.join("datasets", "fashion-mnist"))
             for name in _FILES]
    arrays = []
    for path, offset in zip(paths, (8, 16, 8, 16)):
        with gzip.open(path, "rb") as f:
            arrays.append(np.frombuffer(f.read(), np.uint8, offset=offset))
    y_train, x_train, y_test, x_test = arrays
    return (x_train.reshape(len(y_train), 28, 28), y_train), (x_test.reshape(len(y_test), 28, 28), y_test)
