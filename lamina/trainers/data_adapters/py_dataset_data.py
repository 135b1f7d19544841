"""Data from a `keras.utils.PyDataset`: batch indices per epoch, loaded inline, in threads or in processes."""

import collections
import random

from lamina.trainers.data_adapters.iterable_data import IterableData

__all__ = ["PyDatasetData"]


class _IndexDataset:
    """A map-style torch dataset over the PyDataset's batches (for `DataLoader` worker processes)."""

    def __init__(self, py_dataset):
        self.py_dataset = py_dataset

    def __getitem__(self, index):
        return self.py_dataset[index]

    def __len__(self):
        return self.py_dataset.num_batches


def _as_is(batch):
    return batch


def _indices(count):
    if count is not None:
        yield from range(count)
    else:
        index = 0
        while True:
            yield index
            index += 1


class _Epochs:
    """Re-iterable: each `iter()` is one epoch of batches, with the dataset's epoch hooks around it."""

    def __init__(self, py_dataset, shuffle):
        self.py_dataset = py_dataset
        self.shuffle = shuffle and py_dataset.num_batches is not None

    def __len__(self):
        count = self.py_dataset.num_batches
        if count is None:
            raise TypeError("endless PyDataset")
        return count

    def __iter__(self):
        dataset = self.py_dataset
        dataset.on_epoch_begin()
        count = dataset.num_batches
        order = list(range(count)) if count is not None else None
        if order is not None and self.shuffle:
            random.shuffle(order)
        if dataset.workers > 1 and dataset.use_multiprocessing and order is not None:
            yield from self._processes(order)
        elif dataset.workers > 1:
            yield from self._threads(order if order is not None else _indices(None), endless=order is None)
        else:
            for index in (order if order is not None else _indices(None)):
                try:
                    batch = dataset[index]
                except (IndexError, StopIteration):
                    if order is None:
                        break
                    raise
                yield batch
        dataset.on_epoch_end()

    def _processes(self, order):
        from torch.utils.data import DataLoader

        dataset = self.py_dataset
        workers = dataset.workers
        loader = DataLoader(_IndexDataset(dataset), batch_size=None, sampler=order, num_workers=workers,
                            prefetch_factor=max(1, dataset.max_queue_size // workers),
                            collate_fn=_as_is)
        yield from loader

    def _threads(self, indices, endless):
        """Batches in order, loaded by `workers` threads, at most `max_queue_size` requested ahead."""
        from concurrent.futures import ThreadPoolExecutor

        dataset = self.py_dataset
        indices = iter(indices)
        futures = collections.deque()
        pool = ThreadPoolExecutor(dataset.workers, thread_name_prefix="PyDataset")

        def fill():
            while len(futures) < dataset.max_queue_size:
                index = next(indices, None)
                if index is None:
                    return
                futures.append(pool.submit(dataset.__getitem__, index))

        try:
            fill()
            while futures:
                try:
                    batch = futures.popleft().result()
                except (IndexError, StopIteration):
                    if endless:
                        return
                    raise
                fill()
                yield batch
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


class PyDatasetData(IterableData):
    """`IterableData` over a `PyDataset`; `shuffle` (fit's default) shuffles the batch order each epoch."""

    def __init__(self, py_dataset, shuffle=False, class_weight=None, device=None):
        super().__init__(_Epochs(py_dataset, shuffle), class_weight=class_weight, device=device)
        self.py_dataset = py_dataset

    def peek(self):
        """Batch 0, read directly (without starting workers)."""
        return self._convert(self.py_dataset[0])
