"""`PyDataset` (alias `Sequence`): Keras's base class for batch-by-index Python data loaders.

A subclass implements `__len__` (batches per epoch) and `__getitem__(index)` (one batch: `x`, `(x, y)` or
`(x, y, sample_weight)` of arrays/tensors). `fit`/`evaluate`/`predict` read it batch by batch; with
`workers > 1` batches are loaded ahead in `workers` threads, or in `workers` processes through torch's
`DataLoader` when `use_multiprocessing=True`, keeping at most `max_queue_size` batches ready.
"""

__all__ = ["PyDataset", "Sequence"]


class PyDataset:
    """Base class for datasets that return batch `index` from `__getitem__`.

    Args:
        workers: how many threads (or processes, with `use_multiprocessing`) load batches ahead; 1 loads
            them in the training loop's thread.
        use_multiprocessing: load in worker processes (torch `DataLoader` workers) instead of threads; the
            dataset must then be picklable.
        max_queue_size: the most batches held ready ahead of the model.

    Example:
        >>> class Squares(PyDataset):
        ...     def __init__(self, **kwargs):
        ...         super().__init__(**kwargs)
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, index):
        ...         x = np.full((8, 1), index, "float32")
        ...         return x, x ** 2
        >>> model.fit(Squares(workers=2), epochs=2)
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        for name, value in (("workers", workers), ("max_queue_size", max_queue_size)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{type(self).__name__}: `{name}` must be a positive integer; received "
                                 f"{name}={value!r}.")
        self._workers = workers
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = max_queue_size

    # Subclasses that forgot `super().__init__(**kwargs)` still work with Keras's defaults.
    @property
    def workers(self):
        return getattr(self, "_workers", 1)

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        return getattr(self, "_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        return getattr(self, "_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """Returns batch `index`: `x`, `(x, y)` or `(x, y, sample_weight)`."""
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(self, index).")

    @property
    def num_batches(self):
        """Batches per epoch: `len(self)`, or None for an endless dataset (no `__len__`)."""
        if type(self).__len__ is PyDataset.__len__:
            return None
        return len(self)

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} has no __len__: it is read until __getitem__ raises "
                                  f"IndexError or StopIteration, or for steps_per_epoch batches.")

    def on_epoch_begin(self):
        """Called before each epoch."""

    def on_epoch_end(self):
        """Called after each epoch (e.g. to reshuffle the data)."""


Sequence = PyDataset
