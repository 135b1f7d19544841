"""Activation ops of `keras.ops.nn`; each is the `lamina.activations` function of that name
(one implementation), registered under Keras's Operation class for the graph and `.keras` files.
"""

import lamina.activations as _act
from lamina.ops._op import keras_op

__all__ = [
    "relu",
    "relu6",
    "sigmoid",
    "sparse_sigmoid",
    "softplus",
    "softsign",
    "soft_shrink",
    "sparse_plus",
    "silu",
    "squareplus",
    "log_sigmoid",
    "leaky_relu",
    "hard_sigmoid",
    "hard_silu",
    "elu",
    "selu",
    "gelu",
    "celu",
    "glu",
    "tanh_shrink",
    "hard_tanh",
    "hard_shrink",
    "threshold",
    "softmax",
    "log_softmax",
    "sparsemax",
    "swish",
    "hard_swish",
]


@keras_op("Relu", module="nn")
def relu(x):
    """Rectified linear unit `max(x, 0)` (torch `torch.relu`).

    Args:
        x: Input tensor.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> relu(torch.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """
    return _act.relu(x)


@keras_op("Relu6", module="nn")
def relu6(x):
    """ReLU capped at 6: `min(max(x, 0), 6)` (torch `F.relu6`).

    Args:
        x: Input tensor.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> relu6(torch.tensor([-1.0, 8.0]))
        tensor([0., 6.])
    """
    return _act.relu6(x)


@keras_op("Sigmoid", module="nn")
def sigmoid(x):
    """Logistic sigmoid `1 / (1 + exp(-x))` (torch `torch.sigmoid`).

    Args:
        x: Input tensor.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> sigmoid(torch.tensor([0.0]))
        tensor([0.5000])
    """
    return _act.sigmoid(x)


@keras_op("SparseSigmoid", module="nn")
def sparse_sigmoid(x):
    """Sparse sigmoid: 0 below -1, `(x + 1) / 2` on [-1, 1], 1 above (composed of torch ops).

    Args:
        x: Input tensor.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> sparse_sigmoid(torch.tensor([-2.0, 0.0, 2.0]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    return _act.sparse_sigmoid(x)


@keras_op("Softplus", module="nn")
def softplus(x):
    """Softplus `log(1 + exp(x))` (torch `F.softplus`).

    Args:
        x: Input tensor.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> softplus(torch.tensor([0.0]))
        tensor([0.6931])
    """
    return _act.softplus(x)


@keras_op("Softsign", module="nn")
def softsign(x):
    """Softsign `x / (1 + |x|)` (torch `F.softsign`).

    Args:
        x: Input tensor.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> softsign(torch.tensor([1.0]))
        tensor([0.5000])
    """
    return _act.softsign(x)


@keras_op("SoftShrink", config=("threshold",), module="nn")
def soft_shrink(x, threshold=0.5):
    """Soft shrinkage: `x - threshold` above, `x + threshold` below `-threshold`, else 0 (torch `F.softshrink`).

    Args:
        x: Input tensor.
        threshold: The threshold value. Default 0.5.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> soft_shrink(torch.tensor([1.0, 0.2]))
        tensor([0.5000, 0.0000])
    """
    return _act.soft_shrink(x, threshold)


@keras_op("SparsePlus", module="nn")
def sparse_plus(x):
    """SparsePlus: 0 below -1, `(x + 1)**2 / 4` on [-1, 1], `x` above (composed of torch ops).

    Args:
        x: Input tensor.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> sparse_plus(torch.tensor([0.0]))
        tensor([0.2500])
    """
    return _act.sparse_plus(x)


@keras_op("Silu", module="nn")
def silu(x):
    """Sigmoid linear unit (swish) `x * sigmoid(x)` (torch `F.silu`).

    Args:
        x: Input tensor.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> silu(torch.tensor([0.0]))
        tensor([0.])
    """
    return _act.silu(x)


@keras_op("Squareplus", config=("b",), module="nn")
def squareplus(x, b=4):
    """Squareplus `(x + sqrt(x**2 + b)) / 2` (composed of torch ops).

    Args:
        x: Input tensor.
        b: Smoothness constant (>= 0). Default 4.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> squareplus(torch.tensor([0.0]))
        tensor([1.])
    """
    return _act.squareplus(x, b)


@keras_op("LogSigmoid", module="nn")
def log_sigmoid(x):
    """Log of the sigmoid, computed stably (torch `F.logsigmoid`).

    Args:
        x: Input tensor.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> log_sigmoid(torch.tensor([0.0]))
        tensor([-0.6931])
    """
    return _act.log_sigmoid(x)


@keras_op("LeakyRelu", config=("negative_slope",), module="nn")
def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU: `x` for positive inputs, `negative_slope * x` otherwise (torch `F.leaky_relu`).

    Args:
        x: Input tensor.
        negative_slope: Slope for negative inputs. Default 0.2.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> leaky_relu(torch.tensor([-1.0, 1.0]))
        tensor([-0.2000,  1.0000])
    """
    return _act.leaky_relu(x, negative_slope)


@keras_op("HardSigmoid", module="nn")
def hard_sigmoid(x):
    """Hard sigmoid `relu6(x + 3) / 6` (torch `F.hardsigmoid`).

    Args:
        x: Input tensor.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> hard_sigmoid(torch.tensor([0.0]))
        tensor([0.5000])
    """
    return _act.hard_sigmoid(x)


@keras_op("HardSilu", module="nn")
def hard_silu(x):
    """Hard SiLU (hard swish) `x * relu6(x + 3) / 6` (torch `F.hardswish`).

    Args:
        x: Input tensor.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> hard_silu(torch.tensor([3.0]))
        tensor([3.])
    """
    return _act.hard_silu(x)


@keras_op("Elu", config=("alpha",), module="nn")
def elu(x, alpha=1.0):
    """Exponential linear unit: `x` above 0, `alpha * (exp(x) - 1)` below (torch `F.elu`).

    Args:
        x: Input tensor.
        alpha: Scale of the negative part. Default 1.0.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> elu(torch.tensor([0.0, 1.0]))
        tensor([0., 1.])
    """
    return _act.elu(x, alpha)


@keras_op("Selu", module="nn")
def selu(x):
    """Scaled exponential linear unit (Klambauer et al.) (torch `F.selu`).

    Args:
        x: Input tensor.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> selu(torch.tensor([0.0]))
        tensor([0.])
    """
    return _act.selu(x)


@keras_op("Gelu", config=("approximate",), module="nn")
def gelu(x, approximate=True):
    """Gaussian error linear unit; the tanh approximation by default, as Keras's `ops.gelu` (torch `F.gelu`).

    Args:
        x: Input tensor.
        approximate: Use the tanh approximation (else the exact erf form). Default True.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> gelu(torch.tensor([0.0]))
        tensor([0.])
    """
    return _act.gelu(x, approximate)


@keras_op("Celu", config=("alpha",), module="nn")
def celu(x, alpha=1.0):
    """Continuously differentiable ELU `max(x, 0) + alpha * min(0, exp(x / alpha) - 1)` (torch `F.celu`).

    Args:
        x: Input tensor.
        alpha: Scale of the negative part. Default 1.0.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> celu(torch.tensor([0.0]))
        tensor([0.])
    """
    return _act.celu(x, alpha)


@keras_op("Glu", config=("axis",), module="nn")
def glu(x, axis=-1):
    """Gated linear unit: `a * sigmoid(b)` for `x` split in halves `a, b` along `axis` (torch `F.glu`).

    Args:
        x: Input tensor.
        axis: The axis to compute along. Default -1.

    Returns:
        A tensor of the shape and dtype of `x` (half the size along `axis`).

    Example:
        >>> glu(torch.tensor([1.0, 0.0]))
        tensor([0.5000])
    """
    return _act.glu(x, axis)


@keras_op("TanhShrink", module="nn")
def tanh_shrink(x):
    """Tanh shrink `x - tanh(x)` (torch `F.tanhshrink`).

    Args:
        x: Input tensor.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> tanh_shrink(torch.tensor([0.0]))
        tensor([0.])
    """
    return _act.tanh_shrink(x)


@keras_op("HardTanh", module="nn")
def hard_tanh(x):
    """Hard tanh: `x` clipped to [-1, 1] (torch `F.hardtanh`).

    Args:
        x: Input tensor.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> hard_tanh(torch.tensor([-2.0, 0.5]))
        tensor([-1.0000,  0.5000])
    """
    return _act.hard_tanh(x)


@keras_op("HardShrink", config=("threshold",), module="nn")
def hard_shrink(x, threshold=0.5):
    """Hard shrinkage: `x` where `|x| > threshold`, else 0 (torch `F.hardshrink`).

    Args:
        x: Input tensor.
        threshold: The threshold value. Default 0.5.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> hard_shrink(torch.tensor([1.0, 0.2]))
        tensor([1., 0.])
    """
    return _act.hard_shrink(x, threshold)


@keras_op("Threshold", config=("threshold", "default_value"), module="nn")
def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, else `default_value` (torch `F.threshold`).

    Args:
        x: Input tensor.
        threshold: The threshold value.
        default_value: The value given where `x <= threshold`.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> threshold(torch.tensor([1.0, 0.2]), 0.5, -1.0)
        tensor([ 1., -1.])
    """
    return _act.threshold(x, threshold, default_value)


@keras_op("Softmax", config=("axis",), module="nn")
def softmax(x, axis=-1):
    """Softmax along `axis` (an int, a tuple of ints or None for all axes) (torch `F.softmax`).

    Args:
        x: Input tensor.
        axis: The axis to compute along. Default -1.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> softmax(torch.tensor([0.0, 0.0]))
        tensor([0.5000, 0.5000])
    """
    return _act.softmax(x, axis)


@keras_op("LogSoftmax", config=("axis",), module="nn")
def log_softmax(x, axis=-1):
    """Log-softmax along `axis` (an int, a tuple of ints or None) (torch `F.log_softmax`).

    Args:
        x: Input tensor.
        axis: The axis to compute along. Default -1.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> log_softmax(torch.tensor([0.0, 0.0]))
        tensor([-0.6931, -0.6931])
    """
    return _act.log_softmax(x, axis)


@keras_op("Sparsemax", config=("axis",), module="nn")
def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection of `x` onto the probability simplex along `axis` (Martins & Astudillo 2016; composed of torch ops).

    Args:
        x: Input tensor.
        axis: The axis to compute along. Default -1.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> sparsemax(torch.tensor([2.0, 0.0]))
        tensor([1., 0.])
    """
    return _act.sparsemax(x, axis)


# Keras's aliases: the same functions (and Operation classes) under a second name.
swish = silu
hard_swish = hard_silu
