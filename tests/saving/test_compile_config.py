"""`compile()` arguments survive `.keras` files: strings, objects, functions, custom classes."""

import json
import zipfile

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers, losses, metrics, optimizers
from lamina.saving import load_model, register_serializable
from lamina.saving.compile_config import deserialize_compile_args, serialize_compile_args


def _model():
    inputs = keras.Input((4,))
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid", name="out")(inputs))


def _stored_compile_config(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))["compile_config"]


def test_loss_metric_and_optimizer_objects_round_trip(tmp_path):
    model = _model()
    model.compile(optimizer=optimizers.Adam(0.01, beta_1=0.8),
                  loss=losses.BinaryCrossentropy(label_smoothing=0.1),
                  metrics=[metrics.AUC(num_thresholds=50), "accuracy", losses.mean_absolute_error])
    model.fit(np.random.rand(16, 4), np.random.randint(0, 2, (16, 1)), verbose=0)
    model.save(tmp_path / "m.keras")

    stored = _stored_compile_config(tmp_path / "m.keras")
    # Objects are written the way Keras 3 writes them, so Keras can compile from the file.
    assert stored["optimizer"]["module"] == "keras.optimizers"
    assert stored["optimizer"]["class_name"] == "Adam"
    assert stored["loss"]["class_name"] == "BinaryCrossentropy"
    assert stored["metrics"][1] == "accuracy"

    loaded = load_model(tmp_path / "m.keras")
    assert loaded.get_compile_config() == model.get_compile_config()
    assert isinstance(loaded.optimizer, optimizers.Adam) and loaded.optimizer.beta_1 == 0.8
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.01)
    assert isinstance(loaded.loss, losses.BinaryCrossentropy)
    assert loaded.loss.get_config()["label_smoothing"] == 0.1
    x, y = np.random.rand(8, 4), np.random.randint(0, 2, (8, 1))
    assert set(loaded.evaluate(x, y, return_dict=True, verbose=0)) == {"loss", "auc", "accuracy",
                                                                         "mean_absolute_error"}


def test_per_output_dict_of_objects_round_trips(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, {"a": layers.Dense(2, name="a")(inputs), "b": layers.Dense(1, name="b")(inputs)})
    model.compile("sgd", loss={"a": losses.Huber(delta=2.0), "b": "mae"},
                  metrics={"a": [metrics.RootMeanSquaredError()], "b": ["mse"]}, loss_weights={"a": 0.5, "b": 2.0})
    model.save(tmp_path / "d.keras")
    loaded = load_model(tmp_path / "d.keras")
    assert loaded.get_compile_config() == model.get_compile_config()
    assert loaded.get_compile_config()["loss_weights"] == {"a": 0.5, "b": 2.0}


@register_serializable(package="compile_config_test")
class ScaledMSE(losses.Loss):
    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, y_true, y_pred):
        return self.scale * torch.mean((y_true - y_pred) ** 2, dim=-1)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


class UnregisteredLoss(losses.Loss):
    def call(self, y_true, y_pred):
        return torch.mean(torch.abs(y_true - y_pred), dim=-1)


def test_registered_custom_loss_is_rebuilt_with_its_config(tmp_path):
    model = _model()
    model.compile("adam", loss=ScaledMSE(scale=3.0))
    model.save(tmp_path / "c.keras")
    loaded = load_model(tmp_path / "c.keras")
    assert isinstance(loaded.loss, ScaledMSE) and loaded.loss.scale == 3.0


def test_unregistered_custom_loss_needs_custom_objects(tmp_path):
    model = _model()
    model.compile("adam", loss=UnregisteredLoss())
    model.save(tmp_path / "u.keras")
    loaded = load_model(tmp_path / "u.keras", custom_objects={"UnregisteredLoss": UnregisteredLoss})
    assert isinstance(loaded.loss, UnregisteredLoss)


def test_keras_written_objects_deserialize():
    # As Keras 3 writes compile(optimizer=SGD(momentum=0.9), loss=SparseCategoricalCrossentropy(from_logits=True)).
    config = {
        "optimizer": {"module": "keras.optimizers", "class_name": "SGD", "registered_name": None,
                      "config": {"name": "SGD", "learning_rate": 0.05, "momentum": 0.9, "nesterov": False}},
        "loss": {"module": "keras.losses", "class_name": "SparseCategoricalCrossentropy", "registered_name": None,
                 "config": {"name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
                            "from_logits": True, "ignore_class": None}},
        "metrics": [["accuracy"]], "loss_weights": None, "jit_compile": False,
    }
    args = deserialize_compile_args(config)
    assert isinstance(args["optimizer"], optimizers.SGD) and args["optimizer"].momentum == 0.9
    assert isinstance(args["loss"], losses.SparseCategoricalCrossentropy)
    assert args["loss"].get_config()["from_logits"] is True
    assert args["metrics"] == [["accuracy"]]


def test_an_object_that_cannot_be_saved_names_the_argument():
    with pytest.raises(ValueError, match=r"compile\(\.\.\., loss=\.\.\.\) holds .*cannot be saved"):
        serialize_compile_args({"loss": object()})


def test_keras_resolved_jit_compile_does_not_turn_on_torch_compile(tmp_path):
    model = _model()
    model.compile("adam", "mse", jit_compile=True)
    model.save(tmp_path / "lamina.keras")
    assert load_model(tmp_path / "lamina.keras").jit_compile  # the user's own choice is kept

    # Keras on JAX writes jit_compile=True for the default "auto"; its metadata has no lamina_version.
    with zipfile.ZipFile(tmp_path / "lamina.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    metadata = json.loads(members["metadata.json"])
    assert "lamina_version" in metadata
    del metadata["lamina_version"]
    members["metadata.json"] = json.dumps(metadata).encode()
    with zipfile.ZipFile(tmp_path / "keras.keras", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    loaded = load_model(tmp_path / "keras.keras")
    assert loaded.compiled and not loaded.jit_compile
    assert loaded.get_compile_config()["jit_compile"] == "auto"
