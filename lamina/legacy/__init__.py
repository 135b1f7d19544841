"""`lamina.legacy`: Keras 3's `keras.legacy` namespace (Keras 2 serialization helpers)."""

from lamina.legacy import saving

__all__ = ["saving"]
