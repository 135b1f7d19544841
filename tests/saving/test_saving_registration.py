"""Custom classes: registration, custom_objects, scopes, and one error listing every missing class."""

import copy
import os
import sys

import pytest
import torch

import lamina as keras
from lamina import layers
from lamina.saving import (CustomObjectScope, MissingClassError, custom_object_scope, get_registered_name,
                           get_registered_object, load_model, model_from_config, register_serializable)
from lamina.saving.saving_api import model_to_config

sys.path.insert(0, os.path.dirname(__file__))
import seed_models  # noqa: E402


def test_registered_names():
    assert get_registered_name(seed_models.Scale) == "lamina_tests>Scale"
    assert get_registered_object("lamina_tests>Scale") is seed_models.Scale
    assert get_registered_name(layers.Dense) == "Dense"


def test_register_rejects_a_clashing_name():
    @register_serializable(package="clash_test")
    class Thing(layers.Layer):
        pass

    with pytest.raises(ValueError, match="already registered"):
        @register_serializable(package="clash_test", name="Thing")
        class Other(layers.Layer):
            pass


def _config_with_class(module, class_name, registered_name=None):
    config = model_to_config(seed_models.with_unregistered_layer())
    entry = next(e for e in config["config"]["layers"] if e["class_name"] == "Shift")
    entry.update(module=module, class_name=class_name, registered_name=registered_name)
    return config


def test_missing_classes_are_all_listed_with_the_fix():
    config = _config_with_class("__main__", "Mystery")
    dense = next(e for e in config["config"]["layers"] if e["class_name"] == "Dense")
    dense.update(module="my_pkg.layers", class_name="Enigma", registered_name="my_pkg>Enigma")
    with pytest.raises(MissingClassError, match=r"2 class\(es\)(?s:.*)'Mystery'(?s:.*)'my_pkg>Enigma'"
                                                r"(?s:.*)custom_objects=(?s:.*)register_serializable"):
        model_from_config(config)


def test_custom_objects_and_scopes_resolve_a_class():
    config = _config_with_class("__main__", "Renamed")
    x = torch.randn(2, 3)
    model = model_from_config(copy.deepcopy(config), custom_objects={"Renamed": seed_models.Shift})
    assert isinstance(model.layers[-1], seed_models.Shift) and model.layers[-1].offset == 2.5
    with custom_object_scope({"Renamed": seed_models.Shift}):
        assert model_from_config(copy.deepcopy(config))(x).shape == (2, 3)
    with CustomObjectScope({"Renamed": seed_models.Shift}):
        with CustomObjectScope({}):  # nested scopes still see the outer one
            model_from_config(copy.deepcopy(config))
    with pytest.raises(MissingClassError, match="Renamed"):
        model_from_config(copy.deepcopy(config))


def test_registered_name_wins_over_module(tmp_path):
    config = _config_with_class("nowhere.at.all", "Anything", "lamina_tests>Scale")
    entry = next(e for e in config["config"]["layers"] if e["registered_name"] == "lamina_tests>Scale")
    entry["config"] = {"name": "scaled", "factor": 3.0}
    model = model_from_config(config)
    assert isinstance(model.get_layer("scaled"), seed_models.Scale)


def test_unregistered_class_needs_custom_objects_or_a_trusted_file(tmp_path):
    config = model_to_config(seed_models.with_unregistered_layer())
    entry = next(e for e in config["config"]["layers"] if e["class_name"] == "Shift")
    assert entry["module"] == "seed_models" and entry["registered_name"] == "Shift"
    # Safe mode never imports a module a file names; the error says how to allow the class.
    with pytest.raises(MissingClassError, match=r"(?s)'Shift'.*custom_objects.*never imports a module a file names "
                                                r"\(\['seed_models'\]\).*safe_mode=False"):
        model_from_config(config)
    assert isinstance(model_from_config(config, custom_objects={"Shift": seed_models.Shift}).layers[-1],
                      seed_models.Shift)
    # A trusted file (safe_mode=False) may import the module it names.
    assert isinstance(model_from_config(config, safe_mode=False).layers[-1], seed_models.Shift)


def test_module_import_only_accepts_layer_classes():
    config = _config_with_class("os", "system")
    with pytest.raises(MissingClassError, match="'system'"):
        model_from_config(config)
    with pytest.raises(MissingClassError, match="'system'"):
        model_from_config(config, safe_mode=False)


def test_derived_config_of_custom_layer_round_trips(tmp_path):
    model = seed_models.subclassed()
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert loaded.units == 8 and loaded.scale.factor == 0.5
    x = torch.randn(2, 7)
    torch.testing.assert_close(model(x), loaded(x))


def test_layer_without_derivable_config_fails_at_save_with_the_fix(tmp_path):
    class Holder(layers.Layer):
        def __init__(self, thing=None, **kwargs):
            super().__init__(**kwargs)
            self.thing = thing

        def call(self, x):
            return x

    x = keras.Input(shape=(2,))
    model = keras.Model(x, Holder(thing=object())(x))
    with pytest.raises(ValueError, match="Define get_config"):
        model.save(tmp_path / "m.keras")
