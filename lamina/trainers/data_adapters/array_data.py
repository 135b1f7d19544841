"""In-memory data (NumPy arrays, tensors, lists/dicts of them) cut into batches.

The arrays are never copied as a whole: NumPy arrays (memory-mapped ones included, read-only
files and strided views such as a column slice too) are wrapped as zero-copy tensors and stay
where they are. Each batch is gathered with torch (a slice, or `index_select` with the epoch's
permutation), then converted on its own: float64 to the default float dtype, and, for a model
on an accelerator, copied through pinned memory with a non-blocking copy while the previous
batch trains. Per shuffled epoch, the permutation is drawn once and moved once to each leaf's
device; the common `(x, y)` batch is then two `index_select`s and nothing else.
"""

import math
import warnings

import numpy as np
import torch

from lamina.trainers.data_adapters.structure import class_weight_to_sample_weight, num_samples, to_tensor

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


def _host_view(value):
    """A tensor sharing the memory of `value`: no copy for tensors and NumPy arrays, strided views
    (a column slice `x[:, :100]` of a memmap, `x[::2]`) included; only arrays torch cannot view
    (negative strides such as `x[::-1]`, a field of a packed record array) are copied."""
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, np.ndarray) and value.dtype != object and value.dtype.kind not in "US":
        array = value
        with warnings.catch_warnings():  # read-only arrays (a memmap of a read-only file): only read
            warnings.simplefilter("ignore", UserWarning)
            try:
                tensor = torch.from_numpy(array)
            except ValueError:  # negative strides, or strides not a multiple of the item size
                array = np.ascontiguousarray(array)
                tensor = torch.from_numpy(array)
        if not array.flags.writeable:
            tensor._lamina_readonly = True
        return tensor
    # lists, scalars, objects with __array__, strings (kept as NumPy arrays), the object-dtype error
    return to_tensor(value)


def _view_structure(data):
    if data is None:
        return None
    if isinstance(data, (list, tuple)) and data and all(isinstance(v, str) for v in data):
        return np.asarray(data, dtype=object)  # a list of strings: one string array, kept as NumPy
    if isinstance(data, dict):
        return {k: _view_structure(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)) and not (len(data) > 0 and all(
            isinstance(v, (int, float, bool, np.number)) for v in data)):
        converted = [_view_structure(v) for v in data]
        return type(data)(*converted) if hasattr(data, "_fields") else type(data)(converted)
    return _host_view(data)


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
        self.x = _view_structure(x)
        self.y = _view_structure(y)
        self.sample_weight = _view_structure(sample_weight)
        self.device = torch.device(device) if device is not None else None
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
        # Read-only memory (a memmap of a read-only file) is never handed out as a view: a layer
        # writing into its input would crash on it.
        self._readonly = [not _writable(t) for t in self._leaves]

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
        first = [_slice_like(t, t[:cut]) for t in self._leaves]
        second = [_slice_like(t, t[cut:]) for t in self._leaves]
        make = lambda leaves, shuffle: ArrayData(*self._rebuild(iter(leaves)), batch_size=self.batch_size,
                                                  shuffle=shuffle, device=self.device)
        return make(first, self.shuffle), make(second, False)

    def with_class_weight(self, class_weight, caller="fit"):
        """The same batches with `{class_id: weight}` as sample weights. `fit` applies it after a
        validation split, so that validation losses stay unweighted, as in Keras."""
        if self.y is None:
            return self
        if self.sample_weight is not None:
            raise ValueError(f"{caller}(): pass either class_weight or sample_weight, not both.")
        weights = class_weight_to_sample_weight(self.y, class_weight)
        return ArrayData(self.x, self.y, weights, batch_size=self.batch_size, shuffle=self.shuffle,
                         device=self.device)

    def _finish(self, tensor, index, copied):
        """One leaf's batch as the model takes it: float64 converted, on the model's device."""
        if not isinstance(tensor, torch.Tensor):
            return tensor  # string inputs stay NumPy arrays (lamina.layers.preprocessing._strings)
        if not copied:  # a view of the data: handed out only when it is contiguous and writable
            if not tensor.is_contiguous():
                tensor = tensor.contiguous()  # (a view of strided data: layers may .view() their input)
            elif self._readonly[index]:
                tensor = tensor.clone()
        if tensor.dtype == torch.float64:
            tensor = tensor.to(torch.get_default_dtype())
        device = self.device
        if device is not None and tensor.device != device:
            if device.type == "cuda" and tensor.device.type == "cpu":
                tensor = tensor.pin_memory().to(device, non_blocking=True)
            else:
                tensor = tensor.to(device)
        return tensor

    def _slice(self, start, end):
        """Rows `start:end` of every leaf, in order (views where the memory may be handed out)."""
        parts = [self._finish(t[start:end], i, False) for i, t in enumerate(self._leaves)]
        if self._simple:  # the common (x, y) case skips the structure rebuild
            return parts[0], parts[1], None
        return self._rebuild(iter(parts))

    @property
    def _simple(self):
        return isinstance(self.x, torch.Tensor) and isinstance(self.y, torch.Tensor) and self.sample_weight is None

    def _needs_finish(self, tensor):
        """Whether a gathered batch of this leaf must still be converted or moved (see `_finish`)."""
        if not isinstance(tensor, torch.Tensor):
            return True
        return tensor.dtype == torch.float64 or (self.device is not None and tensor.device != self.device)

    def _gather_function(self, perm):
        """`batch(start, end)`: rows `perm[start:end]` of every leaf, for one epoch.

        Built once per epoch so that each batch is only the gathers: the permutation is moved to
        each leaf's device (and to NumPy for string arrays) here, not per batch, and the common case
        (x and y tensors that need no conversion, no sample weights) is two `index_select`s.
        """
        leaves = self._leaves
        on_device = {}
        for t in leaves:
            if isinstance(t, torch.Tensor) and t.device not in on_device:
                on_device[t.device] = perm.to(t.device)
        host_rows = perm.cpu().numpy() if any(not isinstance(t, torch.Tensor) for t in leaves) else None
        if self._simple and not any(self._needs_finish(t) for t in leaves):
            x, y = leaves
            x_rows, y_rows = on_device[x.device], on_device[y.device]
            if x_rows is y_rows:  # one device: one slice of the permutation for both

                def batch(start, end):
                    rows = x_rows[start:end]
                    return x.index_select(0, rows), y.index_select(0, rows), None

                return batch
            return lambda start, end: (x.index_select(0, x_rows[start:end]), y.index_select(0, y_rows[start:end]),
                                       None)
        # (leaf index, leaf, its rows, a tensor (index_select) or a NumPy string array (indexing), convert)
        plan = [(i, t, on_device[t.device], True, self._needs_finish(t)) if isinstance(t, torch.Tensor)
                else (i, t, host_rows, False, True) for i, t in enumerate(leaves)]
        finish, simple, rebuild = self._finish, self._simple, self._rebuild

        def batch(start, end):
            parts = []
            for i, t, rows, is_tensor, convert in plan:
                part = t.index_select(0, rows[start:end]) if is_tensor else t[rows[start:end]]
                parts.append(finish(part, i, True) if convert else part)
            if simple:
                return parts[0], parts[1], None
            return rebuild(iter(parts))

        return batch

    def first_batch(self):
        """The first `batch_size` samples, unshuffled, as `epoch` would give them."""
        return self._slice(0, self.batch_size)

    def epoch(self, steps=None):
        """Yields `(x, y, sample_weight)` batches for one pass (or `steps` batches, cycling).

        With shuffling, one permutation per epoch (drawn from torch's generator on the data's
        device, so that seeds and BackupAndRestore's resumption see the same order as before);
        rows are gathered per batch. For a model on an accelerator the next batch is gathered and
        its copy started before the current one is handed out.
        """
        leaves = self._leaves
        device = next((t.device for t in leaves if isinstance(t, torch.Tensor)), None)
        if self.shuffle:
            batch_of = self._gather_function(_permutation(self.size, device))
        else:
            batch_of = self._slice
        size, batch = self.size, self.batch_size
        total = self.num_batches if steps is None else steps
        prefetch = self.device is not None and self.device.type != "cpu"
        pending = None
        start = 0
        for _ in range(total):
            if start >= size:
                start = 0
            end = start + batch
            current = batch_of(start, end)
            start = end
            if not prefetch:
                yield current
                continue
            if pending is not None:
                yield pending
            pending = current
        if pending is not None:
            yield pending


def _permutation(size, device):
    """One epoch's order: `torch.randperm` from torch's generator. On CPU as int32 indices when they
    fit: the same permutation and the same generator state after it as int64 (torch's CPU kernel
    draws identically for both), ~20% cheaper to draw for 400,000 rows, and `index_select` takes them."""
    device = torch.get_default_device() if device is None else device  # no tensor leaf: strings only
    small = device.type == "cpu" and size < 2 ** 31
    return torch.randperm(size, device=device, dtype=torch.int32 if small else torch.int64)


def _writable(tensor):
    """False for tensors over read-only NumPy memory (marked by `_host_view`)."""
    return not getattr(tensor, "_lamina_readonly", False)


def _slice_like(tensor, piece):
    if not _writable(tensor):
        piece._lamina_readonly = True
    return piece
