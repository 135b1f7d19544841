"""Keras-computed MelSpectrogram outputs for tests/layers/test_audio_preprocessing.py.

Run with Keras 3 (JAX backend): KERAS_BACKEND=jax <keras venv>/bin/python audio_layers.py OUT.npz
"""

import json
import sys

import numpy as np

import keras

rng = np.random.default_rng(0)
cases = {
    "default_batch": ({"num_mel_bins": 16, "sampling_rate": 8000, "fft_length": 256, "sequence_stride": 64},
                      rng.uniform(-1, 1, size=(2, 1000)).astype("float32")),
    "single_no_db": ({"num_mel_bins": 10, "sampling_rate": 16000, "fft_length": 128, "sequence_stride": 32,
                      "sequence_length": 100, "power_to_db": False, "mag_exp": 1.0, "min_freq": 50.0,
                      "max_freq": 6000.0}, rng.uniform(-1, 1, size=(777,)).astype("float32")),
    "hamming_db": ({"num_mel_bins": 24, "fft_length": 512, "sequence_stride": 128, "window": "hamming",
                    "top_db": 40.0, "ref_power": 2.0}, np.sin(np.linspace(0, 300, 4000)).astype("float32")[None]),
}
arrays, configs = {}, {}
for name, (config, x) in cases.items():
    layer = keras.layers.MelSpectrogram(**config)
    arrays[f"{name}_x"] = x
    arrays[f"{name}_y"] = np.asarray(layer(x))
    configs[name] = config
np.savez(sys.argv[1], configs=json.dumps(configs), **arrays)
print({k: v.shape for k, v in arrays.items()})
