"""`GaussianNoise`, `GaussianDropout`, `AlphaDropout`: training-time noise, identity in inference."""

import math

import torch

from lamina.layers.layer import Layer
from lamina.layers.regularization._random import SeededNoise, check_rate

__all__ = ["GaussianNoise", "GaussianDropout", "AlphaDropout"]


class GaussianNoise(SeededNoise, Layer):
    """Adds zero-centered Gaussian noise of standard deviation `stddev` during training.

    Args:
        stddev: standard deviation of the noise.
        seed: optional int seed.

    Example:
        >>> GaussianNoise(0.1)(torch.ones(2, 3)).shape
        torch.Size([2, 3])
    """

    supports_masking = True

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or stddev < 0:
            raise ValueError(f"GaussianNoise layer '{self.name}': `stddev` must be a non-negative float, "
                             f"received stddev={stddev!r}.")
        self.stddev = float(stddev)
        self.seed = seed
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noise = torch.empty_like(inputs).normal_(0.0, self.stddev, generator=self._generator_for(inputs))
        return inputs + noise

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


class GaussianDropout(SeededNoise, Layer):
    """Multiplies by Gaussian noise of mean 1 and stddev `sqrt(rate / (1 - rate))` in training.

    Args:
        rate: drop probability of the equivalent Dropout, in [0, 1).
        seed: optional int seed.

    Example:
        >>> GaussianDropout(0.2)(torch.ones(2, 3)).shape
        torch.Size([2, 3])
    """

    supports_masking = True

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_rate(rate, f"GaussianDropout layer '{self.name}'")
        self.seed = seed
        self.built = True

    def call(self, inputs, training=False):
        if not training or not 0 < self.rate < 1:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = torch.empty_like(inputs).normal_(1.0, stddev, generator=self._generator_for(inputs))
        return inputs * noise

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


class AlphaDropout(SeededNoise, Layer):
    """Dropout for SELU networks: keeps the inputs' mean and variance (Klambauer et al., 2017).

    Dropped units are set to SELU's negative saturation `-alpha * scale`, then an affine
    transform `a * x + b` restores the statistics (Keras's formula).

    Args:
        rate: drop probability in [0, 1).
        noise_shape: optional mask shape (None entries take the input's size).
        seed: optional int seed.

    Example:
        >>> AlphaDropout(0.1)(torch.ones(2, 3), training=True).shape
        torch.Size([2, 3])
    """

    supports_masking = True
    _ALPHA = 1.6732632423543772848170429916717
    _SCALE = 1.0507009873554804934193349852946

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_rate(rate, f"AlphaDropout layer '{self.name}'")
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None
        self.seed = seed
        self.built = True

    def call(self, inputs, training=False):
        if not training or not 0 < self.rate < 1:
            return inputs
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, inputs.shape))
        alpha_p = -self._ALPHA * self._SCALE
        kept = inputs.new_empty(shape).bernoulli_(1.0 - self.rate, generator=self._generator_for(inputs))
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = inputs * kept + alpha_p * (1 - kept)
        return a * x + b

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed,
                       "noise_shape": list(self.noise_shape) if self.noise_shape is not None else None})
        return config
