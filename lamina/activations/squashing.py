"""Activations that squash inputs into a bounded range, plus `exponential` and `linear`."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lamina.activations._common import as_tensor, attach_logits

__all__ = [
    "sigmoid",
    "hard_sigmoid",
    "sparse_sigmoid",
    "log_sigmoid",
    "tanh",
    "hard_tanh",
    "softsign",
    "exponential",
    "linear",
]


def sigmoid(x):
    """Logistic sigmoid: `1 / (1 + exp(-x))`.

    In eager mode the input is recorded on the output as `_keras_logits`, so a
    binary crossentropy loss can work from the logits (as Keras does).

    Example:
        >>> sigmoid(torch.tensor([0.0]))
        tensor([0.5000])
    """
    x = as_tensor(x)
    return attach_logits(torch.sigmoid(x), x, "sigmoid")


def hard_sigmoid(x):
    """Hard sigmoid, Keras 3 definition: `relu6(x + 3) / 6`.

    0 for `x <= -3`, 1 for `x >= 3`, `x / 6 + 0.5` in between. (Keras 2 used
    `0.2 * x + 0.5`; Keras 3 changed it.)

    Example:
        >>> hard_sigmoid(torch.tensor([-3.0, 0.0, 3.0]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    return F.hardsigmoid(as_tensor(x))


def sparse_sigmoid(x):
    """Sparse sigmoid: 0 for `x <= -1`, `(x + 1) / 2` for `-1 < x < 1`, 1 for `x >= 1`.

    Example:
        >>> sparse_sigmoid(torch.tensor([-2.0, 0.0, 2.0]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    x = as_tensor(x)
    return torch.clamp((x + 1) * 0.5, min=0.0, max=1.0)


def log_sigmoid(x):
    """`log(sigmoid(x))`, computed stably.

    Example:
        >>> log_sigmoid(torch.tensor([0.0]))
        tensor([-0.6931])
    """
    return F.logsigmoid(as_tensor(x))


def tanh(x):
    """Hyperbolic tangent.

    Example:
        >>> tanh(torch.tensor([0.0]))
        tensor([0.])
    """
    return torch.tanh(as_tensor(x))


def hard_tanh(x):
    """`x` clipped to `[-1, 1]`.

    Example:
        >>> hard_tanh(torch.tensor([-2.0, 0.5, 2.0]))
        tensor([-1.0000,  0.5000,  1.0000])
    """
    return F.hardtanh(as_tensor(x), min_val=-1.0, max_val=1.0)


def softsign(x):
    """Softsign: `x / (abs(x) + 1)`.

    Example:
        >>> softsign(torch.tensor([1.0]))
        tensor([0.5000])
    """
    return F.softsign(as_tensor(x))


def exponential(x):
    """`exp(x)`.

    Example:
        >>> exponential(torch.tensor([0.0]))
        tensor([1.])
    """
    return torch.exp(as_tensor(x))


def linear(x):
    """The identity: returns `x` unchanged (no copy).

    Example:
        >>> t = torch.tensor([1.0]); linear(t) is t
        True
    """
    return x
