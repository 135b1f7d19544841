"""Draws of a given shape: `normal`, `uniform`, `truncated_normal`, `randint`, `categorical`.

Each function takes Keras's arguments and defaults and a `seed` (None, an int or a
`SeedGenerator`, see `seed_generator.py`); float draws default to `floatx()`.
"""

import math
import operator

import torch

from lamina.random._checks import check_shape, draw_device, eager_tensor, float_dtype, int_dtype
from lamina.random.seed_generator import draw_generator

__all__ = ["normal", "uniform", "truncated_normal", "randint", "categorical"]


def _on(value, device):
    return value.to(device) if isinstance(value, torch.Tensor) else value


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draws from a normal distribution (`torch.randn * stddev + mean`).

    Args:
        shape: output shape, a tuple of ints.
        mean: mean (a float, or a tensor broadcastable to `shape`).
        stddev: standard deviation (a float or broadcastable tensor).
        dtype: a float dtype; default `keras.config.floatx()`.
        seed: None (torch's global generator), an int (the same draw every call) or a
            `SeedGenerator` (advances each call).

    Returns:
        A tensor of `shape` and `dtype`.

    Example:
        >>> lamina.random.normal((2, 3), seed=1).shape
        torch.Size([2, 3])
    """
    shape = check_shape(shape, "normal")
    torch_dtype = float_dtype(dtype, "normal")
    device = draw_device(seed)
    generator = draw_generator(seed, device, "normal")
    out = torch.randn(shape, generator=generator, dtype=torch_dtype, device=device)
    return (out * _on(stddev, device) + _on(mean, device)).to(torch_dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Draws uniformly from `[minval, maxval)`.

    Args:
        shape: output shape, a tuple of ints.
        minval: lower bound (inclusive).
        maxval: upper bound (exclusive).
        dtype: a float dtype (use `randint` for integers); default `floatx()`.
        seed: None, an int or a `SeedGenerator`.

    Example:
        >>> x = lamina.random.uniform((1000,), minval=-1, maxval=1, seed=3)   # in [-1, 1)
    """
    shape = check_shape(shape, "uniform")
    torch_dtype = float_dtype(dtype, "uniform")
    device = draw_device(seed)
    generator = draw_generator(seed, device, "uniform")
    out = torch.rand(shape, generator=generator, dtype=torch_dtype, device=device)
    minval, maxval = _on(minval, device), _on(maxval, device)
    return (out * (maxval - minval) + minval).to(torch_dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draws from a normal distribution truncated to `mean +- 2 * stddev`.

    Sampled by inverting the normal CDF on the truncated range (no rejection loop), so the
    values follow Keras's truncated normal: within two standard deviations, with the
    truncated distribution's variance (about `0.774 * stddev**2`).

    Args:
        shape: output shape, a tuple of ints.
        mean: mean of the untruncated normal.
        stddev: standard deviation of the untruncated normal.
        dtype: a float dtype; default `floatx()`.
        seed: None, an int or a `SeedGenerator`.
    """
    shape = check_shape(shape, "truncated_normal")
    torch_dtype = float_dtype(dtype, "truncated_normal")
    device = draw_device(seed)
    generator = draw_generator(seed, device, "truncated_normal")
    work = torch.float64 if torch_dtype == torch.float64 else torch.float32
    low = 0.5 * (1.0 + math.erf(-2.0 / math.sqrt(2.0)))  # standard normal CDF at -2
    u = torch.rand(shape, generator=generator, dtype=work, device=device)
    u = low + u * (1.0 - 2.0 * low)  # uniform on [CDF(-2), CDF(2))
    z = (math.sqrt(2.0) * torch.erfinv(2.0 * u - 1.0)).clamp_(-2.0, 2.0)
    return (z * _on(stddev, device) + _on(mean, device)).to(torch_dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Draws integers uniformly from `[minval, maxval)`.

    Args:
        shape: output shape, a tuple of ints.
        minval: lowest value (inclusive), an int.
        maxval: upper bound (exclusive), an int greater than `minval`.
        dtype: an integer dtype (default `"int32"`).
        seed: None, an int or a `SeedGenerator`.

    Example:
        >>> lamina.random.randint((4,), 0, 10, seed=0).dtype
        torch.int32
    """
    shape = check_shape(shape, "randint")
    torch_dtype = int_dtype(dtype, "randint")
    low, high = _as_int(minval, "minval", "randint"), _as_int(maxval, "maxval", "randint")
    if high <= low:
        raise ValueError(
            f"lamina.random.randint: `maxval` must be greater than `minval` (the range is [minval, maxval)). "
            f"Received: minval={minval!r}, maxval={maxval!r}."
        )
    device = draw_device(seed)
    generator = draw_generator(seed, device, "randint")
    return torch.randint(low, high, shape, generator=generator, dtype=torch_dtype, device=device)


def _as_int(value, argument, fn_name):
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_floating_point():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(
            f"lamina.random.{fn_name}: `{argument}` must be an int. Received: {argument}={value!r}."
        ) from None


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Draws class indices from the categorical distributions given by `logits`.

    Args:
        logits: a 2-D tensor `(batch_size, num_classes)` of unnormalized log-probabilities.
        num_samples: how many indices to draw per row (with replacement).
        dtype: an integer dtype for the indices (default `"int32"`).
        seed: None, an int or a `SeedGenerator`.

    Returns:
        A tensor `(batch_size, num_samples)` of indices in `[0, num_classes)`, on the
        device of `logits`.

    Example:
        >>> logits = torch.log(torch.tensor([[0.1, 0.9]]))
        >>> lamina.random.categorical(logits, 5, seed=0).shape
        torch.Size([1, 5])
    """
    logits = eager_tensor(logits, "categorical", "logits")
    if logits.ndim != 2:
        raise ValueError(
            "`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
            f"Received: logits with shape {tuple(logits.shape)}."
        )
    torch_dtype = int_dtype(dtype, "categorical")
    num_samples = _as_int(num_samples, "num_samples", "categorical")
    if num_samples < 0:
        raise ValueError(f"lamina.random.categorical: `num_samples` must be >= 0. Received: {num_samples}.")
    generator = draw_generator(seed, logits.device, "categorical")
    if logits.shape[0] == 0 or num_samples == 0:
        return torch.zeros((logits.shape[0], num_samples), dtype=torch_dtype, device=logits.device)
    work = logits if logits.dtype == torch.float64 else logits.float()
    probabilities = torch.softmax(work, dim=-1)
    samples = torch.multinomial(probabilities, num_samples, replacement=True, generator=generator)
    return samples.to(torch_dtype)
