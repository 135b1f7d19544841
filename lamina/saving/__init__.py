"""`lamina.saving`: `.keras` archives, weights files and configs, compatible with Keras 3."""

from lamina.saving.errors import (CorruptFileError, LoadError, MissingClassError, SavingError, UnsafeObjectError,
                                  WeightMismatchError)
from lamina.saving.file_editor import KerasFileEditor
from lamina.saving.model_config import model_from_config
from lamina.saving.object_serialization import deserialize_keras_object, serialize_keras_object
from lamina.saving.registration import (CustomObjectScope, custom_object_scope, get_custom_objects,
                                        get_registered_name, get_registered_object, register_serializable)
from lamina.saving.saving_api import (clone_model, load_model, load_weights, model_from_json, model_to_json,
                                      save_model, save_weights)

# Keras's spelling of the decorator.
register_keras_serializable = register_serializable

__all__ = [
    "save_model", "load_model", "save_weights", "load_weights", "model_from_config", "model_from_json",
    "model_to_json", "clone_model", "register_serializable", "register_keras_serializable",
    "get_registered_name", "get_registered_object", "get_custom_objects", "CustomObjectScope",
    "custom_object_scope", "SavingError", "LoadError", "CorruptFileError", "MissingClassError",
    "WeightMismatchError", "UnsafeObjectError", "serialize_keras_object", "deserialize_keras_object",
    "KerasFileEditor",
]
