"""`BatchedDataset`: what lamina's `*_dataset_from_*` helpers return instead of a `tf.data.Dataset`.

A re-iterable object: each `iter()` is one epoch of batches (reshuffled each epoch when `shuffle`), numeric
parts as torch tensors, strings as NumPy str arrays (what lamina's text layers take). `fit`/`evaluate`/
`predict` accept it, and so does a plain torch loop (`for x, y in dataset:`). `len()` is the number of batches.
A few `tf.data` methods that keras.io programs call are provided (`map`, `prefetch`, `take`, `skip`,
`cardinality`); `prefetch`/`cache` return the dataset unchanged, since items are loaded on demand.
"""

import numpy as np
import torch

__all__ = ["BatchedDataset", "collate"]


def collate(items):
    """A list of per-item tuples (or single arrays) -> one batch: torch tensors, or str arrays for text."""
    first = items[0]
    if isinstance(first, dict):  # a row of named columns (a table): a dict of batched columns
        return {key: collate([item[key] for item in items]) for key in first}
    if isinstance(first, tuple):
        return tuple(collate([item[k] for item in items]) for k in range(len(first)))
    if isinstance(first, torch.Tensor):
        return torch.stack(items)
    if isinstance(first, np.ndarray) and len({item.shape for item in items}) > 1:
        shapes = sorted({item.shape for item in items})
        raise ValueError(f"Cannot batch items of different shapes {shapes[:4]}: for images pass `image_size` so "
                         f"that all are resized to one size, or use batch_size=None.")
    array = np.asarray(items) if not isinstance(first, np.ndarray) else np.stack(items)
    if array.dtype.kind in "USO":
        return array
    return torch.from_numpy(np.ascontiguousarray(array))


class BatchedDataset:
    """Batches of items produced by `get_item(index)` for `index in range(num_items)`.

    Args:
        num_items: how many items.
        get_item: `index -> item` (an array, or a tuple of arrays such as `(image, label)`).
        batch_size: items per batch; None yields single items (as tensors, unbatched).
        shuffle: reshuffle the item order at every epoch.
        seed: seeds the shuffling (the same seed gives the same sequence of epochs).
        class_names: the label names, kept as the `class_names` attribute.
        collate_fn: `list of items -> batch` (default: stack into torch tensors, `collate`).
        workers: threads loading the next batch's items while the current one is used (1: inline).

    Example:
        >>> ds = BatchedDataset(10, lambda i: (np.full((2,), i), np.int64(i % 2)), batch_size=4)
        >>> [tuple(x.shape) for x, y in ds]
        [(4, 2), (4, 2), (2, 2)]
    """

    def __init__(self, num_items, get_item, batch_size=32, shuffle=False, seed=None, class_names=None,
                 collate_fn=None, workers=1):
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size <= 0):
            raise ValueError(f"batch_size must be a positive integer or None; received {batch_size!r}.")
        self.num_items = int(num_items)
        self._get_item = get_item
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self.class_names = class_names
        self._collate = collate_fn or collate
        self.workers = workers
        self._transforms = []
        self._limit = None
        self._skip = 0

    def _derived(self):
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy._transforms = list(self._transforms)
        return copy

    def _num_batches_total(self):
        if self.batch_size is None:
            return self.num_items
        return -(-self.num_items // self.batch_size)

    def __len__(self):
        count = max(self._num_batches_total() - self._skip, 0)
        return count if self._limit is None else min(count, self._limit)

    def cardinality(self):
        """The number of batches (tf.data's name for `len`)."""
        return len(self)

    def _batches_of_indices(self):
        order = self._rng.permutation(self.num_items) if self.shuffle else np.arange(self.num_items)
        step = self.batch_size or 1
        batches = [order[start:start + step] for start in range(0, self.num_items, step)][self._skip:]
        return batches if self._limit is None else batches[:self._limit]

    def _finish(self, items):
        if self.batch_size is None:
            element = self._collate(items)
            if isinstance(element, tuple):
                element = tuple(part[0] for part in element)
            elif isinstance(element, dict):
                element = {key: part[0] for key, part in element.items()}
            else:
                element = element[0]
        else:
            element = self._collate(items)
        for fn in self._transforms:
            element = fn(*element) if isinstance(element, tuple) else fn(element)
        return element

    def __iter__(self):
        batches = self._batches_of_indices()
        if self.workers <= 1:
            for indices in batches:
                yield self._finish([self._get_item(int(i)) for i in indices])
            return
        # Items of the next batch load in threads (decoders release the GIL) while the model runs.
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="BatchedDataset")
        try:
            pending = [pool.submit(self._get_item, int(i)) for i in batches[0]] if batches else []
            for position in range(len(batches)):
                items = [future.result() for future in pending]
                if position + 1 < len(batches):
                    pending = [pool.submit(self._get_item, int(i)) for i in batches[position + 1]]
                yield self._finish(items)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def map(self, fn, num_parallel_calls=None, deterministic=None, name=None):
        """A dataset whose batches are `fn(*batch)` (`fn(batch)` when a batch is not a tuple)."""
        derived = self._derived()
        derived._transforms.append(fn)
        return derived

    def take(self, count):
        """The first `count` batches."""
        derived = self._derived()
        derived._limit = count if self._limit is None else min(count, self._limit)
        return derived

    def skip(self, count):
        """All but the first `count` batches."""
        if self._limit is not None:
            raise ValueError("BatchedDataset.skip() after take() is not supported; call skip() first.")
        derived = self._derived()
        derived._skip = self._skip + count
        return derived

    def prefetch(self, buffer_size=None, name=None):
        """Returns the dataset itself: items are loaded on demand, one batch ahead of the model."""
        return self

    def cache(self, filename="", name=None):
        """Returns the dataset itself (items are read from their source each epoch)."""
        return self

    def __repr__(self):
        return (f"<BatchedDataset: {self.num_items} items, batch_size={self.batch_size}, {len(self)} batches"
                + (f", class_names={self.class_names}" if self.class_names is not None else "") + ">")
