"""Normalization layers."""

from lamina.layers.normalization.batch_normalization import BatchNormalization
from lamina.layers.normalization.group_normalization import GroupNormalization
from lamina.layers.normalization.layer_normalization import LayerNormalization
from lamina.layers.normalization.normalization import Normalization
from lamina.layers.normalization.unit_normalization import UnitNormalization
from lamina.layers.normalization.rms_normalization import RMSNormalization
from lamina.layers.normalization.spectral_normalization import SpectralNormalization

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization",
           "Normalization", "RMSNormalization", "SpectralNormalization"]
