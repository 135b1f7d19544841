"""Functional models of keras.ops written by real Keras 3 load in lamina and reproduce Keras's outputs.

Fixtures: tests/ops/keras_written/ (see its README; made by tools/keras_crosscheck/ops_models.py).
"""

import json
import os
import zipfile

import numpy as np
import pytest

import lamina as keras
from lamina.layers.core.torch_op import KerasOp

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_written")
NAMES = sorted(f[:-len(".keras")] for f in os.listdir(HERE) if f.endswith(".keras"))


def _stored(name):
    stored = np.load(os.path.join(HERE, f"{name}.npz"))
    count = lambda prefix: sum(k.startswith(prefix) for k in stored.files)  # noqa: E731
    return [stored[f"in_{i}"] for i in range(count("in_"))], [stored[f"out_{i}"] for i in range(count("out_"))]


def _outputs(model, inputs):
    outs = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    return [np.asarray(o) for o in (outs if isinstance(outs, (list, tuple)) else [outs])]


@pytest.mark.parametrize("name", NAMES)
def test_keras_written_op_model_reproduces_keras(name, tmp_path):
    model = keras.models.load_model(os.path.join(HERE, f"{name}.keras"))
    inputs, expected = _stored(name)
    outs = _outputs(model, inputs)
    assert len(outs) == len(expected)
    for i, (out, ref) in enumerate(zip(outs, expected)):
        assert out.dtype == ref.dtype and out.shape == ref.shape, (i, out.dtype, ref.dtype, out.shape, ref.shape)
        np.testing.assert_allclose(out.astype("float64"), ref.astype("float64"), rtol=1e-4, atol=1e-5,
                                   err_msg=f"output {i}")
    # Every op node is a registered lamina op under Keras's class name; saved again, the op entries
    # are the ones Keras wrote.
    written = json.loads(zipfile.ZipFile(os.path.join(HERE, f"{name}.keras")).read("config.json"))
    keras_ops = {e["name"]: e for e in written["config"]["layers"] if e["module"].startswith("keras.src.ops")}
    assert {layer.name for layer in model.layers if isinstance(layer, KerasOp)} == set(keras_ops)
    model.save(tmp_path / "again.keras")
    again = json.loads(zipfile.ZipFile(tmp_path / "again.keras").read("config.json"))
    for entry in again["config"]["layers"]:
        if entry["name"] in keras_ops:
            original = keras_ops[entry["name"]]
            assert {k: entry[k] for k in ("module", "class_name", "config", "registered_name")} == \
                {k: original[k] for k in ("module", "class_name", "config", "registered_name")}
            assert entry["inbound_nodes"] == original["inbound_nodes"], entry["name"]
