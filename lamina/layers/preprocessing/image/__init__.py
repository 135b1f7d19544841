"""Image preprocessing and augmentation layers (Keras 3's `keras.layers.Random*`, `Resizing`, ...)."""

from lamina.layers.preprocessing.image.base import BaseImagePreprocessingLayer
from lamina.layers.preprocessing.image.color import (AutoContrast, RandomBrightness, RandomColorDegeneration,
                                                     RandomContrast, RandomGrayscale, RandomInvert,
                                                     RandomPosterization, Solarization)
from lamina.layers.preprocessing.image.cropping import CenterCrop, RandomCrop, Resizing
from lamina.layers.preprocessing.image.color_space import RandomColorJitter, RandomHue, RandomSaturation
from lamina.layers.preprocessing.image.filters import RandomGaussianBlur, RandomSharpness
from lamina.layers.preprocessing.image.histogram import ContrastLimitedAdaptiveHistogramEqualization, Equalization
from lamina.layers.preprocessing.image.policies import AugMix, RandAugment
from lamina.layers.preprocessing.image.warping import RandomElasticTransform, RandomPerspective
from lamina.layers.preprocessing.image.mixing import CutMix, MaxNumBoundingBoxes, MixUp, RandomErasing
from lamina.layers.preprocessing.image.geometric import (RandomFlip, RandomRotation, RandomShear, RandomTranslation,
                                                         RandomZoom)

__all__ = [
    "BaseImagePreprocessingLayer",
    "AutoContrast", "RandomBrightness", "RandomColorDegeneration", "RandomContrast", "RandomGrayscale",
    "RandomInvert", "RandomPosterization", "Solarization",
    "CenterCrop", "RandomCrop", "Resizing",
    "RandomFlip", "RandomRotation", "RandomShear", "RandomTranslation", "RandomZoom",
    "CutMix", "MaxNumBoundingBoxes", "MixUp", "RandomErasing",
    "RandomColorJitter", "RandomHue", "RandomSaturation", "RandomGaussianBlur", "RandomSharpness",
    "ContrastLimitedAdaptiveHistogramEqualization", "Equalization", "AugMix", "RandAugment",
    "RandomElasticTransform", "RandomPerspective",
]
