"""Normalization ops of `keras.ops.nn`: moments, batch/layer/RMS normalization, `normalize`.

Layer and RMS normalization compute in at least float32 and return the input's dtype (Keras);
a contiguous run of axes uses torch's fused `F.layer_norm` / `F.rms_norm`.
"""

import warnings

import torch
import torch.nn.functional as F

from lamina.backend import epsilon as _epsilon
from lamina.ops._args import canonical_axis, to_float_tensor
from lamina.ops._dtypes import convert_to_tensor
from lamina.ops._op import keras_op

__all__ = ["moments", "batch_normalization", "layer_normalization", "rms_normalization",
           "normalize"]


def _axes(op, axes, ndim, name="axes"):
    values = [axes] if isinstance(axes, int) else list(axes) if axes is not None else None
    if values is None:
        raise ValueError(f"{op}: `{name}` must be an int or a list of ints, received None.")
    out = sorted(canonical_axis(a, ndim, op, name) for a in values)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: `{name}` repeats an axis, received {name}={axes!r}.")
    return out


def _world_size():
    import torch.distributed as dist

    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def _all_reduce_sum(tensor):
    # The autograd-aware collective, so gradients flow back to every process's input.
    from torch.distributed.nn.functional import all_reduce

    return all_reduce(tensor)


def _synchronized_moments(x, dims, keepdims):
    count = torch.ones((), dtype=x.dtype, device=x.device)
    for d in dims:
        count = count * x.shape[d]
    total = _all_reduce_sum(torch.stack([x.sum(dim=dims, keepdim=True),
                                         (x * x).sum(dim=dims, keepdim=True)]))
    count = _all_reduce_sum(count)
    mean = total[0] / count
    variance = torch.clamp(total[1] / count - mean * mean, min=0.0)
    if not keepdims:
        mean, variance = mean.squeeze(tuple(dims)), variance.squeeze(tuple(dims))
    return mean, variance


@keras_op("Moments", config=("axes", "keepdims", "synchronized"), module="nn")
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and (biased) variance over `axes` (`tf.nn.moments`; torch `torch.var_mean`).

    Args:
        x: Input tensor; float16 is computed in float32 and cast back (clipped to its range).
        axes: An int or a list of axes to reduce.
        keepdims: Whether to keep the reduced axes with size 1.
        synchronized: Under `torch.distributed` with several processes, compute the statistics
            over the union of every process's `x` (sums all-reduced, differentiably); with one
            process it changes nothing.

    Returns:
        `(mean, variance)`.

    Example:
        >>> moments(torch.tensor([1.0, 3.0]), axes=[0])
        (tensor(2.), tensor(1.))
    """
    x = to_float_tensor(x)
    dims = _axes("moments", axes, x.ndim)
    original = x.dtype
    if original in (torch.float16, torch.bfloat16):
        x = x.float()
    if synchronized and _world_size() > 1:
        mean, variance = _synchronized_moments(x, dims, keepdims)
    else:
        variance, mean = torch.var_mean(x, dim=dims, correction=0, keepdim=keepdims)
    if original != x.dtype:
        info = torch.finfo(original)
        mean = mean.clamp(info.min, info.max).to(original)
        variance = variance.clamp(info.min, info.max).to(original)
    return mean, variance


@keras_op("BatchNorm", config=("axis", "epsilon"), module="nn")
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset` with per-channel statistics
    along `axis` (`tf.nn.batch_normalization`; torch `F.batch_norm` in inference form).

    Args:
        x: Input tensor.
        mean, variance: 1-D tensors of length `x.shape[axis]`.
        axis: The channel axis.
        offset, scale: Optional 1-D tensors (beta, gamma) of the same length.
        epsilon: Added to the variance.

    Example:
        >>> batch_normalization(torch.tensor([[2.0]]), torch.tensor([1.0]), torch.tensor([1.0]),
        ...                     axis=-1, epsilon=0.0)
        tensor([[1.]])
    """
    x = to_float_tensor(x)
    axis = canonical_axis(axis, x.ndim, "batch_normalization")
    channels = x.shape[axis]
    shape = [1] * x.ndim
    shape[axis] = channels

    def per_channel(value, name):
        value = convert_to_tensor(value, dtype=x.dtype, device=x.device)
        if value.numel() != channels:
            raise ValueError(
                f"batch_normalization: `{name}` must hold one value per channel "
                f"({channels} along axis {axis} of x with shape {tuple(x.shape)}), received "
                f"shape {tuple(value.shape)}."
            )
        return value.reshape(shape)

    mean = per_channel(mean, "mean")
    inv = torch.rsqrt(per_channel(variance, "variance") + epsilon)
    if scale is not None:
        inv = inv * per_channel(scale, "scale")
    out = (x - mean) * inv
    if offset is not None:
        out = out + per_channel(offset, "offset")
    return out


def _is_trailing(axes, ndim):
    return axes == list(range(ndim - len(axes), ndim))


@keras_op("LayerNorm", config=("axis", "epsilon"), module="nn")
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Layer normalization over `axis` (`tf.keras` LayerNormalization maths; torch
    `F.layer_norm`).

    Args:
        x: Input tensor.
        gamma: Optional scale, broadcast over the normalized axes.
        beta: Optional offset, broadcast over the normalized axes.
        axis: An int or a list of ints, the axes to normalize over.
        epsilon: Added to the variance; default `keras.config.epsilon()`.
        **kwargs: `rms_scaling=True` (deprecated in Keras) scales by the variance only.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
        >>> layer_normalization(torch.tensor([[1.0, 3.0]]))
        tensor([[-1.,  1.]])
    """
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(
            f"layer_normalization: unexpected keyword arguments {sorted(kwargs)}; it takes x, "
            "gamma, beta, axis, epsilon (and the deprecated rms_scaling)."
        )
    if rms_scaling:
        warnings.warn(
            "layer_normalization: rms_scaling=True is deprecated (it scales by the variance, not "
            "the root mean square); use ops.nn.rms_normalization instead.", stacklevel=2)
    x = to_float_tensor(x)
    epsilon = _epsilon() if epsilon is None else epsilon
    original = x.dtype
    x = x.to(torch.promote_types(x.dtype, torch.float32))
    axes = _axes("layer_normalization", axis, x.ndim, "axis")
    gamma = None if gamma is None else convert_to_tensor(gamma, dtype=x.dtype, device=x.device)
    beta = None if beta is None else convert_to_tensor(beta, dtype=x.dtype, device=x.device)
    norm_shape = tuple(x.shape[a] for a in axes)
    if not rms_scaling and _is_trailing(axes, x.ndim):
        gamma = None if gamma is None else gamma.reshape(norm_shape)
        beta = None if beta is None else beta.reshape(norm_shape)
        return F.layer_norm(x, norm_shape, gamma, beta, epsilon).to(original)
    broadcast = [1] * x.ndim
    for a in axes:
        broadcast[a] = x.shape[a]
    variance, mean = torch.var_mean(x, dim=axes, correction=0, keepdim=True)
    inv = torch.rsqrt(variance + epsilon)
    if rms_scaling:
        out = x * inv
        if gamma is not None:
            out = out * gamma.reshape(broadcast)
        return out.to(original)
    if gamma is not None:
        inv = inv * gamma.reshape(broadcast)
    out = (x - mean) * inv
    if beta is not None:
        out = out + beta.reshape(broadcast)
    return out.to(original)


@keras_op("RMSNorm", config=("axis", "epsilon"), module="nn")
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """Root-mean-square normalization `x / sqrt(mean(x**2) + epsilon) * scale`
    (torch `F.rms_norm`).

    Args:
        x: Input tensor.
        scale: Optional scale, broadcast over the normalized axes.
        axis: An int or a list of ints.
        epsilon: Default `keras.config.epsilon()`.

    Example:
        >>> rms_normalization(torch.tensor([[3.0, 4.0]]), epsilon=0.0)
        tensor([[0.8485, 1.1314]])
    """
    x = to_float_tensor(x)
    epsilon = _epsilon() if epsilon is None else epsilon
    original = x.dtype
    x = x.to(torch.promote_types(x.dtype, torch.float32))
    axes = _axes("rms_normalization", axis, x.ndim, "axis")
    scale = None if scale is None else convert_to_tensor(scale, dtype=x.dtype, device=x.device)
    if _is_trailing(axes, x.ndim):
        shape = tuple(x.shape[a] for a in axes)
        scale = None if scale is None else scale.reshape(shape)
        return F.rms_norm(x, shape, scale, epsilon).to(original)
    out = x * torch.rsqrt(torch.mean(x * x, dim=axes, keepdim=True) + epsilon)
    if scale is not None:
        out = out * scale
    return out.to(original)


@keras_op("Normalize", config=("axis", "order", "epsilon"), module="nn")
def normalize(x, axis=-1, order=2, epsilon=None):
    """Scales `x` to unit `order`-norm along `axis` (`tf.math.l2_normalize`; torch
    `F.normalize`).

    Args:
        x: Input tensor.
        axis: An int or a tuple of axes.
        order: The norm's order, an int >= 1.
        epsilon: Lower bound of the norm; default `keras.config.epsilon()`.

    Example:
        >>> normalize(torch.tensor([3.0, 4.0]))
        tensor([0.6000, 0.8000])
    """
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"normalize: `order` must be an int >= 1, received order={order!r}.")
    x = to_float_tensor(x)
    if x.ndim == 0:
        x = x.reshape(1)
    epsilon = _epsilon() if epsilon is None else epsilon
    dims = axis if isinstance(axis, int) else tuple(axis)
    if order == 2:
        # Keras: x * min(rsqrt(sum(x**2)), 1 / epsilon).
        inv = torch.rsqrt(torch.sum(x * x, dim=dims, keepdim=True)).clamp(max=1.0 / epsilon)
        return x * inv
    norm = torch.linalg.vector_norm(x, ord=order, dim=dims, keepdim=True)
    return x / norm.clamp(min=epsilon)
