"""The generic Keras-format helpers in `lamina.utils.serialization`."""

import pytest

from lamina.utils.serialization import (
    deserialize_from_registry,
    is_plain_function,
    serialize_function,
    serialize_keras_object,
    unknown_name_message,
)


class Thing:
    def __init__(self, size=1, label="a"):
        self.size = size
        self.label = label

    def get_config(self):
        return {"size": self.size, "label": self.label}


class Built(Thing):
    """A class with its own from_config, which must be used instead of the constructor."""

    @classmethod
    def from_config(cls, config):
        obj = cls(**config)
        obj.via_from_config = True
        return obj


def double(x):
    return 2 * x


REGISTRY = {"Thing": Thing, "thing": Thing, "Built": Built, "double": double}


def test_serialize_builtin_and_custom_objects():
    assert serialize_keras_object(Thing(3), module="keras.things") == {
        "module": "keras.things", "class_name": "Thing",
        "config": {"size": 3, "label": "a"}, "registered_name": None,
    }
    custom = serialize_keras_object(Thing())
    assert custom["module"] == __name__ and custom["registered_name"] == "Thing"
    assert serialize_keras_object(Thing(), registered_name="pkg>Thing")["registered_name"] == "pkg>Thing"


def test_serialize_passes_none_and_plain_values():
    assert serialize_keras_object(None) is None
    assert serialize_keras_object(1.5) == 1.5
    assert serialize_keras_object("relu") == "relu"


def test_serialize_object_without_get_config_says_how_to_fix():
    with pytest.raises(TypeError, match=r"expected an object with a `get_config\(\)` method, received an instance of `object`"):
        serialize_keras_object(object())


def test_serialize_function_and_lambda():
    assert serialize_function(double) == {
        "module": __name__, "class_name": "function", "config": "double",
        "registered_name": "double",
    }
    with pytest.raises(ValueError, match=r"a function is saved by its name, and this one has none \(received `<lambda>`\)"):
        serialize_function(lambda x: x)
    assert is_plain_function(double) and not is_plain_function(lambda x: x)
    assert not is_plain_function(Thing)


def test_deserialize_string_instantiates_classes_and_returns_functions():
    assert isinstance(deserialize_from_registry("thing", REGISTRY, "thing"), Thing)
    assert deserialize_from_registry("double", REGISTRY, "thing") is double
    assert deserialize_from_registry(None, REGISTRY, "thing") is None


def test_deserialize_keras_3_and_older_dicts():
    new = {"module": "keras.things", "class_name": "Thing", "config": {"size": 5}, "registered_name": None}
    old = {"class_name": "Thing", "config": {"size": 6, "label": "b"}}
    assert deserialize_from_registry(new, REGISTRY, "thing").size == 5
    obj = deserialize_from_registry(old, REGISTRY, "thing")
    assert (obj.size, obj.label) == (6, "b")
    assert deserialize_from_registry({"class_name": "Thing"}, REGISTRY, "thing").size == 1


def test_from_config_is_preferred_over_constructor():
    obj = deserialize_from_registry({"class_name": "Built", "config": {"size": 2}}, REGISTRY, "thing")
    assert obj.via_from_config and obj.size == 2


def test_function_dict():
    config = {"module": "m", "class_name": "function", "config": "double", "registered_name": "double"}
    assert deserialize_from_registry(config, REGISTRY, "thing") is double


def test_custom_objects_win_and_registered_name_is_used():
    class Other(Thing):
        pass

    config = {"module": "pkg", "class_name": "Thing", "config": {}, "registered_name": "pkg>Thing"}
    obj = deserialize_from_registry(config, REGISTRY, "thing", custom_objects={"pkg>Thing": Other})
    assert type(obj) is Other
    assert type(deserialize_from_registry("Thing", REGISTRY, "thing", {"Thing": Other})) is Other


def test_classes_are_instantiated_and_callables_pass_through():
    assert isinstance(deserialize_from_registry(Thing, REGISTRY, "thing"), Thing)
    assert deserialize_from_registry(double, {}, "thing") is double


def test_non_callable_instance_is_refused_naming_kind_and_value():
    with pytest.raises(ValueError, match=r"Could not interpret widget identifier <.*Thing object"):
        deserialize_from_registry(Thing(), REGISTRY, "widget")
    with pytest.raises(ValueError, match=r"Could not interpret widget identifier 42 \(a `int`\)\. Expected None, a widget name"):
        deserialize_from_registry(42, REGISTRY, "widget")


def test_unknown_names_name_kind_value_and_valid_names():
    with pytest.raises(ValueError, match=r"Unknown widget: 'thnig'\. Did you mean 'thing'.*Expected one of \['Built', 'Thing', 'double', 'thing'\]"):
        deserialize_from_registry("thnig", REGISTRY, "widget")
    with pytest.raises(ValueError, match=r"Unknown widget: 'Nope'"):
        deserialize_from_registry({"class_name": "Nope", "config": {}}, REGISTRY, "widget")


def test_malformed_dicts():
    with pytest.raises(ValueError, match=r"expected a dict with a 'class_name' key.*received keys \['config'\]"):
        deserialize_from_registry({"config": {}}, REGISTRY, "widget")
    with pytest.raises(ValueError, match=r"its 'config' must be a dict of constructor arguments, received 3"):
        deserialize_from_registry({"class_name": "Thing", "config": 3}, REGISTRY, "widget")
    with pytest.raises(ValueError, match=r"serialized lambda, which is Python bytecode"):
        deserialize_from_registry({"class_name": "__lambda__", "config": {}}, REGISTRY, "widget")


def test_bad_config_keys_list_accepted_arguments():
    with pytest.raises(ValueError, match=r"Could not build widget 'Thing'.*Thing accepts the arguments \['size', 'label'\]"):
        deserialize_from_registry({"class_name": "Thing", "config": {"colour": 1}}, REGISTRY, "widget")


def test_function_with_config_is_refused():
    with pytest.raises(ValueError, match=r"it is a function and takes no config"):
        deserialize_from_registry({"class_name": "double", "config": {"x": 1}}, REGISTRY, "widget")


def test_unknown_name_message_without_close_match():
    text = unknown_name_message("gizmo", "zzz", {"alpha": 1})
    assert "Did you mean" not in text and "Expected one of ['alpha']" in text
