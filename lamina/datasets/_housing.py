"""The shuffle-and-split both housing datasets share."""

import numpy as np

__all__ = ["check_test_split", "shuffle_split"]


def check_test_split(test_split, function):
    if not 0 <= test_split < 1:
        raise ValueError(f"{function}: `test_split` must be a fraction in [0, 1); received test_split={test_split}.")


def shuffle_split(x, y, test_split, seed):
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x))
    rng.shuffle(indices)
    x, y = x[indices], y[indices]
    split = int(len(x) * (1 - test_split))
    return (np.array(x[:split]), np.array(y[:split])), (np.array(x[split:]), np.array(y[split:]))
