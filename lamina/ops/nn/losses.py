"""Crossentropy, PSNR, one-hot encodings and `polar` of `keras.ops.nn`.

The crossentropies are unreduced (one value per example, or per element for binary), as the
backend functions Keras's losses are built from; probabilities are clipped to
`[epsilon, 1 - epsilon]` as Keras does.
"""

import math

import torch
import torch.nn.functional as F

from lamina.backend import epsilon as _epsilon
from lamina.backend.dtypes import dtype_name, floatx, standardize_dtype
from lamina.ops._args import canonical_axis, to_float_tensor
from lamina.ops._dtypes import convert_to_tensor
from lamina.ops._op import keras_op

__all__ = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "one_hot", "multi_hot", "psnr", "polar"]


def _pair(op, target, output):
    output = to_float_tensor(output)
    target = convert_to_tensor(target, dtype=output.dtype, device=output.device)
    if target.shape != output.shape:
        raise ValueError(
            f"{op}: `target` and `output` must have the same shape, received "
            f"target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}."
        )
    return target, output


@keras_op("BinaryCrossentropy", config=("from_logits",), module="nn")
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy (`tf.keras.backend.binary_crossentropy`; torch
    `F.binary_cross_entropy` / `F.binary_cross_entropy_with_logits`).

    Args:
        target: Labels in [0, 1], the shape of `output`.
        output: Probabilities, or logits with `from_logits=True`.
        from_logits: Whether `output` holds logits.

    Returns:
        A tensor of the shape of `output`.

    Example:
        >>> binary_crossentropy(torch.tensor([1.0]), torch.tensor([0.5]))
        tensor([0.6931])
    """
    target, output = _pair("binary_crossentropy", target, output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    eps = _epsilon()
    output = output.clamp(eps, 1.0 - eps)
    return -(target * torch.log(output) + (1.0 - target) * torch.log1p(-output))


@keras_op("CategoricalCrossentropy", config=("from_logits", "axis"), module="nn")
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot (or soft) targets and predictions along `axis`
    (`tf.keras.backend.categorical_crossentropy`; torch `F.cross_entropy` with probabilities).

    Args:
        target: Target distribution, the shape of `output`.
        output: Probabilities (renormalized to sum to 1 along `axis`), or logits.
        from_logits: Whether `output` holds logits.
        axis: The class axis.

    Returns:
        A tensor of `output`'s shape without `axis`.

    Example:
        >>> categorical_crossentropy(torch.tensor([[0.0, 1.0]]), torch.tensor([[0.5, 0.5]]))
        tensor([0.6931])
    """
    target, output = _pair("categorical_crossentropy", target, output)
    if output.ndim < 1:
        raise ValueError("categorical_crossentropy: `output` must have rank >= 1, received a scalar.")
    axis = canonical_axis(axis, output.ndim, "categorical_crossentropy")
    if from_logits:
        log_prob = F.log_softmax(output, dim=axis)
    else:
        eps = _epsilon()
        output = output / output.sum(dim=axis, keepdim=True)
        log_prob = torch.log(output.clamp(eps, 1.0 - eps))
    return -(target * log_prob).sum(dim=axis)


@keras_op("SparseCategoricalCrossentropy", config=("from_logits", "axis"), module="nn")
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between integer class targets and predictions along `axis`
    (`tf.keras.backend.sparse_categorical_crossentropy`; torch `F.cross_entropy` / `F.nll_loss`).

    Args:
        target: Integer class indices, `output`'s shape without `axis` (a trailing size-1 axis
            is accepted).
        output: Probabilities or logits.
        from_logits: Whether `output` holds logits.
        axis: The class axis of `output`.

    Example:
        >>> sparse_categorical_crossentropy(torch.tensor([1]), torch.tensor([[0.5, 0.5]]))
        tensor([0.6931])
    """
    output = to_float_tensor(output)
    target = convert_to_tensor(target, device=output.device)
    if target.is_floating_point() and not torch.compiler.is_compiling():
        if bool((target != target.round()).any()):
            raise ValueError(
                "sparse_categorical_crossentropy: `target` must hold integer class indices, "
                f"received non-integer values of dtype {dtype_name(target.dtype)}."
            )
    target = target.long()
    if output.ndim < 1:
        raise ValueError("sparse_categorical_crossentropy: `output` must have rank >= 1.")
    axis = canonical_axis(axis, output.ndim, "sparse_categorical_crossentropy")
    if target.ndim == output.ndim and target.shape[axis] == 1:
        target = target.squeeze(axis)
    expected = output.shape[:axis] + output.shape[axis + 1:]
    if target.shape != expected:
        raise ValueError(
            "sparse_categorical_crossentropy: `target` must have the shape of `output` without "
            f"the class axis, {tuple(expected)}, received target.shape={tuple(target.shape)} "
            f"(output.shape={tuple(output.shape)})."
        )
    classes = output.shape[axis]
    if not torch.compiler.is_compiling() and target.numel():
        low, high = int(target.min()), int(target.max())
        if low < 0 or high >= classes:
            raise ValueError(
                f"sparse_categorical_crossentropy: `target` holds class indices in [{low}, {high}], "
                f"but `output` has {classes} classes along axis {axis} (valid: 0 to {classes - 1})."
            )
    if from_logits:
        log_prob = F.log_softmax(output, dim=axis)
    else:
        eps = _epsilon()
        output = output / output.sum(dim=axis, keepdim=True)
        log_prob = torch.log(output.clamp(eps, 1.0 - eps))
    picked = torch.take_along_dim(log_prob, target.clamp(0, output.shape[axis] - 1)
                                  .unsqueeze(axis), dim=axis)
    return -picked.squeeze(axis)


def _check_sparse(op, sparse):
    if sparse:
        raise ValueError(
            f"{op}: sparse=True is not supported on PyTorch (Keras's torch backend refuses it "
            "too); use the dense result."
        )


def _check_num_classes(op, num_classes):
    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
        raise ValueError(f"{op}: `num_classes` must be a positive int, received {num_classes!r}.")


@keras_op("OneHot", config=("num_classes", "axis", "dtype", "sparse"), module="nn")
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encoding of integer indices; indices outside [0, num_classes) give all-zero rows
    (`tf.one_hot`; torch `F.one_hot`).

    Args:
        x: Integer tensor of class indices.
        num_classes: Number of classes.
        axis: Where the new class axis goes (-1: last).
        dtype: Output dtype; default `floatx()`.
        sparse: Must be False on PyTorch.

    Example:
        >>> one_hot(torch.tensor([1, -1]), 3)
        tensor([[0., 1., 0.],
                [0., 0., 0.]])
    """
    _check_sparse("one_hot", sparse)
    _check_num_classes("one_hot", num_classes)
    x = convert_to_tensor(x)
    if x.is_floating_point() or x.is_complex():
        x = x.long()  # Keras casts class indices to int as well
    x = x.long()
    out = F.one_hot(x.clamp(0, num_classes - 1), num_classes)
    out = out * ((x >= 0) & (x < num_classes)).unsqueeze(-1)
    out = out.to(standardize_dtype(dtype or floatx()))
    axis = canonical_axis(axis, out.ndim, "one_hot")
    return out if axis == out.ndim - 1 else out.movedim(-1, axis)


@keras_op("MultiHot", config=("num_classes", "axis", "dtype", "sparse"), module="nn")
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encoding: 1 for every class index present in each row
    (`tf.keras.layers.CategoryEncoding`; torch `F.one_hot(...).amax`).

    Args:
        inputs: Integer tensor of shape `(batch, n)` (or `(n,)` for one row).
        num_classes: Number of classes (`num_tokens=` is accepted too, as in Keras).
        axis: Where the class axis goes.
        dtype: Output dtype; default `floatx()`.
        sparse: Must be False on PyTorch.

    Example:
        >>> multi_hot(torch.tensor([[0, 2], [1, 1]]), 3)
        tensor([[1., 0., 1.],
                [0., 1., 0.]])
    """
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if kwargs:
        raise TypeError(f"multi_hot: unexpected keyword arguments {sorted(kwargs)}.")
    if num_classes is None:
        raise ValueError("multi_hot: `num_classes` must be given, received None.")
    _check_sparse("multi_hot", sparse)
    inputs = convert_to_tensor(inputs)
    encoded = one_hot(inputs, num_classes, axis=axis, dtype=dtype)
    return encoded.amax(dim=1 if inputs.ndim > 1 else 0)


@keras_op("PSNR", config=("max_val",), module="nn")
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio `20 log10(max_val) - 10 log10(mse)` over the whole tensors
    (`tf.image.psnr` over all axes; torch composed ops).

    Args:
        x1, x2: Tensors of the same shape.
        max_val: The dynamic range of the signal (1.0 for images in [0, 1], 255 for uint8).

    Returns:
        A scalar tensor.

    Example:
        >>> psnr(torch.zeros(4), torch.full((4,), 0.1), 1.0)
        tensor(20.)
    """
    x1 = to_float_tensor(x1)
    x2 = to_float_tensor(x2).to(device=x1.device)
    if x1.shape != x2.shape:
        raise ValueError(
            f"psnr: `x1` and `x2` must have the same shape, received {tuple(x1.shape)} and "
            f"{tuple(x2.shape)}."
        )
    dtype = torch.promote_types(x1.dtype, x2.dtype)
    mse = torch.mean((x1.to(dtype) - x2.to(dtype)) ** 2)
    return 20.0 * math.log10(max_val) - 10.0 * torch.log10(mse)


@keras_op("Polar", module="nn")
def polar(abs_, angle):
    """Complex numbers from magnitude and angle, `abs_ * exp(1j * angle)` (`np` equivalent
    `abs_ * np.exp(1j * angle)`; torch `torch.polar`).

    Args:
        abs_: Magnitudes (float).
        angle: Angles in radians, broadcastable with `abs_`.

    Example:
        >>> polar(torch.tensor([1.0]), torch.tensor([0.0]))
        tensor([1.+0.j])
    """
    abs_ = to_float_tensor(abs_)
    angle = to_float_tensor(angle).to(device=abs_.device)
    dtype = torch.promote_types(abs_.dtype, angle.dtype)
    abs_, angle = torch.broadcast_tensors(abs_.to(dtype), angle.to(dtype))
    return torch.complex(abs_ * torch.cos(angle), abs_ * torch.sin(angle))
