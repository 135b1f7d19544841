"""Activation ops of `keras.ops.nn`; each is the `lamina.activations` function of that name
(one implementation), registered under Keras's Operation class for the graph and `.keras` files.

The ops differ only in name, Keras class, extra parameters and docs, so they are made from one
table (`_ACTIVATION_OPS`). Parameter names and order equal the activation function's; defaults are
the op's own (`ops.gelu` approximates by default, `activations.gelu` does not).
"""

import inspect

import lamina.activations as _act
from lamina.ops._op import keras_op

__all__ = [
    "relu", "relu6", "sigmoid", "sparse_sigmoid", "softplus", "softsign", "soft_shrink",
    "sparse_plus", "silu", "squareplus", "log_sigmoid", "leaky_relu", "hard_sigmoid", "hard_silu",
    "elu", "selu", "gelu", "celu", "glu", "tanh_shrink", "hard_tanh", "hard_shrink", "threshold",
    "softmax", "log_softmax", "sparsemax", "swish", "hard_swish",
]

_REQUIRED = inspect.Parameter.empty
_AXIS = ("axis", -1, "The axis to compute along. Default -1.")
_THRESHOLD = ("threshold", 0.5, "The threshold value. Default 0.5.")
_ALPHA = ("alpha", 1.0, "Scale of the negative part. Default 1.0.")

# name, Keras class, extra parameters (name, default, description), summary, example call, result
_ACTIVATION_OPS = [
    ("relu", "Relu", (), "Rectified linear unit `max(x, 0)` (torch `torch.relu`).",
     "relu(torch.tensor([-1.0, 2.0]))", "tensor([0., 2.])"),
    ("relu6", "Relu6", (), "ReLU capped at 6: `min(max(x, 0), 6)` (torch `F.relu6`).",
     "relu6(torch.tensor([-1.0, 8.0]))", "tensor([0., 6.])"),
    ("sigmoid", "Sigmoid", (), "Logistic sigmoid `1 / (1 + exp(-x))` (torch `torch.sigmoid`).",
     "sigmoid(torch.tensor([0.0]))", "tensor([0.5000])"),
    ("sparse_sigmoid", "SparseSigmoid", (),
     "Sparse sigmoid: 0 below -1, `(x + 1) / 2` on [-1, 1], 1 above (composed of torch ops).",
     "sparse_sigmoid(torch.tensor([-2.0, 0.0, 2.0]))", "tensor([0.0000, 0.5000, 1.0000])"),
    ("softplus", "Softplus", (), "Softplus `log(1 + exp(x))` (torch `F.softplus`).",
     "softplus(torch.tensor([0.0]))", "tensor([0.6931])"),
    ("softsign", "Softsign", (), "Softsign `x / (1 + |x|)` (torch `F.softsign`).",
     "softsign(torch.tensor([1.0]))", "tensor([0.5000])"),
    ("soft_shrink", "SoftShrink", (_THRESHOLD,),
     "Soft shrinkage: `x - threshold` above, `x + threshold` below `-threshold`, else 0 "
     "(torch `F.softshrink`).",
     "soft_shrink(torch.tensor([1.0, 0.2]))", "tensor([0.5000, 0.0000])"),
    ("sparse_plus", "SparsePlus", (),
     "SparsePlus: 0 below -1, `(x + 1)**2 / 4` on [-1, 1], `x` above (composed of torch ops).",
     "sparse_plus(torch.tensor([0.0]))", "tensor([0.2500])"),
    ("silu", "Silu", (), "Sigmoid linear unit (swish) `x * sigmoid(x)` (torch `F.silu`).",
     "silu(torch.tensor([0.0]))", "tensor([0.])"),
    ("squareplus", "Squareplus", (("b", 4, "Smoothness constant (>= 0). Default 4."),),
     "Squareplus `(x + sqrt(x**2 + b)) / 2` (composed of torch ops).",
     "squareplus(torch.tensor([0.0]))", "tensor([1.])"),
    ("log_sigmoid", "LogSigmoid", (), "Log of the sigmoid, computed stably (torch `F.logsigmoid`).",
     "log_sigmoid(torch.tensor([0.0]))", "tensor([-0.6931])"),
    ("leaky_relu", "LeakyRelu", (("negative_slope", 0.2, "Slope for negative inputs. Default 0.2."),),
     "Leaky ReLU: `x` for positive inputs, `negative_slope * x` otherwise (torch `F.leaky_relu`).",
     "leaky_relu(torch.tensor([-1.0, 1.0]))", "tensor([-0.2000,  1.0000])"),
    ("hard_sigmoid", "HardSigmoid", (), "Hard sigmoid `relu6(x + 3) / 6` (torch `F.hardsigmoid`).",
     "hard_sigmoid(torch.tensor([0.0]))", "tensor([0.5000])"),
    ("hard_silu", "HardSilu", (),
     "Hard SiLU (hard swish) `x * relu6(x + 3) / 6` (torch `F.hardswish`).",
     "hard_silu(torch.tensor([3.0]))", "tensor([3.])"),
    ("elu", "Elu", (_ALPHA,),
     "Exponential linear unit: `x` above 0, `alpha * (exp(x) - 1)` below (torch `F.elu`).",
     "elu(torch.tensor([0.0, 1.0]))", "tensor([0., 1.])"),
    ("selu", "Selu", (), "Scaled exponential linear unit (Klambauer et al.) (torch `F.selu`).",
     "selu(torch.tensor([0.0]))", "tensor([0.])"),
    ("gelu", "Gelu",
     (("approximate", True, "Use the tanh approximation (else the exact erf form). Default True."),),
     "Gaussian error linear unit; the tanh approximation by default, as Keras's `ops.gelu` "
     "(torch `F.gelu`).",
     "gelu(torch.tensor([0.0]))", "tensor([0.])"),
    ("celu", "Celu", (_ALPHA,),
     "Continuously differentiable ELU `max(x, 0) + alpha * min(0, exp(x / alpha) - 1)` "
     "(torch `F.celu`).",
     "celu(torch.tensor([0.0]))", "tensor([0.])"),
    ("glu", "Glu", (_AXIS,),
     "Gated linear unit: `a * sigmoid(b)` for `x` split in halves `a, b` along `axis` "
     "(torch `F.glu`).",
     "glu(torch.tensor([1.0, 0.0]))", "tensor([0.5000])"),
    ("tanh_shrink", "TanhShrink", (), "Tanh shrink `x - tanh(x)` (torch `F.tanhshrink`).",
     "tanh_shrink(torch.tensor([0.0]))", "tensor([0.])"),
    ("hard_tanh", "HardTanh", (), "Hard tanh: `x` clipped to [-1, 1] (torch `F.hardtanh`).",
     "hard_tanh(torch.tensor([-2.0, 0.5]))", "tensor([-1.0000,  0.5000])"),
    ("hard_shrink", "HardShrink", (_THRESHOLD,),
     "Hard shrinkage: `x` where `|x| > threshold`, else 0 (torch `F.hardshrink`).",
     "hard_shrink(torch.tensor([1.0, 0.2]))", "tensor([1., 0.])"),
    ("threshold", "Threshold",
     (("threshold", _REQUIRED, "The threshold value."),
      ("default_value", _REQUIRED, "The value given where `x <= threshold`.")),
     "`x` where `x > threshold`, else `default_value` (torch `F.threshold`).",
     "threshold(torch.tensor([1.0, 0.2]), 0.5, -1.0)", "tensor([ 1., -1.])"),
    ("softmax", "Softmax", (_AXIS,),
     "Softmax along `axis` (an int, a tuple of ints or None for all axes) (torch `F.softmax`).",
     "softmax(torch.tensor([0.0, 0.0]))", "tensor([0.5000, 0.5000])"),
    ("log_softmax", "LogSoftmax", (_AXIS,),
     "Log-softmax along `axis` (an int, a tuple of ints or None) (torch `F.log_softmax`).",
     "log_softmax(torch.tensor([0.0, 0.0]))", "tensor([-0.6931, -0.6931])"),
    ("sparsemax", "Sparsemax", (_AXIS,),
     "Sparsemax: the Euclidean projection of `x` onto the probability simplex along `axis` "
     "(Martins & Astudillo 2016; composed of torch ops).",
     "sparsemax(torch.tensor([2.0, 0.0]))", "tensor([1., 0.])"),
]


def _docstring(params, summary, call, result):
    args = "".join(f"\n        {name}: {text}" for name, _, text in params)
    return f"""{summary}

    Args:
        x: Input tensor.{args}

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> {call}
        {result}
    """


def _make(name, class_name, params, summary, call, result):
    """One documented op calling `lamina.activations.<name>` with the op's own signature."""
    activation = getattr(_act, name)
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    signature = inspect.Signature(
        [inspect.Parameter("x", kind)] + [inspect.Parameter(p, kind, default=d) for p, d, _ in params])
    defaults = tuple(d for _, d, _ in params)

    if not params:
        def op(x):
            return activation(x)
    elif _REQUIRED in defaults:
        def op(x, *args, **kwargs):
            return activation(*_bind(signature, name, x, args, kwargs))
    else:
        def op(x, *args, **kwargs):
            if not args and not kwargs:  # the common call: no Python-level binding cost
                return activation(x, *defaults)
            return activation(*_bind(signature, name, x, args, kwargs))

    op.__name__ = op.__qualname__ = name
    op.__module__ = __name__
    op.__doc__ = _docstring(params, summary, call, result)
    op.__signature__ = signature
    config = tuple(p for p, _, _ in params)
    return keras_op(class_name, config=config, module="nn")(op)


def _bind(signature, name, x, args, kwargs):
    try:
        bound = signature.bind(x, *args, **kwargs)
    except TypeError as error:
        raise TypeError(f"ops.{name}{signature}: {error}.") from None
    bound.apply_defaults()
    return bound.args


for _row in _ACTIVATION_OPS:
    globals()[_row[0]] = _make(*_row)
del _row

# Keras's aliases: the same functions (and Operation classes) under a second name.
swish = silu  # noqa: F821 (made by the table above)
hard_swish = hard_silu  # noqa: F821
