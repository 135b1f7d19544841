"""Reads a Keras fixture's weights in `model.layers` order (test helper)."""

import collections
import io
import zipfile

import h5py
import numpy as np

from lamina.backend import to_snake_case


def keras_weights_in_layer_order(archive_path, layer_class_names):
    """Arrays from `model.weights.h5`, ordered like the layers of the model.

    Keras names the h5 groups by class and order (`dense`, `dense_1`, ...), not
    by layer name; `layer_class_names` are the classes of `model.layers` in order.
    """
    with zipfile.ZipFile(archive_path) as archive:
        data = archive.read("model.weights.h5")
    out = []
    counters = collections.Counter()
    with h5py.File(io.BytesIO(data), "r") as h5:
        for class_name in layer_class_names:
            base = to_snake_case(class_name)
            group = base if counters[base] == 0 else f"{base}_{counters[base]}"
            counters[base] += 1
            variables = h5["layers"][group]["vars"]
            out.extend(np.asarray(variables[str(i)]) for i in range(len(variables)))
    return out
