"""keras.utils / keras.layers names that alias objects lamina already has, plus Config and
get_source_inputs."""

import pytest

import lamina
from lamina import utils


def test_aliases_are_the_same_objects():
    assert utils.serialize_keras_object is lamina.saving.serialize_keras_object
    assert utils.deserialize_keras_object is lamina.saving.deserialize_keras_object
    assert utils.register_keras_serializable is lamina.saving.register_keras_serializable
    assert utils.custom_object_scope is lamina.saving.custom_object_scope
    assert utils.CustomObjectScope is lamina.saving.CustomObjectScope
    assert utils.get_custom_objects is lamina.saving.get_custom_objects
    assert utils.get_registered_name is lamina.saving.get_registered_name
    assert utils.get_registered_object is lamina.saving.get_registered_object
    assert utils.clear_session is lamina.backend.clear_session
    assert utils.is_keras_tensor is lamina.backend.is_keras_tensor
    assert utils.standardize_dtype is lamina.backend.standardize_dtype
    assert utils.disable_interactive_logging is lamina.config.disable_interactive_logging
    assert utils.enable_interactive_logging is lamina.config.enable_interactive_logging
    assert utils.is_interactive_logging_enabled is lamina.config.is_interactive_logging_enabled


def test_layers_serialize_round_trip():
    config = lamina.layers.serialize(lamina.layers.Dense(3, activation="relu", name="d"))
    assert config["class_name"] == "Dense" and config["module"] == "keras.layers"
    layer = lamina.layers.deserialize(config)
    assert isinstance(layer, lamina.layers.Dense) and layer.units == 3 and layer.name == "d"


def test_get_source_inputs():
    a, b = lamina.Input((2,)), lamina.Input((2,))
    hidden = lamina.layers.Dense(2)(b)
    y = lamina.layers.Add()([a, hidden, lamina.layers.Dense(2)(a)])
    sources = utils.get_source_inputs(y)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    assert utils.get_source_inputs(a)[0] is a
    assert utils.get_source_inputs(3) == 3


def test_config():
    config = utils.Config(learning_rate=0.1)
    config.units = 4
    config["depth"] = 2
    assert config.learning_rate == 0.1 and config["units"] == 4 and config.depth == 2
    assert set(config) == {"learning_rate", "units", "depth"} and len(config) == 3
    assert config.as_dict() == {"learning_rate": 0.1, "units": 4, "depth": 2}
    assert '"units": 4' in config.to_json()
    config.freeze()
    assert config.is_frozen
    with pytest.raises(ValueError, match="config is frozen"):
        config.units = 5
    with pytest.raises(ValueError, match="config is frozen"):
        config.update(units=6)
    config.unfreeze()
    del config.units
    assert "units" not in config
    with pytest.raises(AttributeError, match="no attribute or entry 'missing'"):
        config.missing
