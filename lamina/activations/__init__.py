"""Activation functions with the Keras 3 names, arguments and numerics.

Each is a plain function on torch tensors built on torch's fused kernels:
`lamina.activations.relu(x)` costs what `torch.nn.functional.relu(x)` costs.
Layers take them by name (`Dense(64, activation="relu")`) through `get`.

Example:
    >>> from lamina import activations
    >>> activations.get("gelu")(torch.zeros(2))
    tensor([0., 0.])
"""

from lamina.activations.lookup import ALL_ACTIVATIONS, deserialize, fast_callable, get, serialize
from lamina.activations.normalizing import glu, log_softmax, softmax, sparsemax
from lamina.activations.rectifiers import (
    celu,
    elu,
    gelu,
    hard_silu,
    hard_swish,
    leaky_relu,
    mish,
    relu,
    relu6,
    selu,
    silu,
    softplus,
    sparse_plus,
    squareplus,
    swish,
    threshold,
)
from lamina.activations.shrinkage import hard_shrink, soft_shrink, tanh_shrink
from lamina.activations.squashing import (
    exponential,
    hard_sigmoid,
    hard_tanh,
    linear,
    log_sigmoid,
    sigmoid,
    softsign,
    sparse_sigmoid,
    tanh,
)

__all__ = [
    "ALL_ACTIVATIONS",
    "get",
    "fast_callable",
    "serialize",
    "deserialize",
    "celu",
    "elu",
    "exponential",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
]
