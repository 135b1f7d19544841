"""Data from torch Datasets/DataLoaders, Python generators and other iterables.

Each element is `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`; NumPy parts
are converted per batch. Re-iterable sources (DataLoader, list) restart each
epoch; a one-shot generator continues where the previous epoch stopped.
"""

from lamina.trainers.data_adapters.structure import class_weight_to_sample_weight, convert_structure

__all__ = ["IterableData", "unpack_batch"]


def unpack_batch(element):
    """`x`, `(x,)`, `(x, y)` or `(x, y, sw)` -> `(x, y, sw)`."""
    if isinstance(element, tuple) and not hasattr(element, "_fields"):
        if len(element) == 1:
            return element[0], None, None
        if len(element) == 2:
            return element[0], element[1], None
        if len(element) == 3:
            return element
        raise ValueError(
            f"Each batch from the data must be x, (x, y) or (x, y, sample_weight); received a tuple of "
            f"{len(element)} elements."
        )
    if isinstance(element, list) and len(element) in (1, 2, 3) and not isinstance(element[0], (int, float)):
        # DataLoader's default collate returns lists for tuples of tensors (a TensorDataset of x alone: [x]).
        return tuple(element) + (None,) * (3 - len(element))
    return element, None, None


class IterableData:
    """Batches from an iterable source.

    Args:
        source: a torch `Dataset` (batched here with `batch_size`/`shuffle`), a
            `DataLoader`, a generator, or any iterable of batches.
        batch_size: used only to batch a `Dataset`.
        shuffle: used only for a `Dataset`.
        class_weight: optional `{class: weight}` turned into sample weights per batch.
        device: where batches are moved.

    Example:
        >>> data = IterableData(((np.zeros((4, 3)), np.zeros(4)) for _ in range(2)))
        >>> len(list(data.epoch()))
        2
    """

    def __init__(self, source, batch_size=32, shuffle=False, class_weight=None, device=None):
        from torch.utils.data import DataLoader, Dataset, IterableDataset

        if isinstance(source, Dataset) and not isinstance(source, IterableDataset):
            source = DataLoader(source, batch_size=batch_size, shuffle=shuffle)
        self.source = source
        self.class_weight = class_weight
        self.device = device
        self._one_shot = iter(source) is source
        self._iterator = None
        self._pending = None
        self.exhausted = False
        try:
            self.num_batches = len(source)
        except TypeError:
            self.num_batches = None

    def _convert(self, element):
        x, y, sw = unpack_batch(element)
        x, y, sw = (convert_structure(v, self.device) for v in (x, y, sw))
        if self.class_weight is not None and y is not None and sw is None:
            sw = class_weight_to_sample_weight(y, self.class_weight)
        return x, y, sw

    def peek(self):
        """The first batch (converted), without losing it for a one-shot generator."""
        if self._one_shot:
            if self._iterator is None:
                self._iterator = iter(self.source)
            if self._pending is None:
                try:
                    self._pending = next(self._iterator)
                except StopIteration:
                    raise ValueError("The data generator produced no batches.") from None
            return self._convert(self._pending)
        try:
            return self._convert(next(iter(self.source)))
        except StopIteration:
            raise ValueError(f"The data ({type(self.source).__name__}) produced no batches.") from None

    def epoch(self, steps=None):
        """Yields converted `(x, y, sw)` batches; `steps` caps (and, for restartable sources, cycles) the epoch."""
        if self._one_shot:
            if self._iterator is None:
                self._iterator = iter(self.source)
            iterator = self._iterator
        else:
            iterator = iter(self.source)
        produced = 0
        if self._pending is not None and (steps is None or steps > 0):
            element, self._pending = self._pending, None
            produced += 1
            yield self._convert(element)
        while steps is None or produced < steps:
            try:
                element = next(iterator)
            except StopIteration:
                if steps is None or self._one_shot or produced == 0:
                    self.exhausted = self._one_shot
                    return
                iterator = iter(self.source)
                continue
            produced += 1
            yield self._convert(element)
