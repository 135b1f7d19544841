"""Shared parts of the `*_dataset_from_directory` helpers (file indexing, label inference, splits) and
`split_dataset`."""

import os

import numpy as np

__all__ = ["index_directory", "split_dataset", "labels_to_targets", "get_training_or_validation_split",
           "check_validation_split_arg"]


def _walk(directory, follow_links):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0]):
        for name in sorted(files):
            yield root, name


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None, follow_links=False,
                    function="index_directory"):
    """Finds the files with one of `formats` (extensions) under `directory`.

    Returns `(file_paths, labels, class_names)`: with `labels="inferred"` each immediate sub-folder is a
    class (sorted alphanumerically unless `class_names` orders them), and files in nested folders
    belong to their top folder's class. Files are in sorted order, shuffled with `seed` when `shuffle`.
    """
    if not os.path.isdir(directory):
        raise ValueError(f"{function}: directory {directory!r} does not exist or is not a folder.")
    formats = tuple(f.lower() for f in formats)
    if labels == "inferred":
        subdirs = sorted(d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d)))
        if class_names is not None:
            if sorted(set(class_names)) != sorted(subdirs) and not set(class_names) <= set(subdirs):
                raise ValueError(f"{function}: `class_names` must name the class folders of {directory!r}; "
                                 f"received class_names={list(class_names)}, folders found: {subdirs}.")
            subdirs = list(class_names)
        class_names = subdirs
    else:
        subdirs = [""]
    paths, label_indices = [], []
    for class_index, subdir in enumerate(subdirs):
        for root, name in _walk(os.path.join(directory, subdir), follow_links):
            if name.lower().endswith(formats):
                paths.append(os.path.join(root, name))
                label_indices.append(class_index)
    if labels == "inferred":
        file_labels = np.asarray(label_indices, dtype="int64")
    elif labels is None:
        file_labels = None
    else:
        file_labels = np.asarray(labels)
        if len(file_labels) != len(paths):
            raise ValueError(f"{function}: `labels` must have one label per file: {len(paths)} files were found "
                             f"in {directory!r} (in alphanumeric order of their paths) but {len(file_labels)} "
                             f"labels were given.")
        if class_names is None and file_labels.dtype.kind in "iu" and len(file_labels):
            class_names = [str(i) for i in range(int(file_labels.max()) + 1)]
    if shuffle:
        rng = np.random.RandomState(np.random.randint(1e6) if seed is None else seed)
        order = rng.permutation(len(paths))
        paths = [paths[i] for i in order]
        if file_labels is not None:
            file_labels = file_labels[order]
    return paths, file_labels, class_names


def check_validation_split_arg(validation_split, subset, shuffle, seed, function):
    """Keras's rules for `validation_split`/`subset`/`seed`."""
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"{function}: `validation_split` must be between 0 and 1; received "
                         f"validation_split={validation_split}.")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(f"{function}: `validation_split` and `subset` go together; received "
                         f"validation_split={validation_split!r}, subset={subset!r}.")
    if subset not in (None, "training", "validation", "both"):
        raise ValueError(f"{function}: `subset` must be 'training', 'validation' or 'both'; received "
                         f"subset={subset!r}.")
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{function}: with `validation_split` and shuffle=True, pass a `seed` so that the "
                         f"training and validation subsets do not overlap.")


def get_training_or_validation_split(samples, labels, validation_split, subset):
    """The first `1 - validation_split` of the (already shuffled) files for training, the rest for validation."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        return samples[:len(samples) - num_val], None if labels is None else labels[:len(samples) - num_val]
    return samples[len(samples) - num_val:], None if labels is None else labels[len(samples) - num_val:]


def labels_to_targets(labels, label_mode, num_classes, function):
    """Integer labels -> the per-file target array for `label_mode`."""
    if label_mode == "int":
        return np.asarray(labels, dtype="int32")
    if label_mode == "binary":
        if num_classes != 2:
            raise ValueError(f"{function}: label_mode='binary' needs exactly 2 classes; found {num_classes}. Use "
                             f"'int' or 'categorical'.")
        return np.asarray(labels, dtype="float32")[:, None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[np.asarray(labels, dtype="int64")]
    raise ValueError(f"{function}: label_mode must be 'int', 'categorical', 'binary' or None; received "
                     f"{label_mode!r}.")


def _items(dataset):
    """All items of an array/tuple/list-of-arrays or an iterable of items (tensors converted to NumPy)."""
    import torch

    def to_numpy(value):
        return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)

    if isinstance(dataset, (np.ndarray, torch.Tensor)):
        return to_numpy(dataset), None
    if isinstance(dataset, (tuple, list)) and dataset and all(hasattr(part, "__len__") for part in dataset) \
            and len({len(part) for part in dataset}) == 1 and not isinstance(dataset[0], (str, bytes)):
        return tuple(to_numpy(part) for part in dataset), "tuple"
    if isinstance(dataset, dict):
        return {key: to_numpy(value) for key, value in dataset.items()}, "dict"
    if hasattr(dataset, "__iter__"):
        return list(dataset), "items"
    raise TypeError(f"split_dataset: `dataset` must be an array, a tuple/list/dict of arrays of one length, or an "
                    f"iterable of samples; received {type(dataset).__name__}.")


def _rescale_sizes(left_size, right_size, total):
    """Keras's rules: ints in (0, total), floats in (0, 1), rounded; the missing side is the rest."""
    if left_size is None and right_size is None:
        raise ValueError("split_dataset: at least one of `left_size` or `right_size` must be given; received "
                         "left_size=None and right_size=None.")
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is None:
            continue
        if not isinstance(size, (int, float, np.integer, np.floating)) or isinstance(size, bool):
            raise TypeError(f"split_dataset: `{name}` must be an int or a float; received "
                            f"{type(size).__name__} {size!r}.")
        if isinstance(size, (int, np.integer)) and not 0 < size < total or \
                isinstance(size, (float, np.floating)) and not 0 < size < 1:
            raise ValueError(f"split_dataset: `{name}` must be an int in (0, {total}) (the dataset's length) or a "
                             f"float in (0, 1); received {name}={size!r}.")
    if isinstance(left_size, float) and isinstance(right_size, float) and left_size + right_size > 1:
        raise ValueError(f"split_dataset: left_size + right_size must be at most 1 as fractions; received "
                         f"{left_size} + {right_size}.")
    if isinstance(left_size, (float, np.floating)):
        left_size = round(left_size * total)
    if isinstance(right_size, (float, np.floating)):
        right_size = round(right_size * total)
    if left_size is None:
        left_size = total - right_size
    if right_size is None:
        right_size = total - left_size
    if left_size + right_size > total:
        raise ValueError(f"split_dataset: left_size + right_size ({left_size} + {right_size}) exceeds the "
                         f"{total} samples of the dataset.")
    if left_size == 0 or right_size == 0:
        raise ValueError(f"split_dataset: with {total} samples, left_size={left_size} and right_size={right_size} "
                         f"leave one side empty; adjust the sizes.")
    return int(left_size), int(right_size)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None, preferred_backend=None):
    """Splits samples into two datasets of `left_size` and `right_size` samples.

    Args:
        dataset: an array, a tuple/list/dict of arrays with one length (split along axis 0), or an
            iterable of samples (e.g. a torch map-style `Dataset` or a list of `(x, y)` pairs).
        left_size, right_size: an int (samples) or a float in (0, 1) (fraction, rounded); a side left
            None gets the rest. At least one must be given.
        shuffle: shuffle the samples before splitting.
        seed: the shuffling seed.
        preferred_backend: accepted for Keras compatibility; lamina always returns torch datasets.

    Returns:
        `(left, right)`: two `torch.utils.data.Dataset`s of samples: tuples of tensors for an array or a
        tuple/list of arrays (as Keras's torch backend returns them), dicts for a dict; `fit` batches them
        with its `batch_size` and torch's `DataLoader` accepts them.

    Example:
        >>> left, right = split_dataset(np.arange(10), left_size=0.8)
        >>> left[0]
        (tensor(0),)
        >>> len(left), len(right)
        (8, 2)
    """
    import torch
    from torch.utils.data import Dataset

    items, kind = _items(dataset)
    if kind == "tuple":
        total = len(items[0])
    elif kind == "dict":
        total = len(next(iter(items.values())))
    else:
        total = len(items)
    left_size, right_size = _rescale_sizes(left_size, right_size, total)
    order = np.arange(total)
    if shuffle:
        np.random.RandomState(seed).shuffle(order)
    left_order, right_order = order[:left_size], order[left_size:left_size + right_size]

    def to_tensor(value):
        value = np.asarray(value)
        return value if value.dtype.kind in "USO" else torch.as_tensor(value)

    class _Split(Dataset):
        def __init__(self, indices):
            self.indices = indices

        def __len__(self):
            return len(self.indices)

        def __getitem__(self, i):
            index = int(self.indices[i])
            if kind == "tuple":
                return tuple(to_tensor(part[index]) for part in items)
            if kind == "dict":
                return {key: to_tensor(value[index]) for key, value in items.items()}
            if kind == "items":
                return items[index]
            return (to_tensor(items[index]),)

    return _Split(left_order), _Split(right_order)
