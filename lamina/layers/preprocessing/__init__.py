"""Preprocessing layers that run inside the model: `Rescaling`, the image preprocessing and
augmentation layers (`lamina.layers.preprocessing.image`), the text, lookup and structured-data
layers (strings flow as NumPy arrays: see `_strings`); `Normalization` is with the normalization
layers."""

from lamina.layers.preprocessing import image
from lamina.layers.preprocessing.image import *  # noqa: F401,F403  (re-exported by name in __all__)
from lamina.layers.preprocessing.rescaling import Rescaling
from lamina.layers.preprocessing.audio import MelSpectrogram
from lamina.layers.preprocessing.category_encoding import CategoryEncoding
from lamina.layers.preprocessing.discretization import Discretization
from lamina.layers.preprocessing.hashing import Hashing
from lamina.layers.preprocessing.hashed_crossing import HashedCrossing
from lamina.layers.preprocessing.integer_lookup import IntegerLookup
from lamina.layers.preprocessing.pipeline import Pipeline
from lamina.layers.preprocessing.string_lookup import StringLookup
from lamina.layers.preprocessing.stft_spectrogram import STFTSpectrogram
from lamina.layers.preprocessing.text_vectorization import TextVectorization

_TEXT_AND_STRUCTURED = ["CategoryEncoding", "Discretization", "HashedCrossing", "Hashing", "IntegerLookup", "MelSpectrogram", "Pipeline",
                        "STFTSpectrogram", "StringLookup", "TextVectorization"]
__all__ = ["Rescaling", *_TEXT_AND_STRUCTURED, *image.__all__]
