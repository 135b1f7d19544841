"""keras.legacy.saving / keras.utils.legacy (Keras 2 serialization) and keras.optimizers.legacy."""

import pytest

import lamina as keras


def test_namespaces_resolve_like_keras():
    assert keras.legacy.saving.serialize_keras_object is keras.utils.legacy.serialize_keras_object
    assert keras.legacy.saving.deserialize_keras_object is keras.utils.legacy.deserialize_keras_object
    import inspect

    assert list(inspect.signature(keras.utils.legacy.deserialize_keras_object).parameters) == [
        "identifier", "module_objects", "custom_objects", "printable_module_name"]


def test_keras2_round_trip():
    ser, deser = keras.legacy.saving.serialize_keras_object, keras.legacy.saving.deserialize_keras_object
    dense = keras.layers.Dense(3, activation="relu", name="d")
    config = ser(dense)
    assert set(config) == {"class_name", "config"} and config["class_name"] == "Dense"
    rebuilt = deser(config)
    assert isinstance(rebuilt, keras.layers.Dense) and rebuilt.units == 3 and rebuilt.name == "d"
    loss = deser(ser(keras.losses.Huber(delta=2.0)))
    assert loss.delta == 2.0
    assert ser(None) is None and deser(None) is None
    assert deser("relu") is keras.activations.relu
    assert ser(keras.activations.relu) == "relu"


def test_custom_objects_module_objects_and_unknown_names():
    deser = keras.utils.legacy.deserialize_keras_object

    class Scale(keras.layers.Layer):
        def __init__(self, factor=1.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    config = {"class_name": "Scale", "config": {"factor": 3.0}}
    assert deser(config, custom_objects={"Scale": Scale}).factor == 3.0
    assert deser(config, module_objects={"Scale": Scale}).factor == 3.0
    with keras.saving.custom_object_scope({"Scale": Scale}):
        assert deser(config).factor == 3.0
    with pytest.raises(ValueError, match="Unknown layer: 'Scale'.*custom_object_scope"):
        deser(config, printable_module_name="layer")
    with pytest.raises(ValueError, match="Improper config format"):
        deser({"config": {}})
    # Nothing is imported from a module named in a config: a dotted name is just unknown.
    with pytest.raises(ValueError, match="Unknown object: 'os.system'"):
        deser({"class_name": "os.system", "config": {}})


@pytest.mark.parametrize("name", ["Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop", "SGD"])
def test_legacy_optimizers_refuse_like_keras(name):
    cls = getattr(keras.optimizers.legacy, name)
    with pytest.raises(ImportError, match="not supported in Keras 3.*lamina.optimizers"):
        cls(learning_rate=0.1)


def test_modern_deserialize_signature_and_scope():
    import inspect

    params = inspect.signature(keras.saving.deserialize_keras_object).parameters
    assert list(params)[:3] == ["config", "custom_objects", "safe_mode"] and params["safe_mode"].default is True
    config = keras.saving.serialize_keras_object(keras.layers.Dense(2))
    assert keras.saving.deserialize_keras_object(config, module_objects={}).units == 2
    with pytest.raises(TypeError, match="unexpected keyword arguments \\['bogus'\\]"):
        keras.saving.deserialize_keras_object(config, bogus=1)
    # CustomObjectScope takes Keras's `custom_objects` positionally or by name.
    with keras.saving.CustomObjectScope(custom_objects={"X": int}) as scope:
        assert keras.saving.get_custom_objects()["X"] is int and scope.custom_objects == {"X": int}
    with pytest.raises(TypeError, match="`custom_objects` must be a dict"):
        keras.saving.CustomObjectScope(["X"])


def test_modern_deserialize_safe_mode_follows_keras():
    from lamina.saving.safe_mode import safe_mode_scope

    config = keras.saving.serialize_keras_object(keras.layers.Lambda(lambda x: x * 2))
    with pytest.raises(keras.saving.UnsafeObjectError):
        keras.saving.deserialize_keras_object(config)  # safe_mode=True by default
    assert isinstance(keras.saving.deserialize_keras_object(config, safe_mode=False), keras.layers.Lambda)
    # Inside a load in progress the load's safe_mode wins over the argument, as Keras's SafeModeScope.
    with safe_mode_scope(False):
        assert isinstance(keras.saving.deserialize_keras_object(config), keras.layers.Lambda)
    with safe_mode_scope(True):
        with pytest.raises(keras.saving.UnsafeObjectError):
            keras.saving.deserialize_keras_object(config, safe_mode=False)
