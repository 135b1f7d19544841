"""Random transforms of an existing tensor: `dropout` and `shuffle` (on the tensor's device)."""

import numbers

import torch
import torch.nn.functional as F

from lamina.random._checks import eager_tensor
from lamina.random.seed_generator import draw_generator

__all__ = ["dropout", "shuffle"]


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeroes each entry with probability `rate` and scales the rest by `1 / (1 - rate)`.

    Always applies (there is no `training` flag here; the `Dropout` layer decides that).

    Args:
        inputs: a tensor (or array).
        rate: drop probability in [0, 1].
        noise_shape: shape of the keep/drop mask, broadcast to `inputs` (`None` entries take
            the input's size), e.g. `(batch, 1, features)` to drop the same features at every
            timestep.
        seed: None, an int or a `SeedGenerator`.

    Example:
        >>> y = lamina.random.dropout(torch.ones(4, 8), rate=0.5, seed=1)   # entries 0 or 2
    """
    inputs = eager_tensor(inputs, "dropout", "inputs")
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate <= 1:
        raise ValueError(f"lamina.random.dropout: `rate` must be a float in [0, 1]. Received: rate={rate!r}.")
    rate = float(rate)
    if not inputs.is_floating_point():
        raise TypeError(
            f"lamina.random.dropout: `inputs` must be a float tensor. Received dtype {inputs.dtype}."
        )
    if rate == 0:
        return inputs
    if noise_shape is None and seed is None:
        return F.dropout(inputs, rate, training=True)
    shape = tuple(inputs.shape)
    if noise_shape is not None:
        noise_shape = tuple(noise_shape)
        if len(noise_shape) != inputs.ndim:
            raise ValueError(
                f"lamina.random.dropout: `noise_shape` {noise_shape} must have the rank of `inputs` "
                f"({inputs.ndim}, shape {shape})."
            )
        shape = tuple(s if n is None else int(n) for n, s in zip(noise_shape, shape))
        for n, s in zip(shape, inputs.shape):
            if n not in (1, s):
                raise ValueError(
                    f"lamina.random.dropout: `noise_shape` {noise_shape} does not broadcast to the "
                    f"input shape {tuple(inputs.shape)} (each entry must be 1, None or the input's size)."
                )
    if rate == 1:
        return torch.zeros_like(inputs)
    keep = 1.0 - rate
    generator = draw_generator(seed, inputs.device, "dropout")
    mask = torch.empty(shape, dtype=inputs.dtype, device=inputs.device).bernoulli_(keep, generator=generator)
    return inputs * mask / keep


def shuffle(x, axis=0, seed=None):
    """Randomly permutes `x` along `axis` (the same permutation for every other index).

    Args:
        x: a tensor (or array).
        axis: the axis to shuffle (negative counts from the end).
        seed: None, an int or a `SeedGenerator`.

    Example:
        >>> lamina.random.shuffle(torch.arange(5), seed=0).sort().values
        tensor([0, 1, 2, 3, 4])
    """
    x = eager_tensor(x, "shuffle", "x")
    if x.ndim == 0:
        raise ValueError("lamina.random.shuffle: `x` must have at least one dimension; received a scalar.")
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) or not -x.ndim <= axis < x.ndim:
        raise ValueError(
            f"lamina.random.shuffle: `axis` must be an int in [{-x.ndim}, {x.ndim}) for an input of shape "
            f"{tuple(x.shape)}. Received: axis={axis!r}."
        )
    generator = draw_generator(seed, x.device, "shuffle")
    permutation = torch.randperm(x.shape[axis], generator=generator, device=x.device)
    return x.index_select(int(axis), permutation)
