"""In-memory data (NumPy arrays, tensors, lists/dicts of them) cut into batches.

Converted to tensors once; each epoch shuffles every array with one permutation
and then hands out contiguous slices, so a step costs a few tensor views.
"""

import math

import torch

from lamina.trainers.data_adapters.structure import class_weight_to_sample_weight, convert_structure, num_samples

__all__ = ["ArrayData"]


def _flatten(data, out):
    """Flat leaves plus a function rebuilding the structure from an iterator of leaves."""
    if data is None:
        return lambda it: None
    if isinstance(data, dict):
        keys = list(data)
        builders = [_flatten(data[k], out) for k in keys]
        return lambda it: {k: b(it) for k, b in zip(keys, builders)}
    if isinstance(data, (list, tuple)):
        builders = [_flatten(v, out) for v in data]
        kind = type(data)
        return lambda it: kind(b(it) for b in builders) if kind in (list, tuple) else kind(*(b(it) for b in builders))
    out.append(data)
    return lambda it: next(it)


class ArrayData:
    """Batches of `(x, y, sample_weight)` from in-memory arrays.

    Args:
        x, y, sample_weight: arrays/tensors or lists/dicts of them (y and
            sample_weight may be None).
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: reshuffle every epoch.
        device: where the tensors live.

    Example:
        >>> data = ArrayData(np.zeros((10, 3)), np.zeros(10), None, batch_size=4)
        >>> [x.shape[0] for x, y, sw in data.epoch()]
        [4, 4, 2]
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, device=None, label="x"):
        self.x = convert_structure(x, device)
        self.y = convert_structure(y, device)
        self.sample_weight = convert_structure(sample_weight, device)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        sizes = num_samples(self.x, "x") + num_samples(self.y, "y") + num_samples(self.sample_weight, "sample_weight")
        if not sizes:
            raise ValueError("No data: x is empty.")
        counts = {n for _, n in sizes}
        if len(counts) > 1:
            detail = ", ".join(f"{path} has {n}" for path, n in sizes)
            raise ValueError(
                f"The data arrays have different numbers of samples (first dimension): {detail}. "
                f"x, y and sample_weight must all have one entry per sample."
            )
        self.size = sizes[0][1]
        if self.size == 0:
            raise ValueError(f"No data: {sizes[0][0]} has 0 samples.")
        self._leaves = []
        self._rebuild = _flatten((self.x, self.y, self.sample_weight), self._leaves)

    @property
    def num_batches(self) -> int:
        return math.ceil(self.size / self.batch_size)

    def split(self, validation_split):
        """(train, validation): the validation part is the LAST fraction of the samples, as Keras (before shuffling)."""
        if not 0.0 < validation_split < 1.0:
            raise ValueError(f"validation_split must be between 0 and 1 (exclusive); received {validation_split}.")
        cut = int(self.size * (1.0 - validation_split))
        if cut == 0 or cut == self.size:
            raise ValueError(
                f"validation_split={validation_split} of {self.size} samples leaves "
                f"{'no training' if cut == 0 else 'no validation'} samples."
            )
        first = [t[:cut] for t in self._leaves]
        second = [t[cut:] for t in self._leaves]
        make = lambda leaves, shuffle: ArrayData(*self._rebuild(iter(leaves)), batch_size=self.batch_size,
                                                  shuffle=shuffle)
        return make(first, self.shuffle), make(second, False)

    def with_class_weight(self, class_weight, caller="fit"):
        """The same batches with `{class_id: weight}` as sample weights. `fit` applies it after a
        validation split, so that validation losses stay unweighted, as in Keras."""
        if self.y is None:
            return self
        if self.sample_weight is not None:
            raise ValueError(f"{caller}(): pass either class_weight or sample_weight, not both.")
        weights = class_weight_to_sample_weight(self.y, class_weight)
        return ArrayData(self.x, self.y, weights, batch_size=self.batch_size, shuffle=self.shuffle)

    def epoch(self, steps=None):
        """Yields `(x, y, sample_weight)` batches for one pass (or `steps` batches, cycling)."""
        leaves = self._leaves
        if self.shuffle:
            device = next((t.device for t in leaves if isinstance(t, torch.Tensor)), None)
            perm = torch.randperm(self.size, device=device)
            # string inputs stay NumPy arrays (lamina.layers.preprocessing._strings)
            leaves = [t[perm] if isinstance(t, torch.Tensor) else t[perm.cpu().numpy()] for t in leaves]
        rebuild, size, batch = self._rebuild, self.size, self.batch_size
        total = self.num_batches if steps is None else steps
        simple = isinstance(self.x, torch.Tensor) and isinstance(self.y, torch.Tensor) and self.sample_weight is None
        start = 0
        for _ in range(total):
            if start >= size:
                start = 0
            end = start + batch
            if simple:  # the common (x, y) case skips the structure rebuild
                yield leaves[0][start:end], leaves[1][start:end], None
            else:
                yield rebuild(iter([t[start:end] for t in leaves]))
            start = end
