"""Utilities shared across lamina (nested structures, config serialization).

Public as in `keras.utils`: `set_random_seed`, `plot_model`, `to_categorical`, `normalize`.
"""

from lamina.utils import bounding_boxes
from lamina.utils.numerical import normalize, to_categorical
from lamina.utils.random import set_random_seed
from lamina.visualization.plot_model import plot_model

__all__ = ["bounding_boxes", "normalize", "plot_model", "set_random_seed", "to_categorical"]

# Keras's `keras.utils` also re-exports these objects that live elsewhere in lamina.
from lamina.backend import clear_session, is_keras_tensor, standardize_dtype  # noqa: E402
from lamina.backend.config import (disable_interactive_logging, enable_interactive_logging,  # noqa: E402
                                   is_interactive_logging_enabled)
from lamina.saving import (CustomObjectScope, custom_object_scope, deserialize_keras_object,  # noqa: E402
                           get_custom_objects, get_registered_name, get_registered_object,
                           register_keras_serializable, serialize_keras_object)
from lamina.utils.config import Config  # noqa: E402
from lamina.utils.source_inputs import get_source_inputs  # noqa: E402

__all__ += [
    "Config", "CustomObjectScope", "clear_session", "custom_object_scope", "deserialize_keras_object",
    "disable_interactive_logging", "enable_interactive_logging", "get_custom_objects", "get_registered_name",
    "get_registered_object", "get_source_inputs", "is_interactive_logging_enabled", "is_keras_tensor",
    "register_keras_serializable", "serialize_keras_object", "standardize_dtype",
]
