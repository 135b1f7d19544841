"""Pooling layers."""

from lamina.layers.pooling.global_pooling import (GlobalAveragePooling1D, GlobalAveragePooling2D,
                                                  GlobalAveragePooling3D, GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                  GlobalMaxPooling3D)
from lamina.layers.pooling.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, MaxPooling1D,
                                           MaxPooling2D, MaxPooling3D)
from lamina.layers.pooling.adaptive_pooling import (AdaptiveAveragePooling1D, AdaptiveAveragePooling2D,
                                                    AdaptiveAveragePooling3D, AdaptiveMaxPooling1D,
                                                    AdaptiveMaxPooling2D, AdaptiveMaxPooling3D)

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
           "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
           "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
           "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"]
