"""ReLU-like activations: identity for large inputs, damped or zero for small ones.

Each function uses torch's fused kernel where one exists, so an activation costs
one kernel launch as in hand-written PyTorch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lamina.activations._common import as_tensor

__all__ = [
    "relu",
    "relu6",
    "leaky_relu",
    "elu",
    "selu",
    "celu",
    "gelu",
    "silu",
    "swish",
    "hard_silu",
    "hard_swish",
    "mish",
    "softplus",
    "squareplus",
    "sparse_plus",
    "threshold",
]


def relu(x, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0):
    """Rectified linear unit, with Keras's optional slope, ceiling and threshold.

    With defaults this is `max(x, 0)`. `threshold` keeps `x` only where
    `x > threshold`; `max_value` clips the result to `[0, max_value]`;
    `negative_slope` adds `-negative_slope * relu(threshold - x)` below the
    threshold. The combination follows Keras exactly.

    Args:
        x: Input tensor.
        negative_slope: Slope for values below `threshold`.
        max_value: Largest value returned, or `None` for no ceiling.
        threshold: Values at or below it are damped (or zeroed).

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> relu(torch.tensor([-10.0, -5.0, 0.0, 5.0, 10.0]), max_value=5.0)
        tensor([0., 0., 0., 5., 5.])
    """
    x = as_tensor(x)
    if negative_slope == 0.0 and threshold == 0.0:
        if max_value is None:
            return F.relu(x)
        if max_value == 6:
            return F.relu6(x)
        return torch.clamp(x, min=0.0, max=max_value)
    if negative_slope != 0.0 and max_value is None and threshold == 0.0:
        return F.leaky_relu(x, negative_slope=negative_slope)

    negative_part = F.relu(threshold - x) if negative_slope != 0.0 else None
    if threshold != 0.0:
        # Keep x where it is above the threshold, zero elsewhere (Keras's definition).
        out = x * (x > threshold).to(x.dtype)
    else:
        out = F.relu(x)
    if max_value is not None:
        out = torch.clamp(out, min=0.0, max=max_value)
    if negative_part is not None:
        out = out - negative_slope * negative_part
    return out


def relu6(x):
    """ReLU capped at 6: `min(max(x, 0), 6)`.

    Example:
        >>> relu6(torch.tensor([-1.0, 3.0, 9.0]))
        tensor([0., 3., 6.])
    """
    return F.relu6(as_tensor(x))


def leaky_relu(x, negative_slope: float = 0.2):
    """Leaky ReLU: `x` for `x >= 0`, `negative_slope * x` otherwise.

    Keras's default slope is 0.2 (torch's `F.leaky_relu` defaults to 0.01).

    Args:
        x: Input tensor.
        negative_slope: Slope for negative inputs.

    Example:
        >>> leaky_relu(torch.tensor([-1.0, 2.0]))
        tensor([-0.2000,  2.0000])
    """
    return F.leaky_relu(as_tensor(x), negative_slope=negative_slope)


def elu(x, alpha: float = 1.0):
    """Exponential linear unit: `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise.

    Args:
        x: Input tensor.
        alpha: Scale of the negative part.

    Example:
        >>> elu(torch.tensor([0.0, 1.0]))
        tensor([0., 1.])
    """
    return F.elu(as_tensor(x), alpha=alpha)


def selu(x):
    """Scaled ELU with `alpha=1.67326324`, `scale=1.05070098` (Klambauer et al., 2017).

    Use with the `LecunNormal` initializer.

    Example:
        >>> selu(torch.tensor([0.0]))
        tensor([0.])
    """
    return F.selu(as_tensor(x))


def celu(x, alpha: float = 1.0):
    """Continuously differentiable ELU: `x` for `x >= 0`, else `alpha * (exp(x / alpha) - 1)`.

    Args:
        x: Input tensor.
        alpha: Scale of the negative part.

    Example:
        >>> celu(torch.tensor([2.0]))
        tensor([2.])
    """
    return F.celu(as_tensor(x), alpha=alpha)


def gelu(x, approximate: bool = False):
    """Gaussian error linear unit: `0.5 * x * (1 + erf(x / sqrt(2)))`.

    Args:
        x: Input tensor.
        approximate: Use the tanh approximation instead of the exact erf form.

    Example:
        >>> gelu(torch.tensor([0.0]))
        tensor([0.])
    """
    return F.gelu(as_tensor(x), approximate="tanh" if approximate else "none")


def silu(x):
    """SiLU, also called swish: `x * sigmoid(x)`.

    Example:
        >>> silu(torch.tensor([0.0]))
        tensor([0.])
    """
    return F.silu(as_tensor(x))


def hard_silu(x):
    """Hard SiLU (hard swish): `x * relu6(x + 3) / 6`.

    Example:
        >>> hard_silu(torch.tensor([-4.0, 0.0, 4.0]))
        tensor([-0., 0., 4.])
    """
    return F.hardswish(as_tensor(x))


def mish(x):
    """Mish: `x * tanh(softplus(x))` (Misra, 2019).

    Example:
        >>> mish(torch.tensor([0.0]))
        tensor([0.])
    """
    return F.mish(as_tensor(x))


def softplus(x):
    """Softplus: `log(exp(x) + 1)`.

    torch switches to the identity above x = 20, where the two agree to float32
    precision.

    Example:
        >>> softplus(torch.tensor([0.0]))
        tensor([0.6931])
    """
    return F.softplus(as_tensor(x))


def squareplus(x, b: float = 4):
    """Squareplus: `(x + sqrt(x**2 + b)) / 2`, a smooth ReLU (Barron, 2021).

    Args:
        x: Input tensor.
        b: Smoothness; `b = 0` gives ReLU.

    Example:
        >>> squareplus(torch.tensor([0.0]))
        tensor([1.])
    """
    x = as_tensor(x)
    return (x + torch.sqrt(x * x + b)) / 2


def sparse_plus(x):
    """SparsePlus: 0 for `x <= -1`, `(x + 1)**2 / 4` for `-1 < x < 1`, `x` for `x >= 1`.

    Example:
        >>> sparse_plus(torch.tensor([-2.0, 0.0, 2.0]))
        tensor([0.0000, 0.2500, 2.0000])
    """
    x = as_tensor(x)
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x < 1, 0.25 * (x + 1) ** 2, x))


def threshold(x, threshold: float, default_value: float):
    """`x` where `x > threshold`, `default_value` elsewhere.

    Args:
        x: Input tensor.
        threshold: Values at or below it are replaced.
        default_value: The replacement value.

    Example:
        >>> threshold(torch.tensor([0.5, 2.0]), 1.0, -1.0)
        tensor([-1.,  2.])
    """
    return F.threshold(as_tensor(x), threshold, default_value)


# Keras exports these under both names; serialization writes the first one.
swish = silu
hard_swish = hard_silu
