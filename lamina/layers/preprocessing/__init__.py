"""Preprocessing layers that run inside the model (`Rescaling`; `Normalization` is with the
normalization layers)."""

from lamina.layers.preprocessing.rescaling import Rescaling

__all__ = ["Rescaling"]
