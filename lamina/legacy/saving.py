"""`lamina.legacy.saving`: Keras 2's `serialize_keras_object` / `deserialize_keras_object`
(Keras 3's `keras.legacy.saving`)."""

from lamina.saving.legacy_serialization import deserialize_keras_object, serialize_keras_object

__all__ = ["serialize_keras_object", "deserialize_keras_object"]
