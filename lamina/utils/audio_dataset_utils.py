"""`audio_dataset_from_directory`: a folder of class sub-folders of `.wav` files -> batches of waveforms.

WAV files are decoded with Python's `wave` module (8/16/24/32-bit PCM) into float32 in [-1, 1], shape
`(samples, channels)`, as TensorFlow's `decode_wav` gives them. With `sampling_rate`, files of another
rate are resampled (band-limited windowed sinc, `lamina.utils.audio_resample`), where Keras uses
tensorflow-io's resampler: values differ slightly between the two filters, rates and lengths agree.
"""

import wave

import numpy as np
import torch

from lamina.utils.audio_resample import resample
from lamina.utils.batched_dataset import BatchedDataset, collate
from lamina.utils.dataset_utils import (check_validation_split_arg, get_training_or_validation_split,
                                        index_directory, labels_to_targets)

__all__ = ["audio_dataset_from_directory", "read_wav"]

_FUNCTION = "audio_dataset_from_directory"


def read_wav(path):
    """`(waveform float32 (samples, channels) in [-1, 1], sample_rate)` from a PCM WAV file."""
    try:
        with wave.open(str(path), "rb") as f:
            channels, width, rate, count = f.getnchannels(), f.getsampwidth(), f.getframerate(), f.getnframes()
            raw = f.readframes(count)
    except (wave.Error, EOFError, OSError) as error:
        raise ValueError(f"{_FUNCTION}: could not decode WAV file {str(path)!r}: {error}") from error
    if width == 1:
        samples = (np.frombuffer(raw, np.uint8).astype("float32") - 128.0) / 128.0
    elif width == 2:
        samples = np.frombuffer(raw, "<i2").astype("float32") / 32768.0
    elif width == 3:
        bytes_ = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        values = bytes_[:, 0] | (bytes_[:, 1] << 8) | (bytes_[:, 2] << 16)
        values = np.where(values >= 1 << 23, values - (1 << 24), values)
        samples = values.astype("float32") / float(1 << 23)
    elif width == 4:
        samples = (np.frombuffer(raw, "<i4").astype("float64") / 2147483648.0).astype("float32")
    else:
        raise ValueError(f"{_FUNCTION}: WAV file {str(path)!r} has an unsupported sample width of {width} bytes.")
    return samples.reshape(-1, channels), rate


def _pad_collate(items):
    """Waveforms of different lengths are padded with zeros at the end to the batch's longest."""
    waves = [item[0] if isinstance(item, tuple) else item for item in items]
    longest = max(w.shape[0] for w in waves)
    padded = [np.pad(w, ((0, longest - w.shape[0]), (0, 0))) for w in waves]
    batch = torch.from_numpy(np.stack(padded))
    if isinstance(items[0], tuple):
        return (batch,) + collate([item[1:] for item in items])
    return batch


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                 sampling_rate=None, output_sequence_length=None, ragged=False, shuffle=True,
                                 seed=None, validation_split=None, subset=None, follow_links=False, verbose=True):
    """Batches of waveforms `(batch, samples, channels)` (float32) and labels from `directory/<class>/*.wav`.

    Args:
        directory: the folder; with `labels="inferred"` each sub-folder is a class.
        labels: `"inferred"`, None or a list of integer labels in alphanumeric file order.
        label_mode: `"int"`, `"categorical"`, `"binary"` or None.
        class_names: the class folders to use, in label order.
        batch_size: waveforms per batch; None yields single waveforms.
        sampling_rate: resample every file to this rate (a positive int, Hz); None keeps each file's.
        output_sequence_length: cut or zero-pad every waveform to this many samples; None pads each batch
            to its longest waveform.
        ragged: not available (torch has no ragged tensors); use batch_size=None for unpadded waveforms.
        shuffle, seed, validation_split, subset, follow_links, verbose: as in `image_dataset_from_directory`.

    Returns:
        A `BatchedDataset` (or a pair for `subset="both"`) with a `class_names` attribute.

    Example:
        >>> train = audio_dataset_from_directory("speech", output_sequence_length=16000, batch_size=16)
    """
    if ragged:
        raise ValueError(f"{_FUNCTION}: ragged=True is not available in lamina (torch has no ragged tensors). Use "
                         f"output_sequence_length to pad/cut to one length, or batch_size=None.")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f"{_FUNCTION}: label_mode must be 'int', 'categorical', 'binary' or None; received "
                         f"label_mode={label_mode!r}.")
    if output_sequence_length is not None and (not isinstance(output_sequence_length, int)
                                               or output_sequence_length <= 0):
        raise ValueError(f"{_FUNCTION}: output_sequence_length must be a positive integer or None; received "
                         f"{output_sequence_length!r}.")
    if sampling_rate is not None:
        if isinstance(sampling_rate, bool) or not isinstance(sampling_rate, int):
            raise ValueError(f"{_FUNCTION}: `sampling_rate` should have an integer value. Received: "
                             f"sampling_rate={sampling_rate!r}.")
        if sampling_rate <= 0:
            raise ValueError(f"{_FUNCTION}: `sampling_rate` should be higher than 0. Received: "
                             f"sampling_rate={sampling_rate}.")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    check_validation_split_arg(validation_split, subset, shuffle, seed, _FUNCTION)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, file_labels, class_names = index_directory(directory, labels, (".wav",), class_names, shuffle=shuffle,
                                                      seed=seed, follow_links=follow_links, function=_FUNCTION)
    if not paths:
        raise ValueError(f"{_FUNCTION}: no audio files (.wav) found in directory {directory!r}.")
    num_classes = len(class_names) if class_names else 0
    if label_mode == "binary" and num_classes != 2:
        raise ValueError(f"{_FUNCTION}: label_mode='binary' needs exactly 2 classes; found {num_classes} "
                         f"({class_names}). Use label_mode='int' or 'categorical'.")
    if verbose:
        print(f"Found {len(paths)} files" + (f" belonging to {num_classes} classes." if labels is not None else "."))

    def load(path):
        waveform, rate = read_wav(path)
        if sampling_rate is not None and rate != sampling_rate:
            resampled = resample(torch.from_numpy(np.ascontiguousarray(waveform.T)), rate, sampling_rate)
            waveform = resampled.T.contiguous().numpy()
        if output_sequence_length is not None:
            waveform = waveform[:output_sequence_length]
            waveform = np.pad(waveform, ((0, output_sequence_length - waveform.shape[0]), (0, 0)))
        return waveform

    def build(subset_name):
        files, file_label_subset = get_training_or_validation_split(paths, file_labels, validation_split,
                                                                    subset_name)
        if verbose and validation_split:
            print(f"Using {len(files)} files for {subset_name}.")
        targets = (labels_to_targets(file_label_subset, label_mode, num_classes, _FUNCTION)
                   if label_mode is not None else None)

        def get_item(index):
            waveform = load(files[index])
            return waveform if targets is None else (waveform, targets[index])

        return BatchedDataset(len(files), get_item, batch_size=batch_size, shuffle=shuffle, seed=seed,
                              class_names=class_names, collate_fn=_pad_collate)

    if subset == "both":
        return build("training"), build("validation")
    return build(subset)
