"""California housing prices: 20,640 samples of 8 features, target the median house value."""

import numpy as np

from lamina.datasets._housing import check_test_split, shuffle_split
from lamina.datasets._safe_pickle import ORIGIN_FOLDER, require
from lamina.utils.file_utils import get_file

__all__ = ["load_data"]


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Loads the California housing data from `~/.keras/datasets/<path>`, shuffled with `seed` and split.

    Args:
        version: `"large"` (all 20,640 samples) or `"small"` (the first 600).
        path: the file name in the cache.
        test_split: the fraction kept for test.
        seed: the shuffling seed.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: float arrays `(n, 8)` and `(n,)`.

    Example:
        >>> (x_train, y_train), _ = keras.datasets.california_housing.load_data(version="small")
    """
    check_test_split(test_split, "california_housing.load_data")
    path = get_file(path, origin=f"{ORIGIN_FOLDER}california_housing.npz",
                    file_hash="1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f")
    with np.load(path, allow_pickle=False) as f:
        x, y = require(f, ["x", "y"], path)
    if version == "small":
        x, y = x[:600], y[:600]
    elif version != "large":
        raise ValueError(f"california_housing.load_data: `version` must be 'small' or 'large'; received "
                         f"version={version!r}.")
    return shuffle_split(x, y, test_split, seed)
