"""Random initializers with fixed parameters: RandomNormal, RandomUniform, TruncatedNormal.

Seeding, here and in every random initializer:

- `seed=None` draws from torch's global generator, so `torch.manual_seed(...)`
  makes a whole model reproducible and two calls give different values (the
  torch convention; Keras instead fixes a random seed per unseeded instance).
- `seed=<int>` makes the instance deterministic, as in Keras 3: every call with
  the same shape returns the same values, on every device (values are drawn on
  the CPU from a fresh generator seeded with `seed`, then moved). Reusing one
  seeded instance for several layers therefore gives them identical weights,
  exactly as Keras does.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import torch

from lamina.initializers.initializer import (
    Initializer,
    require_floating,
    resolve_device,
    standardize_dtype,
    standardize_shape,
)

__all__ = [
    "RandomInitializer",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "fill_truncated_normal",
]

# A callable filling a tensor in place from an optional generator.
Fill = Callable[[torch.Tensor, "torch.Generator | None"], object]


class RandomInitializer(Initializer):
    """Base of the random initializers: seed validation and the sampling path.

    Args:
        seed: `None` (torch's global generator) or an int.
    """

    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(
                f"{type(self).__name__}: `seed` must be None or an int, received {seed!r}. Use "
                "an int for reproducible values, or None and `torch.manual_seed(...)`."
            )
        self.seed = None if seed is None else int(seed)

    def get_config(self) -> dict:
        return {"seed": self.seed}

    def _sample(self, shape, dtype, device, fill: Fill) -> torch.Tensor:
        """Creates a tensor of `shape` and fills it with `fill(tensor, generator)`."""
        shape = standardize_shape(shape)
        dtype = standardize_dtype(dtype)
        require_floating(dtype, type(self).__name__)
        device = resolve_device(device)
        if device.type == "meta":
            # Shape-only tensors (used to infer shapes without compute) carry no values.
            return torch.empty(shape, dtype=dtype, device=device)
        # Half-precision sampling lacks some kernels (erfinv, QR) and loses accuracy in the
        # tails; draw in float32 (float64 when asked for) and cast once at the end.
        sample_dtype = torch.float64 if dtype == torch.float64 else torch.float32
        with torch.no_grad():
            if self.seed is None:
                out = torch.empty(shape, dtype=sample_dtype, device=device)
                fill(out, None)
            else:
                generator = torch.Generator(device="cpu")
                generator.manual_seed(self.seed)
                out = torch.empty(shape, dtype=sample_dtype, device="cpu")
                fill(out, generator)
        return out.to(dtype=dtype, device=device)


class RandomNormal(RandomInitializer):
    """Samples from a normal distribution `N(mean, stddev**2)`.

    Args:
        mean: Mean of the distribution.
        stddev: Standard deviation of the distribution.
        seed: `None` or an int (see the module notes on seeding).

    Example:
        >>> RandomNormal(stddev=1.0, seed=0)((2, 2)).shape
        torch.Size([2, 2])
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None, device=None) -> torch.Tensor:
        return self._sample(
            shape, dtype, device, lambda t, g: t.normal_(self.mean, self.stddev, generator=g)
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Samples from a uniform distribution on `[minval, maxval)`.

    Args:
        minval: Lower bound (inclusive).
        maxval: Upper bound (exclusive).
        seed: `None` or an int (see the module notes on seeding).

    Example:
        >>> RandomUniform(-1.0, 1.0, seed=0)((3,)).abs().max() <= 1.0
        tensor(True)
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None, device=None) -> torch.Tensor:
        return self._sample(
            shape, dtype, device, lambda t, g: t.uniform_(self.minval, self.maxval, generator=g)
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def fill_truncated_normal(tensor: torch.Tensor, mean: float, stddev: float, generator) -> None:
    """Normal samples restricted to `mean +- 2 * stddev` (Keras re-draws values outside).

    torch's inverse-CDF sampler gives the same distribution as re-drawing.
    """
    torch.nn.init.trunc_normal_(
        tensor, mean=mean, std=stddev, a=mean - 2 * stddev, b=mean + 2 * stddev,
        generator=generator,
    )


class TruncatedNormal(RandomInitializer):
    """Samples from `N(mean, stddev**2)` truncated to `mean +- 2 * stddev`.

    Note: `stddev` is that of the normal before truncation; the samples' own
    standard deviation is about `0.88 * stddev`.

    Args:
        mean: Mean of the distribution.
        stddev: Standard deviation of the normal before truncation.
        seed: `None` or an int (see the module notes on seeding).

    Example:
        >>> TruncatedNormal(stddev=1.0, seed=0)((1000,)).abs().max() <= 2.0
        tensor(True)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None, device=None) -> torch.Tensor:
        return self._sample(
            shape, dtype, device,
            lambda t, g: fill_truncated_normal(t, self.mean, self.stddev, g),
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}
