"""Keras-computed STFTSpectrogram outputs, kernels and a saved `.keras` file for
tests/layers/test_stft_spectrogram.py.

Run with Keras 3 (JAX backend):
    KERAS_BACKEND=jax <keras venv>/bin/python stft_spectrogram.py OUT.npz OUT.keras
"""

import json
import sys

import numpy as np

import keras

rng = np.random.default_rng(0)
signal = rng.uniform(-1, 1, size=(2, 300, 2)).astype("float32")
cases = {
    "log_valid": {"mode": "log", "frame_length": 64, "frame_step": 32, "fft_length": 64},
    "magnitude_same": {"mode": "magnitude", "frame_length": 50, "frame_step": 20, "padding": "same"},
    "psd_hamming": {"mode": "psd", "frame_length": 32, "window": "hamming", "scaling": "spectrum"},
    "real_periodic": {"mode": "real", "frame_length": 40, "frame_step": 16, "periodic": True, "fft_length": 64},
    "imag_none": {"mode": "imag", "frame_length": 16, "window": None, "scaling": None},
    "angle_first": {"mode": "angle", "frame_length": 32, "frame_step": 8, "data_format": "channels_first"},
    "stft_expand": {"mode": "stft", "frame_length": 32, "frame_step": 16, "expand_dims": True, "padding": "same"},
    "log_expand_first": {"mode": "log", "frame_length": 24, "frame_step": 12, "expand_dims": True,
                         "data_format": "channels_first", "window": "blackman"},
    "magnitude_bartlett": {"mode": "magnitude", "frame_length": 33, "window": "bartlett", "periodic": True},
}
arrays, configs = {"x": signal}, {}
for name, config in cases.items():
    layer = keras.layers.STFTSpectrogram(**config)
    x = signal.transpose(0, 2, 1) if config.get("data_format") == "channels_first" else signal
    arrays[f"{name}_y"] = np.asarray(layer(x))
    configs[name] = config
# The initializer on its own (float32), both sides.
for side in ("real", "imag"):
    arrays[f"init_{side}"] = np.asarray(keras.initializers.STFT(side, "hann", "density", False)((20, 1, 17)))
    arrays[f"init_{side}_custom"] = np.asarray(
        keras.initializers.STFT(side, np.linspace(0.1, 1.0, 12), "spectrum", False)((12, 1, 9)))

# A saved model whose kernels were changed (so loading must read the weights, not re-init).
inputs = keras.Input((300, 2))
spectrogram = keras.layers.STFTSpectrogram(mode="log", frame_length=32, frame_step=16, name="stft")
outputs = keras.layers.Dense(3, name="head")(spectrogram(inputs))
model = keras.Model(inputs, outputs)
spectrogram.real_kernel.assign(np.asarray(spectrogram.real_kernel) * 1.5)
arrays["model_y"] = np.asarray(model(signal))
model.save(sys.argv[2])
np.savez(sys.argv[1], configs=json.dumps(configs), **arrays)
print({k: v.shape for k, v in arrays.items()})
