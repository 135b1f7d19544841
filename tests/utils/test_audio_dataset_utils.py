"""audio_dataset_from_directory on tiny generated WAV files."""

import wave

import numpy as np
import pytest
import torch

from lamina.utils import audio_dataset_from_directory
from lamina.utils.audio_dataset_utils import read_wav


def _write_wav(path, samples, rate=8000, width=2):
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(width)
        f.setframerate(rate)
        if width == 2:
            f.writeframes((np.asarray(samples) * 32768).astype("<i2").tobytes())
        else:
            f.writeframes((np.asarray(samples) * 128 + 128).astype(np.uint8).tobytes())


@pytest.fixture
def speech(tmp_path):
    for label, value in (("no", -0.5), ("yes", 0.25)):
        for i in range(3):
            _write_wav(tmp_path / label / f"{i}.wav", np.full(100 + 10 * i, value))
    return tmp_path


def test_read_wav_matches_decode_wav_scaling(tmp_path):
    _write_wav(tmp_path / "a.wav", [0.0, 0.5, -1.0])
    waveform, rate = read_wav(tmp_path / "a.wav")
    assert rate == 8000 and waveform.shape == (3, 1) and waveform.dtype == np.float32
    np.testing.assert_array_equal(waveform[:, 0], [0.0, 0.5, -1.0])
    _write_wav(tmp_path / "b.wav", [0.5], width=1)
    np.testing.assert_array_equal(read_wav(tmp_path / "b.wav")[0], [[0.5]])


def test_batches_are_padded_and_labelled(speech):
    ds = audio_dataset_from_directory(speech, batch_size=6, seed=0, verbose=False)
    assert ds.class_names == ["no", "yes"]
    waves, labels = next(iter(ds))
    assert isinstance(waves, torch.Tensor) and tuple(waves.shape) == (6, 120, 1)
    for waveform, label in zip(waves, labels):
        assert float(waveform[0, 0]) == (-0.5 if int(label) == 0 else 0.25)
    fixed = audio_dataset_from_directory(speech, batch_size=2, output_sequence_length=105, label_mode="categorical",
                                         seed=0, verbose=False)
    waves, labels = next(iter(fixed))
    assert tuple(waves.shape) == (2, 105, 1) and tuple(labels.shape) == (2, 2)


def test_errors(speech, tmp_path):
    with pytest.raises(ValueError, match="ragged=True is not available"):
        audio_dataset_from_directory(speech, ragged=True)
    with pytest.raises(ValueError, match="sample rate of 8000 Hz, not the requested sampling_rate=16000"):
        list(audio_dataset_from_directory(speech, sampling_rate=16000, verbose=False))
    (speech / "no" / "bad.wav").write_bytes(b"RIFFjunk")
    with pytest.raises(ValueError, match="could not decode WAV file .*bad.wav"):
        list(audio_dataset_from_directory(speech, verbose=False, shuffle=False))
