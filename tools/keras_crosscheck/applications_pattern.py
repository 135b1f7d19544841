"""Deterministic, framework-free weight values for comparing application outputs with Keras.

Both sides (Keras 3 in `applications_outputs.py`, lamina in tests/applications/) give every
weight of every layer the values `pattern_value(layer_name, index, shape, weight_name)`, so the
two models compute the same function without shipping megabytes of weights; only the inputs and
Keras's outputs are stored. Values are scaled like a fan-in initialisation, and variances are
positive, so deep models stay numerically tame.
"""

import zlib

import numpy as np


def pattern_value(layer_name, index, shape, weight_name=""):
    shape = tuple(int(d) for d in shape)
    size = int(np.prod(shape)) if shape else 1
    seed = zlib.crc32(f"{layer_name}/{index}".encode()) % 997
    base = np.sin(np.arange(size, dtype=np.float64) * 0.7 + seed)
    if weight_name.endswith("count") or not shape:
        return np.zeros(shape, dtype=np.float32)
    if len(shape) >= 2:
        values = base * np.sqrt(3.0 / max(1, int(np.prod(shape[:-1]))))
    elif "variance" in weight_name:
        values = 1.0 + 0.5 * np.abs(base)
    elif weight_name.endswith("gamma"):
        values = 1.0 + 0.2 * base
    else:
        values = 0.1 * base
    return values.reshape(shape).astype(np.float32)


def input_images(shape, batch=2):
    """Fixed pseudo-images with pixel values in [0, 255]."""
    rng = np.random.RandomState(0)
    return rng.uniform(0.0, 255.0, size=(batch,) + tuple(shape)).astype(np.float32)
