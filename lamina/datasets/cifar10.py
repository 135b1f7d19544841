"""CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes."""

import os

import numpy as np

from lamina.datasets.cifar import load_batch
from lamina.utils.file_utils import get_file

__all__ = ["load_data"]


def load_data():
    """Loads CIFAR-10 from `~/.keras/datasets/cifar-10-batches-py-target/cifar-10-batches-py/`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images `(50000, 32, 32, 3)` (channels first when
        `image_data_format()` is `"channels_first"`) and labels `(50000, 1)` (uint8; the test labels int64, as Keras returns them); 10000 for test.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    """
    from lamina.backend.config import image_data_format

    path = get_file(fname="cifar-10-batches-py-target", origin="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                    extract=True, file_hash="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce")
    path = os.path.join(path, "cifar-10-batches-py")
    parts = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([data for data, _ in parts]).astype("uint8")
    y_train = np.concatenate([np.asarray(labels) for _, labels in parts]).astype("uint8")
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    # As in Keras: training labels uint8, test labels as the pickled list gives them (int64).
    y_train, y_test = y_train.reshape(-1, 1), np.reshape(y_test, (len(y_test), 1))
    if image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
