"""Keras 3.15's answers for keras.distribution's layout rules, for tests/distribution/test_keras_values.py.

What real Keras returns for LayoutMap lookups (regex keys, whole-path matching, several matches),
the data/variable layouts DataParallel and ModelParallel give, DeviceMesh's reshaping, and which
constructions Keras refuses (the first words of its error). JAX backend on one CPU; meshes over
several devices use device strings only (no backend mesh is built).

Run: KERAS_BACKEND=jax /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/make_distribution_values.py
Writes tests/distribution/keras_distribution_values.json.
"""

import json
import os

import keras
from keras import distribution as d

PATTERNS = [".*dense.*kernel", ".*dense.*bias", ".*conv2d.*kernel", "dense_1/kernel", "d.*", "[a-z]+_2/.*"]
PATHS = ["dense/kernel", "dense_1/kernel", "dense_1/bias", "my_model/conv2d_123/kernel", "my_model/conv3d_1/kernel",
         "sequential/dense_2/kernel", "dense_2/kernel", "dense", "xdense/kernel", "conv2d/bias", "embedding/embeddings"]


def lookups(patterns):
    mesh = d.DeviceMesh((1, 1), ["batch", "model"], devices=["cpu:0"])
    layout_map = d.LayoutMap(mesh)
    for i, pattern in enumerate(patterns):
        layout_map[pattern] = tuple(["model" if j == i % 2 else None for j in range(2)])
    out = {}
    for path in PATHS:
        try:
            layout = layout_map[path]
            out[path] = None if layout is None else list(layout.axes)
        except ValueError as error:
            out[path] = "error: " + str(error).split(" Please")[0]
    return out


def refused(fn):
    try:
        fn()
    except (ValueError, TypeError) as error:
        return type(error).__name__ + ": " + str(error)[:40]
    return None


mesh4 = d.DeviceMesh((2, 2), ["batch", "model"], devices=[f"cpu:{i}" for i in range(4)])
layout_map = d.LayoutMap(mesh4)
layout_map["dense/kernel"] = (None, "model")
out = {
    "keras_version": keras.__version__,
    "patterns": PATTERNS,  # insertion order (the error lists matching keys in it)
    "lookups_each": {p: lookups([p]) for p in PATTERNS},
    "lookups_all": lookups(PATTERNS),
    "mesh_devices": mesh4.devices.tolist(),
    "data_layout_3d": list(d.DataParallel(devices=["cpu:0"]).get_data_layout((8, 4, 2)).axes),
    "model_parallel_data_layout": list(d.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
                                       .get_data_layout((8, 4)).axes),
    "refused": {
        "mesh_shape_vs_devices": refused(lambda: d.DeviceMesh((4,), ["batch"], devices=["cpu:0", "cpu:1"])),
        "mesh_names_vs_shape": refused(lambda: d.DeviceMesh((2,), ["a", "b"], devices=["cpu:0", "cpu:1"])),
        "mesh_empty": refused(lambda: d.DeviceMesh((), [], devices=[])),
        "layout_bad_axis": refused(lambda: d.TensorLayout(("data", None), mesh4)),
        "map_duplicate": refused(lambda: [layout_map.__setitem__("dense/kernel", (None, None))]),
        "map_not_layout": refused(lambda: layout_map.__setitem__("bias", "model")),
        "model_parallel_no_map": refused(lambda: d.ModelParallel()),
        "model_parallel_dict": refused(lambda: d.ModelParallel(layout_map={})),
        "data_parallel_not_mesh": refused(lambda: d.DataParallel(device_mesh="gloo")),
    },
}
path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "distribution", "keras_distribution_values.json")
with open(path, "w") as handle:
    json.dump(out, handle, indent=1, sort_keys=True)
print(json.dumps(out, indent=1)[:3000])
