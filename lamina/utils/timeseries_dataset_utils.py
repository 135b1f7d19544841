"""`timeseries_dataset_from_array`: sliding windows over a series, batched as Keras makes them."""

import numpy as np
import torch

from lamina.utils.batched_dataset import BatchedDataset

__all__ = ["timeseries_dataset_from_array", "check_format"]


def check_format(format, function):
    """Keras's `format` argument: its default "tf" (a `tf.data.Dataset` in Keras) is accepted and means
    lamina's own dataset, a `BatchedDataset` of torch-tensor batches that fit()/evaluate()/predict() and
    plain torch loops accept (it offers the `tf.data` methods keras.io programs call: map, take, skip,
    prefetch, cache). "grain" needs Grain, which lamina does not use."""
    if format in ("tf", None, "torch", "lamina"):
        return
    raise ValueError(
        f"{function}: format={format!r} is not available in lamina. Use the default format='tf': in lamina it "
        f"gives a BatchedDataset, an iterable of torch-tensor batches that fit()/evaluate()/predict() and "
        f"plain torch loops accept."
    )


def _as_array(values, name):
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().numpy()
    array = np.asarray(values)
    if array.ndim == 0:
        raise ValueError(f"timeseries_dataset_from_array: `{name}` must be an array with a time axis first; "
                         f"received a scalar {values!r}.")
    return array


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None,
                                  format="tf"):
    """Windows of `sequence_length` timesteps (every `sampling_rate`-th step) starting every `sequence_stride`.

    Window `i` starts at `start_index + i * sequence_stride` in `data`; its target is `targets` at the same
    position. Windows and targets are taken from `data[start_index:end_index]`.

    Args:
        data: array or tensor, time on axis 0: `(timesteps, ...)`.
        targets: array matching `data`'s time axis, or None (the dataset then yields windows only).
        sequence_length: timesteps per window.
        sequence_stride: offset between window starts.
        sampling_rate: step between timesteps inside a window.
        batch_size: windows per batch (None: single windows).
        shuffle: shuffle the windows (each epoch; lamina's order differs from TensorFlow's shuffle).
        seed: seed for shuffling.
        start_index, end_index: the slice of `data` to use (end excluded).
        format: `"tf"` (Keras's default; also None): lamina returns a `BatchedDataset`, its iterable
            of torch-tensor batches with the `tf.data` methods keras.io programs call (map, take,
            skip, prefetch, cache). `"grain"` is refused.

    Returns:
        A `BatchedDataset` of `(windows, targets)` batches, windows of shape
        `(batch, sequence_length) + data.shape[1:]`.

    Example:
        >>> ds = timeseries_dataset_from_array(np.arange(10), None, sequence_length=3, batch_size=2)
        >>> next(iter(ds)).tolist()
        [[0, 1, 2], [1, 2, 3]]
    """
    check_format(format, "timeseries_dataset_from_array")
    data = _as_array(data, "data")
    if targets is not None:
        targets = _as_array(targets, "targets")
    for name, value in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride),
                        ("sampling_rate", sampling_rate)):
        if not isinstance(value, (int, np.integer)) or value <= 0:
            raise ValueError(f"timeseries_dataset_from_array: `{name}` must be a positive integer; received "
                             f"{name}={value!r}.")
    start_index = 0 if start_index is None else start_index
    end_index = len(data) if end_index is None else end_index
    if not 0 <= start_index < len(data):
        raise ValueError(f"timeseries_dataset_from_array: `start_index` must be in [0, {len(data)}) (the length "
                         f"of the data); received start_index={start_index}.")
    if not start_index < end_index <= len(data):
        raise ValueError(f"timeseries_dataset_from_array: `end_index` must be greater than start_index "
                         f"({start_index}) and at most the length of the data ({len(data)}); received "
                         f"end_index={end_index}.")
    num_windows = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_windows = min(num_windows, len(targets) - start_index)
    starts = np.arange(0, max(num_windows, 0), sequence_stride) + start_index
    offsets = np.arange(0, sequence_length * sampling_rate, sampling_rate)

    def get_item(i):
        window = data[starts[i] + offsets]
        return window if targets is None else (window, targets[starts[i]])

    return BatchedDataset(len(starts), get_item, batch_size=batch_size, shuffle=shuffle, seed=seed)
