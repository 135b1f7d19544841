"""CIFAR-100: 50,000 training and 10,000 test 32x32 colour images in 100 classes (20 superclasses)."""

import os

import numpy as np

from lamina.datasets.cifar import load_batch
from lamina.utils.file_utils import get_file

__all__ = ["load_data"]


def load_data(label_mode="fine"):
    """Loads CIFAR-100 from `~/.keras/datasets/cifar-100-python-target/cifar-100-python/`.

    Args:
        label_mode: `"fine"` (100 classes) or `"coarse"` (20 superclasses).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images `(50000, 32, 32, 3)` and labels `(50000, 1)`.

    Example:
        >>> (x_train, y_train), _ = keras.datasets.cifar100.load_data(label_mode="coarse")
    """
    from lamina.backend.config import image_data_format

    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'cifar100.load_data: `label_mode` must be "fine" or "coarse"; received '
                         f"label_mode={label_mode!r}.")
    path = get_file(fname="cifar-100-python-target",
                    origin="https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz", extract=True,
                    file_hash="85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7")
    path = os.path.join(path, "cifar-100-python")
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=f"{label_mode}_labels")
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=f"{label_mode}_labels")
    y_train = np.reshape(np.asarray(y_train), (len(y_train), 1))
    y_test = np.reshape(np.asarray(y_test), (len(y_test), 1))
    if image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
