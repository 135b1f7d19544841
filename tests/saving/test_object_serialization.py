"""`keras.saving.serialize_keras_object` / `deserialize_keras_object`, as custom layers use them."""

import pytest
import torch

import lamina as keras
from lamina import layers
from lamina.saving import deserialize_keras_object, load_model, serialize_keras_object


@keras.saving.register_keras_serializable(package="object_serialization_test")
class Wrapping(layers.Layer):
    """A custom layer holding a sub-layer and an initializer, stored the Keras way."""

    def __init__(self, inner, scale_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        self.inner = inner
        self.scale_initializer = keras.initializers.get(scale_initializer)

    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(), initializer=self.scale_initializer)

    def call(self, x):
        return self.inner(x) * self.scale

    def get_config(self):
        return {**super().get_config(), "inner": keras.saving.serialize_keras_object(self.inner),
                "scale_initializer": keras.saving.serialize_keras_object(self.scale_initializer)}

    @classmethod
    def from_config(cls, config):
        config["inner"] = keras.saving.deserialize_keras_object(config["inner"])
        config["scale_initializer"] = keras.saving.deserialize_keras_object(config["scale_initializer"])
        return cls(**config)


def test_custom_layer_holding_objects_round_trips_through_a_file(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, Wrapping(layers.Dense(2, activation="tanh"),
                                         keras.initializers.Constant(2.0), name="wrap")(inputs))
    model.save(tmp_path / "w.keras")
    loaded = load_model(tmp_path / "w.keras")
    x = torch.randn(4, 3)
    torch.testing.assert_close(loaded(x), model(x))
    assert isinstance(loaded.get_layer("wrap").inner, layers.Dense)


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
