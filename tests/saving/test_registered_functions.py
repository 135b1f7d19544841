"""Functions registered with `register_keras_serializable(package, name)` and used as an activation or
a loss are saved by their registered name and found again by `load_model` (no `custom_objects`)."""

import json
import zipfile

import numpy as np
import torch

import lamina as keras
from lamina import layers


@keras.saving.register_keras_serializable(package="lamina_tests", name="doubled_tanh")
def doubled_tanh(x):
    return 2.0 * torch.tanh(x)


@keras.saving.register_keras_serializable(package="lamina_tests")
def row_mse(y_true, y_pred):
    return torch.mean((y_true - y_pred) ** 2, dim=-1)


def test_registered_activation_and_loss_survive_save_and_load(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(2, activation=doubled_tanh)(inputs))
    model.compile("adam", loss=row_mse)
    model.fit(np.ones((4, 3), "float32"), np.zeros((4, 2), "float32"), verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    assert config["config"]["layers"][1]["config"]["activation"]["config"] == "lamina_tests>doubled_tanh"
    assert config["compile_config"]["loss"]["config"] == "lamina_tests>row_mse"
    loaded = keras.models.load_model(path)
    assert loaded.layers[1].activation is doubled_tanh and loaded.loss is row_mse
    x = np.random.default_rng(0).normal(size=(2, 3)).astype("float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_keras_written_function_entries_are_found_in_the_registry():
    # Keras 3.15 writes a registered function as below (module "builtins", registered_name "function").
    entry = {"module": "builtins", "class_name": "function", "config": "lamina_tests>doubled_tanh",
             "registered_name": "function"}
    assert keras.activations.deserialize(entry) is doubled_tanh
    dense = layers.Dense.from_config({**layers.Dense(2).get_config(), "activation": entry})
    assert dense.activation is doubled_tanh
    loss_entry = {**entry, "config": "lamina_tests>row_mse"}
    assert keras.losses.deserialize(loss_entry) is row_mse
