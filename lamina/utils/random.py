"""`set_random_seed`: one call seeds Python, NumPy and torch for repeatable runs."""

import os
import random

import numpy as np
import torch

__all__ = ["set_random_seed"]


def set_random_seed(seed):
    """Seeds Python's `random`, NumPy's global generator and torch (CPU and all CUDA devices).

    With the same seed, building and training a model on CPU gives bit-for-bit
    identical weights and losses (initializers, Dropout and `fit`'s shuffling
    all draw from these generators).

    Args:
        seed: a non-negative int.

    Example:
        >>> lamina.utils.set_random_seed(1337)
        >>> model = build_model(); model.fit(x, y)  # same result every run
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"set_random_seed expects a non-negative int; received {seed!r}.")
    seed = int(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)  # for subprocesses (e.g. DataLoader workers)
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)
