"""Utilities shared across lamina (nested structures, config serialization).

Public as in `keras.utils`: `set_random_seed`, `plot_model`, `to_categorical`, `normalize`,
`pack_x_y_sample_weight`, `unpack_x_y_sample_weight`, and the data helpers: `PyDataset`/`Sequence`,
`*_dataset_from_*` (returning lamina `BatchedDataset`s of torch tensors instead of `tf.data` datasets),
`split_dataset`, `pad_sequences`, image file helpers, `get_file`, `Progbar`.
"""

from lamina.utils import bounding_boxes
from lamina.utils.audio_dataset_utils import audio_dataset_from_directory
from lamina.utils.batched_dataset import BatchedDataset
from lamina.utils.data_structure import pack_x_y_sample_weight, unpack_x_y_sample_weight
from lamina.utils.dataset_utils import split_dataset
from lamina.utils.file_utils import get_file
from lamina.utils.image_dataset_utils import image_dataset_from_directory
from lamina.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from lamina.utils.progbar import Progbar
from lamina.utils.py_dataset import PyDataset, Sequence
from lamina.utils.sequence_utils import pad_sequences
from lamina.utils.text_dataset_utils import text_dataset_from_directory
from lamina.utils.timeseries_dataset_utils import timeseries_dataset_from_array
from lamina.utils.numerical import normalize, to_categorical
from lamina.utils.random import set_random_seed
from lamina.visualization.model_to_dot import model_to_dot
from lamina.visualization.plot_model import plot_model

__all__ = ["bounding_boxes", "model_to_dot", "normalize", "pack_x_y_sample_weight", "plot_model", "set_random_seed",
           "to_categorical", "unpack_x_y_sample_weight",
           # Data helpers (issue 15).
           "BatchedDataset", "FeatureSpace", "Progbar", "PyDataset", "Sequence", "array_to_img", "audio_dataset_from_directory",
           "get_file",
           "image_dataset_from_directory", "img_to_array", "load_img", "pad_sequences", "save_img", "split_dataset",
           "text_dataset_from_directory", "timeseries_dataset_from_array"]

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
from lamina.utils import legacy  # noqa: E402,F401  (keras.utils.legacy)


def __getattr__(name):
    # FeatureSpace is a Layer: imported on first use, since lamina.layers itself imports lamina.utils.
    if name == "FeatureSpace":
        from lamina.utils.feature_space import FeatureSpace

        return FeatureSpace
    raise AttributeError(f"module 'lamina.utils' has no attribute {name!r}")
