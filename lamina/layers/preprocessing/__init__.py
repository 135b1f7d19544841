"""Preprocessing layers that run inside the model: `Rescaling`, the image preprocessing and
augmentation layers (`lamina.layers.preprocessing.image`); `Normalization` is with the
normalization layers."""

from lamina.layers.preprocessing import image
from lamina.layers.preprocessing.image import *  # noqa: F401,F403  (re-exported by name in __all__)
from lamina.layers.preprocessing.rescaling import Rescaling

__all__ = ["Rescaling", *image.__all__]
