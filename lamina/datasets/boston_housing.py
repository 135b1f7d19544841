"""Boston housing prices: 506 samples of 13 features, target the median value in k$."""

import numpy as np

from lamina.datasets._housing import check_test_split, shuffle_split
from lamina.datasets._safe_pickle import ORIGIN_FOLDER, require
from lamina.utils.file_utils import get_file

__all__ = ["load_data"]


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Loads the Boston housing data from `~/.keras/datasets/<path>`, shuffled with `seed` and split.

    Args:
        path: the file name in the cache.
        test_split: the fraction kept for test.
        seed: the shuffling seed.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: float arrays `(n, 13)` and `(n,)`.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data()
    """
    check_test_split(test_split, "boston_housing.load_data")
    path = get_file(path, origin=f"{ORIGIN_FOLDER}boston_housing.npz",
                    file_hash="f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5")
    with np.load(path, allow_pickle=False) as f:
        x, y = require(f, ["x", "y"], path)
    return shuffle_split(x, y, test_split, seed)
