"""`keras.preprocessing.sequence`: `pad_sequences` (an alias of `lamina.utils.pad_sequences`)."""

from lamina.utils import pad_sequences

__all__ = ["pad_sequences"]
