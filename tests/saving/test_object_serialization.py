"""`keras.saving.serialize_keras_object` / `deserialize_keras_object`, as custom layers use them."""

import pytest
import torch
from zoo_models import make  # tools/keras_crosscheck, on the path via tests/conftest.py

import lamina as keras
from lamina import layers
from lamina.saving import deserialize_keras_object, load_model, serialize_keras_object


def test_custom_layer_holding_objects_round_trips_through_a_file(tmp_path):
    # The cross-check's custom layer (tools/keras_crosscheck/zoo_models.py, also loaded by Keras 3):
    # a sub-layer and an initializer stored with serialize_keras_object.
    model, data = make(keras)["custom_layer"]()
    model.save(tmp_path / "w.keras")
    loaded = load_model(tmp_path / "w.keras")
    x = torch.as_tensor(data)
    torch.testing.assert_close(loaded(x), model(x))
    custom = loaded.layers[-1]
    assert type(custom).__name__ == "ScaledInner" and isinstance(custom.inner, layers.Dense)
    assert custom.inner.activation is keras.activations.tanh
    torch.testing.assert_close(custom.scale, torch.full((1,), 1.5))


@pytest.mark.parametrize("obj, kind", [
    (keras.losses.Huber(delta=2.0), keras.losses.Huber),
    (keras.metrics.AUC(num_thresholds=20), keras.metrics.AUC),
    (keras.optimizers.SGD(0.1, momentum=0.5), keras.optimizers.SGD),
    (keras.initializers.HeNormal(seed=3), keras.initializers.HeNormal),
    (keras.regularizers.L2(0.1), keras.regularizers.L2),
    (keras.constraints.MaxNorm(3.0), keras.constraints.MaxNorm),
    (layers.Conv2D(4, 3, padding="same"), layers.Conv2D),
])
def test_objects_of_every_kind_round_trip(obj, kind):
    config = serialize_keras_object(obj)
    assert config["class_name"] == type(obj).__name__ and config["module"].startswith("keras.")
    again = deserialize_keras_object(config)
    assert type(again) is kind and serialize_keras_object(again)["config"] == config["config"]


def test_plain_values_and_functions():
    assert deserialize_keras_object(serialize_keras_object([1, "relu", {"a": None}])) == [1, "relu", {"a": None}]
    config = serialize_keras_object(keras.activations.gelu)
    assert deserialize_keras_object(config) is keras.activations.gelu


def test_unserializable_object_is_named():
    with pytest.raises(ValueError, match=r"cannot serialize <object object .*\(object\)"):
        serialize_keras_object(object())
