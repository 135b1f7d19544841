"""Augmentation policies built from the other layers: `RandAugment` (Cubuk et al., 2020) and
`AugMix` (Hendrycks et al., 2020)."""

import torch

from lamina.layers.preprocessing.image.base import BaseImagePreprocessingLayer
from lamina.layers.preprocessing.image.color import (AutoContrast, RandomBrightness, RandomColorDegeneration,
                                                     RandomContrast, RandomPosterization, Solarization)
from lamina.layers.preprocessing.image.filters import RandomSharpness
from lamina.layers.preprocessing.image.geometric import RandomRotation, RandomShear, RandomTranslation
from lamina.layers.preprocessing.image.histogram import Equalization
from lamina.random import beta, gamma

__all__ = ["RandAugment", "AugMix"]

# Keras's names and order of the operations each policy picks from.
_GEOMETRIC_AND_TONE = ["random_shear", "random_translation", "random_rotation", "random_posterization",
                       "solarization", "auto_contrast", "equalization"]
_COLOUR = ["random_brightness", "random_color_degeneration", "random_contrast", "random_sharpness"]
RAND_AUGMENT_LAYERS = ["random_shear", "random_translation", "random_rotation", "random_brightness",
                       "random_color_degeneration", "random_contrast", "random_sharpness", "random_posterization",
                       "solarization", "auto_contrast", "equalization"]


def _make_operations(layer, names, factor, value_range, interpolation, seed, data_format):
    """Creates the named sub-layers as attributes of `layer`, with Keras's arguments."""
    common = {"seed": seed, "data_format": data_format}
    tone = {"value_range": value_range, **common}
    makers = {
        "random_shear": lambda: RandomShear(x_factor=factor, y_factor=factor, interpolation=interpolation, **common),
        "random_translation": lambda: RandomTranslation(factor, factor, interpolation=interpolation, **common),
        "random_rotation": lambda: RandomRotation(factor, interpolation=interpolation, **common),
        "random_brightness": lambda: RandomBrightness(factor, **tone),
        "random_color_degeneration": lambda: RandomColorDegeneration(factor, **tone),
        "random_contrast": lambda: RandomContrast(factor, **tone),
        "random_sharpness": lambda: RandomSharpness(factor, **tone),
        "solarization": lambda: Solarization(addition_factor=factor, threshold_factor=factor, **tone),
        "random_posterization": lambda: RandomPosterization(max(1, int(8 * factor[1])), **tone),
        "auto_contrast": lambda: AutoContrast(value_range=value_range, data_format=data_format),
        "equalization": lambda: Equalization(value_range=value_range, data_format=data_format),
    }
    for name in names:
        sub = makers[name]()
        setattr(layer, name, sub)


class RandAugment(BaseImagePreprocessingLayer):
    """Applies `num_ops` operations picked at random (one pick per call for the batch) among 11
    geometric and colour augmentations, each with strength `factor`.

    Args:
        value_range: the range of the input values.
        num_ops: how many operations to apply in sequence.
        factor: the strength of every operation, a number in [0, 1] or a range.
        interpolation: for the geometric operations, `"bilinear"` (default) or `"nearest"`.
        seed: optional int seed.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> RandAugment(num_ops=2)(torch.rand(2, 16, 16, 3) * 255, training=True).shape
        torch.Size([2, 16, 16, 3])
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(num_ops, bool) or not isinstance(num_ops, int) or num_ops < 0:
            raise ValueError(f"RandAugment layer '{self.name}': `num_ops` must be a non-negative int; received "
                             f"num_ops={num_ops!r}.")
        self.value_range = value_range
        self.num_ops = num_ops
        self._set_factor(factor)
        self.interpolation = interpolation
        self._init_rng(seed)
        _make_operations(self, RAND_AUGMENT_LAYERS, self.factor, value_range, interpolation, seed, self.data_format)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        picks = self._randint((self.num_ops,), 0, len(RAND_AUGMENT_LAYERS), images)
        # Only the picked operations draw their parameters (Keras draws all eleven).
        chosen = {RAND_AUGMENT_LAYERS[int(i)] for i in picks.tolist()}
        transforms = {name: getattr(self, name).get_random_transformation(images, training=True)
                      for name in chosen}
        return {"transforms": transforms, "layer_idxes": picks}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        for index in transformation["layer_idxes"].tolist():
            name = RAND_AUGMENT_LAYERS[int(index)]
            images = self._to_compute_dtype(
                getattr(self, name).transform_images(images, transformation["transforms"][name], training=True))
        return images

    def get_config(self):
        return {**super().get_config(),
                **self._arguments_config("value_range", "num_ops", "factor", "interpolation", "seed")}


class AugMix(BaseImagePreprocessingLayer):
    """Mixes `num_chains` randomly augmented copies of each batch (Dirichlet weights) and blends
    the mix with the original (a Beta weight).

    Args:
        value_range: the range of the input values.
        num_chains: how many augmentation chains are mixed.
        chain_depth: the most operations per chain (each step may also do nothing).
        factor: the strength of every operation, a number in [0, 1] or a range.
        alpha: the Dirichlet and Beta concentration.
        all_ops: also use the colour operations (brightness, colour, contrast, sharpness).
        interpolation: for the geometric operations.
        seed: optional int seed.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> AugMix()(torch.rand(2, 16, 16, 3) * 255, training=True).shape
        torch.Size([2, 16, 16, 3])
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True,
                 interpolation="bilinear", seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        for argument, value in (("num_chains", num_chains), ("chain_depth", chain_depth)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"AugMix layer '{self.name}': `{argument}` must be a positive int; received "
                                 f"{argument}={value!r}.")
        self.value_range = value_range
        self.num_chains, self.chain_depth = num_chains, chain_depth
        self._set_factor(factor)
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        self._init_rng(seed)
        self._operations = _GEOMETRIC_AND_TONE + (_COLOUR if all_ops else [])
        _make_operations(self, self._operations, self.factor, value_range, interpolation, seed, self.data_format)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        weights = gamma((self.num_chains,), self.alpha, seed=self.generator)
        chains = []
        for _ in range(self.num_chains):
            picks = self._randint((self.chain_depth,), 0, len(self._operations) + 1, images).tolist()
            chains.append([{"layer_name": self._operations[i],
                            "transformation": getattr(self, self._operations[i]).get_random_transformation(images)}
                           for i in picks if i < len(self._operations)])  # the last index: skip the step
        return {"chain_mixing_weights": (weights / weights.sum()).to(images.device),
                "weight_sample": beta((), self.alpha, self.alpha, seed=self.generator).to(images.device),
                "chain_transforms": chains}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        weights = transformation["chain_mixing_weights"].to(images.dtype)
        mixed = torch.zeros_like(images)
        for index, chain in enumerate(transformation["chain_transforms"]):
            augmented = images
            for step in chain:
                augmented = self._to_compute_dtype(getattr(self, step["layer_name"]).transform_images(
                    augmented, step["transformation"], training=True))
            mixed = mixed + augmented * weights[index]
        blend = transformation["weight_sample"].to(images.dtype)
        images = blend * images + (1 - blend) * mixed
        return images.clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(),
                **self._arguments_config("value_range", "num_chains", "chain_depth", "factor", "alpha", "all_ops", "interpolation", "seed")}
