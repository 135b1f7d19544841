"""`make_data`: picks the adapter for whatever the user passed as `x`."""

import types

import numpy as np
import torch

from lamina.trainers.data_adapters.array_data import ArrayData
from lamina.trainers.data_adapters.iterable_data import IterableData
from lamina.trainers.data_adapters.py_dataset_data import PyDatasetData

__all__ = ["make_data", "is_array_structure"]


def is_array_structure(x) -> bool:
    """True for arrays/tensors and lists/tuples/dicts whose leaves are all arrays/tensors."""
    if isinstance(x, (np.ndarray, torch.Tensor)):
        return True
    if isinstance(x, dict):
        return len(x) > 0 and all(is_array_structure(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        if len(x) > 0 and all(isinstance(v, (int, float, bool, np.number)) for v in x):
            return True
        if len(x) > 0 and all(isinstance(v, str) for v in x):
            return True  # a list of strings: one string array (for TextVectorization & co.)
        return len(x) > 0 and all(is_array_structure(v) for v in x)
    return False


def make_data(x, y=None, sample_weight=None, batch_size=32, shuffle=False, class_weight=None, device=None,
              caller="fit"):
    """An `ArrayData` for in-memory data, else an `IterableData`.

    Args:
        x: inputs: arrays (also in lists/dicts), or a Dataset/DataLoader/generator
            yielding batches (then `y` must be None).
        y, sample_weight: targets and weights for in-memory `x`.
        batch_size, shuffle: batching of in-memory data and Datasets.
        class_weight: `{class_id: weight}`; becomes sample weights.
        device: target device.
        caller: name used in error messages.
    """
    if x is None:
        raise ValueError(f"{caller}() needs data: x is None.")
    if is_array_structure(x):
        data = ArrayData(x, y, sample_weight, batch_size=batch_size or 32, shuffle=shuffle, device=device)
        return data if class_weight is None else data.with_class_weight(class_weight, caller)
    if y is not None:
        raise ValueError(
            f"{caller}(): `y` must not be given when x is a {type(x).__name__} (a dataset, loader or generator "
            f"yields (x, y) pairs itself)."
        )
    if sample_weight is not None:
        raise ValueError(f"{caller}(): `sample_weight` cannot be given with a {type(x).__name__}; yield (x, y, sw).")
    from torch.utils.data import Dataset

    from lamina.utils.py_dataset import PyDataset

    if isinstance(x, PyDataset):
        return PyDatasetData(x, shuffle=shuffle, class_weight=class_weight, device=device)
    if isinstance(x, (str, bytes)) or not (hasattr(x, "__iter__") or isinstance(x, (types.GeneratorType, Dataset))):
        raise TypeError(
            f"{caller}(): unsupported data type {type(x).__name__}. Pass NumPy arrays, torch tensors, lists or "
            f"dicts of them, a torch Dataset/DataLoader, or a generator of (x, y) batches."
        )
    return IterableData(x, batch_size=batch_size or 32, shuffle=shuffle, class_weight=class_weight, device=device)
