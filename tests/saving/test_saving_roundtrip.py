"""Seed models round-trip through `.keras` files, folders, weights files and JSON."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers
from lamina.saving import (WeightMismatchError, clone_model, load_model, load_weights, model_from_json,
                           save_model)
from lamina.saving.saving_api import model_to_config

sys.path.insert(0, os.path.dirname(__file__))
import seed_models  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def _flat(outputs):
    if isinstance(outputs, dict):
        return [outputs[k] for k in sorted(outputs)]
    if isinstance(outputs, (list, tuple)):
        return list(outputs)
    return [outputs]


def _assert_same_outputs(a, b, inputs):
    with torch.no_grad():
        for x, y in zip(_flat(a(inputs)), _flat(b(inputs))):
            torch.testing.assert_close(x, y, rtol=0, atol=0)


def _h5_layout(path):
    import io
    import zipfile

    import h5py

    with zipfile.ZipFile(path) as archive:
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as h5:
            items = []
            h5.visititems(lambda key, obj: items.append(
                (key, dict(obj.attrs), np.asarray(obj[()]).tolist() if isinstance(obj, h5py.Dataset) else None)))
            return items


@pytest.mark.parametrize("name", sorted(seed_models.BUILDERS))
def test_save_load_save_is_identical(name, tmp_path):
    model = seed_models.BUILDERS[name]()
    inputs = seed_models.sample_inputs(name)
    model.save(tmp_path / "a.keras")
    loaded = load_model(tmp_path / "a.keras", custom_objects=seed_models.CUSTOM_OBJECTS)
    _assert_same_outputs(model, loaded, inputs)
    loaded.save(tmp_path / "b.keras")
    assert model_to_config(loaded) == model_to_config(model)
    first, second = _h5_layout(tmp_path / "a.keras"), _h5_layout(tmp_path / "b.keras")
    if name in ("subclassed", "functional_subclass"):  # layers made in __init__ get fresh automatic names
        first, second = [(k, v) for k, _, v in first], [(k, v) for k, _, v in second]
    assert first == second
    state, state_loaded = model.state_dict(), loaded.state_dict()
    if name not in ("subclassed", "functional_subclass"):
        assert list(state) == list(state_loaded)
    assert len(state) == len(state_loaded)
    for value, loaded_value in zip(state.values(), state_loaded.values()):
        torch.testing.assert_close(value, loaded_value, rtol=0, atol=0)


_CHILD = """
import sys, numpy as np, torch
sys.path.insert(0, {here!r})
import seed_models
from lamina.saving import load_model
for name in {names!r}:
    model = load_model({folder!r} + "/" + name + ".keras", custom_objects=seed_models.CUSTOM_OBJECTS)
    with torch.no_grad():
        out = model(seed_models.sample_inputs(name))
    if isinstance(out, dict):
        out = [out[k] for k in sorted(out)]
    elif not isinstance(out, (list, tuple)):
        out = [out]
    np.savez({folder!r} + "/" + name + ".npz", *[o.numpy() for o in out])
"""


def test_round_trip_in_a_fresh_process(tmp_path):
    """Every seed model loads in a new interpreter (no classes pre-imported) with identical outputs."""
    names = sorted(seed_models.BUILDERS)
    models = {name: seed_models.BUILDERS[name]() for name in names}
    for name, model in models.items():
        model.save(tmp_path / f"{name}.keras")
    code = _CHILD.format(here=HERE, names=names, folder=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    for name, model in models.items():
        with torch.no_grad():
            expected = _flat(model(seed_models.sample_inputs(name)))
        got = np.load(tmp_path / f"{name}.npz")
        for index, want in enumerate(expected):
            np.testing.assert_array_equal(got[f"arr_{index}"], want.numpy(), err_msg=name)


def test_nested_model_node_indices_are_written_as_keras_writes_them():
    # Keras 3.15.1 writes a nested Functional model's calls as nodes 0, 1, ... (its get_config has
    # +1 shifting code, but the written histories are unshifted, and its loader reads them so);
    # checked by loading lamina files in Keras 3.15.1 and Keras files in lamina.
    config = model_to_config(seed_models.nested())["config"]
    concat = next(entry for entry in config["layers"] if entry["class_name"] == "Concatenate")
    histories = [arg["config"]["keras_history"] for arg in concat["inbound_nodes"][0]["args"][0]]
    assert histories == [["inner", 0, 0], ["inner", 1, 0]]


def test_dict_model_keeps_input_and_output_structure():
    config = model_to_config(seed_models.multi_input_dict())["config"]
    assert config["input_layers"] == {"a": ["a", 0, 0], "b": ["b", 0, 0]}
    assert config["output_layers"] == {"score": ["score", 0, 0], "aux": ["aux", 0, 0]}


def test_folder_format_for_paths_without_keras_suffix(tmp_path):
    model = seed_models.residual()
    save_model(model, tmp_path / "saved_model")
    assert sorted(os.listdir(tmp_path / "saved_model")) == ["config.json", "metadata.json", "model.weights.h5"]
    _assert_same_outputs(model, load_model(tmp_path / "saved_model"), seed_models.sample_inputs("residual"))
    save_model(model, tmp_path / "saved_model")  # overwriting a folder works too


def test_metadata_is_keras_compatible(tmp_path):
    import zipfile

    seed_models.residual().save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert archive.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        metadata = json.loads(archive.read("metadata.json"))
    assert metadata["keras_version"].startswith("3.") and "@" in metadata["date_saved"]


def test_overwrite_false_refuses(tmp_path):
    model = seed_models.residual()
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="overwrite=False"):
        save_model(model, tmp_path / "m.keras", overwrite=False)


def test_weights_file_round_trip_and_mismatch(tmp_path):
    model = seed_models.residual()
    model.save_weights(tmp_path / "w.weights.h5")
    other = seed_models.residual()
    other.load_weights(tmp_path / "w.weights.h5")
    _assert_same_outputs(model, other, seed_models.sample_inputs("residual"))
    # Weights can be read from a whole-model archive as well.
    model.save(tmp_path / "m.keras")
    third = seed_models.residual()
    load_weights(third, tmp_path / "m.keras")
    _assert_same_outputs(model, third, seed_models.sample_inputs("residual"))
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(tmp_path / "w.h5")


def test_load_weights_into_a_different_architecture_fails_cleanly_or_skips(tmp_path):
    model = seed_models.sequential_mlp()
    model.save_weights(tmp_path / "w.weights.h5")
    wider = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(33, activation="relu"), layers.Dropout(0.2),
                              layers.Dense(10, activation="softmax")])
    before = [w.detach().clone() for w in wider.weights]
    with pytest.raises(WeightMismatchError, match=r"holds shape \(20, 32\).*expects \(20, 33\)"):
        wider.load_weights(tmp_path / "w.weights.h5")
    for old, new in zip(before, wider.weights):  # nothing was half-loaded
        torch.testing.assert_close(old, new.detach())
    with pytest.warns(UserWarning, match="skipped"):
        wider.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)


def test_json_and_clone(tmp_path):
    model = seed_models.siamese()
    rebuilt = model_from_json(model.to_json())
    assert json.loads(rebuilt.to_json()) == json.loads(model.to_json())
    clone = keras.models.clone_model(model)
    assert clone is not model and [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    assert all(a is not b for a, b in zip(clone.weights, model.weights))
    assert clone_model is keras.models.clone_model


def test_sequential_without_input_saves_after_build(tmp_path):
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    # As Keras: an unbuilt model saves (its config; no weights yet) with a warning.
    with pytest.warns(UserWarning, match="has not yet been built"):
        model.save(tmp_path / "unbuilt.keras")
    assert not load_model(tmp_path / "unbuilt.keras").built
    model.build((None, 3))
    model.save(tmp_path / "m.keras")
    _assert_same_outputs(model, load_model(tmp_path / "m.keras"), torch.randn(2, 3))


def test_unsupported_tensor_op_names_the_fix(tmp_path):
    x = keras.Input(shape=(4,))
    model = keras.Model(x, layers.Dense(2)(x.mean(dim=1, keepdim=True)))
    with pytest.raises(ValueError, match="Wrap the computation in a Layer subclass"):
        model.save(tmp_path / "m.keras")
    assert not os.path.exists(tmp_path / "m.keras")


def test_compiled_model_resumes_training_exactly(tmp_path):
    torch.manual_seed(0)
    model = seed_models.residual()
    model.compile(optimizer="adam", loss="mse")
    x, y = torch.randn(32, 12), torch.randn(32, 4)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert loaded.compiled and loaded.get_compile_config() == model.get_compile_config()
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 8
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for a, b in zip(model.weights, loaded.weights):
        torch.testing.assert_close(a.detach(), b.detach(), rtol=0, atol=0)
    # compile=False gives an uncompiled model with the same weights.
    plain = load_model(tmp_path / "m.keras", compile=False)
    assert not plain.compiled


def test_optimizer_state_layout_follows_keras(tmp_path):
    import io
    import zipfile

    import h5py

    model = seed_models.sequential_mlp()
    model.compile(optimizer="adam", loss="mse")
    model.fit(torch.randn(8, 20), torch.randn(8, 10), epochs=1, batch_size=4, verbose=0)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as h5:
            assert int(h5["optimizer/vars/0"][()]) == 2  # iterations first, as Keras
            assert "optimizer/lamina_state" in h5


def test_adapted_normalization_and_batch_norm_statistics_survive(tmp_path):
    data = torch.randn(50, 4) * 3 + 1
    norm = layers.Normalization()
    norm.adapt(data)
    x = keras.Input((4,))
    model = keras.Model(x, layers.BatchNormalization()(layers.Dense(2)(norm(x))))
    with torch.no_grad():
        model.layers[-1].moving_mean += 2.0
    model.save(tmp_path / "n.keras")
    _assert_same_outputs(model, load_model(tmp_path / "n.keras"), data)


def test_sequential_inside_functional_and_functional_inside_sequential(tmp_path):
    inner = keras.Sequential([keras.Input((3,)), layers.Dense(4)], name="seq_inner")
    x = keras.Input((3,))
    functional = keras.Model(x, layers.Dense(2)(inner(x)), name="func")
    outer = keras.Sequential([keras.Input((3,)), functional, layers.Dense(1)], name="outer_seq")
    outer.save(tmp_path / "s.keras")
    _assert_same_outputs(outer, load_model(tmp_path / "s.keras"), torch.randn(2, 3))


class Counter(layers.Layer):
    """Non-weight state saved through the per-layer hooks (as Keras's save_own_variables)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = 0

    def call(self, x):
        return x + self.seen

    def save_own_variables(self, store):
        store["0"] = np.asarray(self.seen, dtype="int64")

    def load_own_variables(self, store):
        self.seen = int(store["0"])


def test_per_layer_save_and_load_hooks(tmp_path):
    x = keras.Input((2,))
    counter = Counter(name="counter")
    model = keras.Model(x, counter(x))
    counter.seen = 7
    model.save(tmp_path / "c.keras")
    loaded = load_model(tmp_path / "c.keras", custom_objects={"Counter": Counter})
    assert loaded.get_layer("counter").seen == 7


def test_keras_written_compile_config_is_restored(tmp_path):
    import zipfile

    seed_models.residual().save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    config = json.loads(members["config.json"])
    config["compile_config"] = {  # what Keras 3 writes for compile(optimizer="adam", loss="mse", metrics=["mae"])
        "optimizer": {"module": "keras.optimizers", "class_name": "Adam", "registered_name": None, "config": {
            "name": "adam", "learning_rate": 0.001, "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
            "clipvalue": None, "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
            "loss_scale_factor": None, "gradient_accumulation_steps": None, "beta_1": 0.9, "beta_2": 0.999,
            "epsilon": 1e-07, "amsgrad": False}},
        "loss": "mean_squared_error", "loss_weights": None, "metrics": ["mae"], "weighted_metrics": None,
        "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False, "auto_scale_loss": True}
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "k.keras", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    loaded = load_model(tmp_path / "k.keras")
    assert loaded.compiled and type(loaded.optimizer).__name__ == "Adam"


@keras.saving.register_keras_serializable(package="kio_guide")
class _DenseWithExtraVariable(layers.Dense):
    """keras.io "Save, serialize, and export models": extra state saved next to Dense's own keys."""

    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)
        self.my_variable = keras.Variable(np.arange(units, dtype="float32"), name="my_variable")

    def save_own_variables(self, store):
        super().save_own_variables(store)
        store["variables"] = self.my_variable.numpy()

    def load_own_variables(self, store):
        self.my_variable.assign(store["variables"])
        for i, v in enumerate([self.kernel, self.bias]):
            v.assign(store[f"{i}"])

    def call(self, inputs):
        return super().call(inputs) + self.my_variable


def test_subclass_save_own_variables_extends_the_base_layers_keys(tmp_path):
    model = keras.Sequential([keras.Input((3,)), _DenseWithExtraVariable(2)])
    store = {}
    model.layers[0].save_own_variables(store)
    # Dense writes Keras's own keys ("0": kernel in Keras layout, "1": bias), not the extra variable.
    assert sorted(store) == ["0", "1", "variables"]
    np.testing.assert_allclose(store["0"], model.layers[0].kernel.numpy())
    model.layers[0].my_variable.assign(np.array([5.0, 6.0], "float32"))
    model.save(tmp_path / "m.keras")
    restored = load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(restored.layers[0].my_variable.numpy(), [5.0, 6.0])
    _assert_same_outputs(model, restored, torch.randn(2, 3))


def test_layer_generic_save_and_load_own_variables():
    layer = layers.LayerNormalization()
    layer.build((None, 4))
    store = {}
    layer.save_own_variables(store)
    assert sorted(store) == ["0", "1"]
    other = layers.LayerNormalization()
    other.build((None, 4))
    other.load_own_variables({"0": np.full(4, 2.0, "float32"), "1": np.full(4, 3.0, "float32")})
    np.testing.assert_allclose(other.gamma.numpy(), 2.0)
    with pytest.raises(ValueError, match="expected 2 variables"):
        other.load_own_variables({"0": np.ones(4, "float32")})


@keras.saving.register_keras_serializable(package="kio_guide")
class _LayerWithCustomBuild(layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def call(self, inputs):
        return keras.ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return dict(units=self.units, **super().get_config())

    def build(self, input_shape, layer_init):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer=layer_init)
        self.b = self.add_weight(shape=(self.units,), initializer=layer_init)
        self.layer_init = layer_init

    def get_build_config(self):
        return {"layer_init": self.layer_init, "input_shape": (4,)}

    def build_from_config(self, config):
        self.build(config["input_shape"], config["layer_init"])


def test_custom_build_config_keys_load_and_an_unbuilt_model_saves_with_a_warning(tmp_path):
    custom = _LayerWithCustomBuild(units=16)
    custom.build(input_shape=(4,), layer_init="random_normal")
    model = keras.Sequential([custom, layers.Dense(1)])  # no Input: the Sequential itself is unbuilt
    with pytest.warns(UserWarning, match="has not yet been built"):
        model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert tuple(loaded.layers[0].w.shape) == (4, 16)
    np.testing.assert_allclose(loaded.layers[0].w.numpy(), custom.w.numpy())
