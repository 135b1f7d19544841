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
    with pytest.raises(ValueError, match="`sampling_rate` should have an integer value. Received: sampling_rate=1.5"):
        audio_dataset_from_directory(speech, sampling_rate=1.5)
    with pytest.raises(ValueError, match="`sampling_rate` should be higher than 0. Received: sampling_rate=0"):
        audio_dataset_from_directory(speech, sampling_rate=0)
    (speech / "no" / "bad.wav").write_bytes(b"RIFFjunk")
    with pytest.raises(ValueError, match="could not decode WAV file .*bad.wav"):
        list(audio_dataset_from_directory(speech, verbose=False, shuffle=False))


def test_files_are_resampled_to_sampling_rate(tmp_path):
    t = np.arange(8000) / 8000.0
    _write_wav(tmp_path / "tone" / "a.wav", 0.5 * np.sin(2 * np.pi * 440 * t), rate=8000)
    _write_wav(tmp_path / "tone" / "b.wav", 0.5 * np.sin(2 * np.pi * 440 * np.arange(4000) / 4000.0), rate=4000)
    ds = audio_dataset_from_directory(tmp_path, sampling_rate=16000, batch_size=None, shuffle=False, verbose=False)
    waves = [w for w, _ in ds]
    assert [tuple(w.shape) for w in waves] == [(16000, 1), (16000, 1)]
    expected = 0.5 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000.0)
    for waveform in waves:  # away from the edges (the filter sees zeros beyond them)
        np.testing.assert_allclose(waveform[200:-200, 0].numpy(), expected[200:-200], atol=2e-3)


def test_resample_is_band_limited():
    from lamina.utils.audio_resample import resample

    rate = 16000
    t = torch.arange(rate, dtype=torch.float64) / rate
    low = torch.sin(2 * np.pi * 1000 * t)
    high = torch.sin(2 * np.pi * 6000 * t)  # above the 4 kHz Nyquist limit of 8 kHz: must be removed
    down = resample(torch.stack([low, high]), rate, 8000)
    assert tuple(down.shape) == (2, 8000) and down.dtype == torch.float64
    expected = torch.sin(2 * np.pi * 1000 * torch.arange(8000, dtype=torch.float64) / 8000)
    assert float((down[0, 100:-100] - expected[100:-100]).abs().max()) < 2e-3
    assert float(down[1, 100:-100].abs().max()) < 2e-2
    odd = resample(torch.randn(3, 2, 441), 44100, 16000)  # batch axes kept, length ceil(441 * 16000 / 44100)
    assert tuple(odd.shape) == (3, 2, 160)
    with pytest.raises(ValueError, match="`new_freq` should be a positive integer"):
        resample(low, rate, 0)
