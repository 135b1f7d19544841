"""Loading Keras 3 reference fixtures (`tests/fixtures/keras/NAME.keras` + `NAME.npz`).

Generic helpers for parity tests of any layer family:

    fx = load_fixture("conv2d_same")
    layer = rebuild_single_layer(fx)       # first non-input layer, from its Keras config
    out = run_inference(layer, fx.inputs[0])
    assert_close(out, fx.outputs[0], name="conv2d_same")

`fx.layer_configs` lists `(class_name, config)` of the non-input layers; `fx.layer_weights(i)`
gives the i-th of them's arrays in Keras order (h5 groups are named by class and order,
`layers/<snake_class>[_n]/vars/<i>`, not by layer name); `fx.weights_for("bidirectional/forward_layer/cell")`
reads any h5 group, for nested layers. `keras.saving.load_model(FIXTURE_DIR / f"{name}.keras")`
loads the whole archive end to end.
"""

import collections
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import torch

import lamina as keras
from lamina.backend import to_snake_case

__all__ = ["FIXTURE_DIR", "Fixture", "load_fixture", "rebuild_single_layer", "run_inference", "assert_close"]


FIXTURE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "keras"


@dataclass
class Fixture:
    """One Keras reference model: its config, weights (h5 groups) and input/output arrays."""

    name: str
    config: dict
    weights: dict = field(default_factory=dict)  # h5 group path -> list of arrays in `vars/<i>` order
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)

    @property
    def layer_configs(self):
        """`(class_name, config)` of every non-input layer, in config order."""
        return [(l["class_name"], l["config"]) for l in self.config["config"]["layers"]
                if l["class_name"] != "InputLayer"]

    @property
    def input_shapes(self):
        return [tuple(l["config"]["batch_shape"]) for l in self.config["config"]["layers"]
                if l["class_name"] == "InputLayer"]

    def layer_weights(self, index):
        """Arrays of the index-th non-input layer: Keras names the h5 groups by class and order
        (`conv2d`, `conv2d_1`, ...), not by layer name."""
        counters = collections.Counter()
        group = None
        for i, (class_name, _) in enumerate(self.layer_configs):
            base = to_snake_case(class_name)
            group = base if counters[base] == 0 else f"{base}_{counters[base]}"
            counters[base] += 1
            if i == index:
                break
        return self.weights.get(f"layers/{group}", [])

    def weights_for(self, group):
        """Arrays of the h5 group `layers/<group>` (e.g. "lstm" or "bidirectional/forward_layer/cell")."""
        return self.weights.get(f"layers/{group}", [])


def _read_h5(data):
    out = {}
    with h5py.File(io.BytesIO(data), "r") as h5:
        def visit(name, obj):
            if isinstance(obj, h5py.Group) and "vars" in obj and len(obj["vars"]):
                keys = sorted(obj["vars"], key=int)
                out[name] = [np.array(obj["vars"][k]) for k in keys]
        h5.visititems(visit)
    return out


def load_fixture(name):
    """Reads `NAME.keras` (config + h5 weights) and `NAME.npz` (`in_i`, `out_i`)."""
    with zipfile.ZipFile(FIXTURE_DIR / f"{name}.keras") as archive:
        config = json.loads(archive.read("config.json"))
        weights = _read_h5(archive.read("model.weights.h5"))
    arrays = np.load(FIXTURE_DIR / f"{name}.npz")
    count = lambda prefix: sum(1 for k in arrays.files if k.startswith(prefix))
    inputs = [arrays[f"in_{i}"] for i in range(count("in_"))]
    outputs = [arrays[f"out_{i}"] for i in range(count("out_"))]
    return Fixture(name, config, weights, inputs, outputs)


def rebuild_single_layer(fixture, index=0):
    """The index-th non-input layer rebuilt with `from_config`, built on the fixture's input
    shape through `keras.Input`, with the fixture's weights set."""
    class_name, config = fixture.layer_configs[index]
    layer = getattr(keras.layers, class_name).from_config(config)
    batch_shape = fixture.input_shapes[0]
    layer(keras.Input(batch_shape=batch_shape))
    layer.set_weights(fixture.layer_weights(index))
    return layer


def run_inference(layer, *arrays):
    """Calls the layer on NumPy inputs in inference mode; returns NumPy output(s)."""
    tensors = [torch.from_numpy(np.asarray(a)) for a in arrays]
    with torch.no_grad():
        out = layer(*tensors, training=False)
    if isinstance(out, (list, tuple)):
        return [o.numpy() for o in out]
    return out.numpy()


def assert_close(actual, expected, name, rtol=1e-5, atol=1e-5):
    """np.testing.assert_allclose that names the fixture and compares shapes first."""
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, f"{name}: output shape {actual.shape} != Keras's {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=f"fixture {name}")
