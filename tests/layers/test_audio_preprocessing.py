"""MelSpectrogram against Keras-computed outputs (tools/keras_crosscheck/audio_layers.py)."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from lamina import layers

REFERENCE = np.load(Path(__file__).parent / "keras_values" / "audio_layers.npz")
CONFIGS = json.loads(str(REFERENCE["configs"]))


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_mel_spectrogram_matches_keras(name):
    layer = layers.MelSpectrogram(**CONFIGS[name])
    x = REFERENCE[f"{name}_x"]
    expected = REFERENCE[f"{name}_y"]
    out = layer(torch.from_numpy(x))
    assert tuple(out.shape) == expected.shape
    assert tuple(layer.compute_output_shape(x.shape)) == expected.shape
    scale = np.abs(expected).max()
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-3, atol=1e-4 * scale)


def test_mel_spectrogram_errors_and_config():
    with pytest.raises(ValueError, match="sequence_length` must be less than or equal to `fft_length"):
        layers.MelSpectrogram(fft_length=64, sequence_length=128)
    layer = layers.MelSpectrogram(num_mel_bins=8, fft_length=64, sequence_stride=16)
    clone = layers.MelSpectrogram.from_config(layer.get_config())
    x = torch.rand(2, 300)
    torch.testing.assert_close(clone(x), layer(x))
