"""Keras names for torch activation functions and modules that compute the same thing.

PyTorch users write `activation=torch.tanh` or `activation=nn.GELU()`. Those
work as callables anyway; this table lets `serialize` store them under the
Keras name so the layer config stays a plain, Keras-loadable string. Only
entries whose defaults match the Keras function exactly are listed (e.g.
`F.leaky_relu` is absent: its default slope is 0.01, Keras's is 0.2).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["torch_activation_name"]

_TORCH_FUNCTIONS = {
    torch.relu: "relu",
    F.relu: "relu",
    F.relu6: "relu6",
    torch.sigmoid: "sigmoid",
    F.sigmoid: "sigmoid",
    torch.tanh: "tanh",
    F.tanh: "tanh",
    torch.exp: "exponential",
    F.elu: "elu",
    F.selu: "selu",
    torch.selu: "selu",
    F.celu: "celu",
    F.gelu: "gelu",
    F.silu: "silu",
    F.mish: "mish",
    F.softplus: "softplus",
    F.softsign: "softsign",
    F.hardswish: "hard_silu",
    F.hardsigmoid: "hard_sigmoid",
    F.hardtanh: "hard_tanh",
    F.logsigmoid: "log_sigmoid",
    F.tanhshrink: "tanh_shrink",
    F.softshrink: "soft_shrink",
    F.hardshrink: "hard_shrink",
}

# Module types with no arguments that change the function.
_PLAIN_MODULES = {
    nn.ReLU: "relu",
    nn.ReLU6: "relu6",
    nn.Sigmoid: "sigmoid",
    nn.Tanh: "tanh",
    nn.SELU: "selu",
    nn.SiLU: "silu",
    nn.Mish: "mish",
    nn.Softsign: "softsign",
    nn.Hardswish: "hard_silu",
    nn.Hardsigmoid: "hard_sigmoid",
    nn.LogSigmoid: "log_sigmoid",
    nn.Tanhshrink: "tanh_shrink",
    nn.Identity: "linear",
}


def _module_name(module: nn.Module) -> str | None:
    cls = type(module)
    if cls in _PLAIN_MODULES:
        return _PLAIN_MODULES[cls]
    # Parameterized modules count only at the Keras default values.
    if cls is nn.GELU and module.approximate == "none":
        return "gelu"
    if cls is nn.ELU and module.alpha == 1.0:
        return "elu"
    if cls is nn.CELU and module.alpha == 1.0:
        return "celu"
    if cls is nn.LeakyReLU and module.negative_slope == 0.2:
        return "leaky_relu"
    if cls is nn.Softplus and module.beta == 1 and module.threshold == 20:
        return "softplus"
    if cls is nn.Softmax and module.dim == -1:
        return "softmax"
    if cls is nn.LogSoftmax and module.dim == -1:
        return "log_softmax"
    if cls is nn.Hardtanh and module.min_val == -1.0 and module.max_val == 1.0:
        return "hard_tanh"
    if cls is nn.Softshrink and module.lambd == 0.5:
        return "soft_shrink"
    if cls is nn.Hardshrink and module.lambd == 0.5:
        return "hard_shrink"
    return None


def torch_activation_name(fn) -> str | None:
    """The Keras activation name of a torch function or module, or `None`.

    Example:
        >>> torch_activation_name(torch.nn.GELU())
        'gelu'
    """
    if isinstance(fn, nn.Module):
        return _module_name(fn)
    try:
        return _TORCH_FUNCTIONS.get(fn)
    except TypeError:  # an unhashable callable
        return None
