"""`text_dataset_from_directory`: a folder of class sub-folders of `.txt` files -> batches of strings."""

import numpy as np

from lamina.utils.batched_dataset import BatchedDataset
from lamina.utils.dataset_utils import (check_validation_split_arg, get_training_or_validation_split,
                                        index_directory, labels_to_targets)
from lamina.utils.timeseries_dataset_utils import check_format

__all__ = ["text_dataset_from_directory"]

_FUNCTION = "text_dataset_from_directory"


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, format="tf", verbose=True):
    """Batches of texts (NumPy str arrays) and labels from `directory/<class>/<file>.txt`.

    Args:
        directory: the folder; with `labels="inferred"` each sub-folder is a class.
        labels: `"inferred"`, None (texts only) or a list of integer labels, one per file in alphanumeric
            path order.
        label_mode: `"int"`, `"categorical"`, `"binary"` or None.
        class_names: the class folders to use, in label order.
        batch_size: texts per batch; None yields single texts.
        max_length: keep at most this many characters of each text.
        shuffle, seed: shuffle the files (with `seed`) and the batches each epoch.
        validation_split, subset: as in `image_dataset_from_directory` (`"both"` returns a pair).
        follow_links: follow symbolic links to folders.
        format: `"tf"` (Keras's default; also None): lamina returns a `BatchedDataset`, its iterable
            of torch-tensor batches with the `tf.data` methods keras.io programs call (map, take,
            skip, prefetch, cache). `"grain"` is refused.
        verbose: print how many files and classes were found.

    Returns:
        A `BatchedDataset` of `(texts, labels)`: texts a NumPy str array `(batch,)` (what lamina's
        `TextVectorization` takes), labels torch tensors; `class_names` attribute.

    Example:
        >>> train = text_dataset_from_directory("aclImdb/train", batch_size=32, seed=1337,
        ...                                     validation_split=0.2, subset="training")
    """
    check_format(format, _FUNCTION)
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f"{_FUNCTION}: label_mode must be 'int', 'categorical', 'binary' or None; received "
                         f"label_mode={label_mode!r}.")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    check_validation_split_arg(validation_split, subset, shuffle, seed, _FUNCTION)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, file_labels, class_names = index_directory(directory, labels, (".txt",), class_names, shuffle=shuffle,
                                                      seed=seed, follow_links=follow_links, function=_FUNCTION)
    if not paths:
        raise ValueError(f"{_FUNCTION}: no text files (.txt) found in directory {directory!r}.")
    num_classes = len(class_names) if class_names else 0
    if label_mode == "binary" and num_classes != 2:
        raise ValueError(f"{_FUNCTION}: label_mode='binary' needs exactly 2 classes; found {num_classes} "
                         f"({class_names}). Use label_mode='int' or 'categorical'.")
    if verbose:
        print(f"Found {len(paths)} files" + (f" belonging to {num_classes} classes." if labels is not None else "."))

    def read(path):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError as error:
            raise ValueError(f"{_FUNCTION}: could not read text file {path!r}: {error}") from error
        return text if max_length is None else text[:max_length]

    def build(subset_name):
        files, file_label_subset = get_training_or_validation_split(paths, file_labels, validation_split,
                                                                    subset_name)
        if verbose and validation_split:
            print(f"Using {len(files)} files for {subset_name}.")
        targets = (labels_to_targets(file_label_subset, label_mode, num_classes, _FUNCTION)
                   if label_mode is not None else None)

        def get_item(index):
            text = np.str_(read(files[index]))
            return text if targets is None else (text, targets[index])

        return BatchedDataset(len(files), get_item, batch_size=batch_size, shuffle=shuffle, seed=seed,
                              class_names=class_names)

    if subset == "both":
        return build("training"), build("validation")
    return build(subset)
