"""lamina's layout rules give what Keras 3.15 gives (tests/distribution/keras_distribution_values.json,
written by tools/keras_crosscheck/make_distribution_values.py with real Keras)."""

import json
import os

import pytest
import torch.distributed as dist

from lamina import distribution as d

VALUES = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                     "keras_distribution_values.json"), encoding="utf-8"))
PATHS = list(VALUES["lookups_all"])


def _lookups(patterns):
    layout_map = d.LayoutMap(d.DeviceMesh((1, 1), ["batch", "model"], devices=["cpu:0"]))
    for i, pattern in enumerate(patterns):
        layout_map[pattern] = tuple(["model" if j == i % 2 else None for j in range(2)])
    out = {}
    for path in PATHS:
        try:
            layout = layout_map[path]
            out[path] = None if layout is None else list(layout.axes)
        except ValueError as error:
            out[path] = "error: " + str(error).split(" Please")[0].removeprefix("LayoutMap: ")
    return out


@pytest.mark.parametrize("pattern", VALUES["patterns"])
def test_layout_map_single_key_matches_keras(pattern):
    assert _lookups([pattern]) == VALUES["lookups_each"][pattern]


def test_layout_map_all_keys_match_keras():
    """Exact keys win, several regex matches are an error, no match is None: as in Keras."""
    assert _lookups(VALUES["patterns"]) == VALUES["lookups_all"]


def test_mesh_and_data_layouts_match_keras():
    mesh = d.DeviceMesh((2, 2), ["batch", "model"], devices=[f"cpu:{i}" for i in range(4)])
    assert mesh.devices.tolist() == VALUES["mesh_devices"]
    assert list(d.TensorLayout(["batch", None, None], mesh).axes) == VALUES["data_layout_3d"]


def _refused(fn):
    try:
        fn()
    except (ValueError, TypeError) as error:
        return type(error).__name__, str(error)
    return None


def test_refusals_match_keras():
    """Same exception type, and lamina's message contains Keras's (after its `Class: ` prefix)."""
    mesh4 = d.DeviceMesh((2, 2), ["batch", "model"], devices=[f"cpu:{i}" for i in range(4)])
    layout_map = d.LayoutMap(mesh4)
    layout_map["dense/kernel"] = (None, "model")
    cases = {
        "mesh_shape_vs_devices": lambda: d.DeviceMesh((4,), ["batch"], devices=["cpu:0", "cpu:1"]),
        "mesh_names_vs_shape": lambda: d.DeviceMesh((2,), ["a", "b"], devices=["cpu:0", "cpu:1"]),
        "mesh_empty": lambda: d.DeviceMesh((), [], devices=[]),
        "layout_bad_axis": lambda: d.TensorLayout(("data", None), mesh4),
        "map_duplicate": lambda: layout_map.__setitem__("dense/kernel", (None, None)),
        "map_not_layout": lambda: layout_map.__setitem__("bias", "model"),
        "model_parallel_no_map": lambda: d.ModelParallel(),
        "model_parallel_dict": lambda: d.ModelParallel(layout_map={}),
        "data_parallel_not_mesh": lambda: d.DataParallel(device_mesh="gloo"),
    }
    try:
        for name, fn in cases.items():
            kind, text = VALUES["refused"][name].split(": ", 1)
            got = _refused(fn)
            assert got is not None and got[0] == kind and text in got[1], (name, got)
    finally:
        if dist.is_initialized():  # DataParallel made a group of one before refusing its mesh
            dist.destroy_process_group()
