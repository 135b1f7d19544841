"""Keras's quantizer functions and classes, computed with torch.

`abs_max_quantize` (symmetric, per axis), `abs_max_quantize_grouped_with_zero_point` (asymmetric,
per group of rows), int4 packing (`pack_int4` / `unpack_int4`), the float8 scaling helpers
(`compute_float8_scale`, `compute_float8_amax_history`, `quantize_and_dequantize`) and
`fake_quant_with_min_max_vars` (with the straight-through gradient of TensorFlow's op). Inputs may
be torch tensors, NumPy arrays or Python numbers; results are torch tensors on the input's device.
"""

import math

import numpy as np
import torch

from lamina import backend

__all__ = [
    "AbsMaxQuantizer", "Quantizer", "abs_max_quantize", "abs_max_quantize_grouped_with_zero_point",
    "compute_float8_amax_history", "compute_float8_scale", "dequantize_with_sz_map",
    "fake_quant_with_min_max_vars", "pack_int4", "quantize_and_dequantize", "unpack_int4",
]

# Keras evaluates `backend.epsilon()` once, when the module is imported; so do we.
_EPSILON = backend.epsilon()

_FLOAT8 = {"float8_e4m3fn": torch.float8_e4m3fn, "float8_e5m2": torch.float8_e5m2}


def _tensor(x, dtype=None, device=None):
    if isinstance(x, torch.Tensor):
        return x.detach() if dtype is None else x.detach().to(dtype)
    if isinstance(x, np.ndarray) and dtype is None:
        return torch.from_numpy(np.array(x, copy=True)).to(device)
    return torch.as_tensor(np.asarray(x) if dtype is None else x, dtype=dtype, device=device)


def _torch_dtype(dtype):
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype in _FLOAT8:
        return _FLOAT8[dtype]
    return backend.to_torch_dtype(dtype)


def _dims(axis, ndim):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim for a in axes)


class Quantizer:
    """Base class of quantizers: `quantizer(x)` returns the quantized `x` (Keras's base returns `x`).

    Args:
        output_dtype: the dtype of quantized values (default `"int8"`).

    Example:
        >>> class Sign(Quantizer):
        ...     def __call__(self, x):
        ...         return torch.sign(x)
        ...     def get_config(self):
        ...         return {"output_dtype": self.output_dtype}
    """

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        return x

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config(); define it to "
                                  "return the arguments that rebuild the quantizer.")


def abs_max_quantize(inputs, axis, value_range=(-127, 127), dtype="int8", epsilon=_EPSILON, to_numpy=False):
    """Symmetric quantization: `scale = value_range[1] / (max|x| + epsilon)` along `axis`.

    Args:
        inputs: float tensor or array.
        axis: axis (int or tuple) reduced to compute the range; the scale keeps it with size 1.
        value_range: `(min, max)` of the quantized integers.
        dtype: dtype of the quantized values.
        epsilon: added to the absolute maximum (avoids dividing by zero).
        to_numpy: compute on the host (CPU), as Keras does to spare device memory.

    Returns:
        `(quantized, scale)`: `round(x * scale)` clipped to `value_range` in `dtype`, and the scale
        in the input's dtype (shape of `inputs` with `axis` of size 1).

    Example:
        >>> q, s = abs_max_quantize(torch.tensor([[1.0, -2.0]]), axis=-1)
        >>> q.tolist()
        [[63, -127]]
    """
    x = _tensor(inputs)
    device = x.device
    if not x.is_floating_point():
        x = x.float()
    if to_numpy:
        x = x.cpu()
    dims = _dims(axis, x.dim())
    scale = value_range[1] / (torch.amax(x.abs(), dim=dims, keepdim=True) + epsilon)
    scale = scale.to(x.dtype)
    outputs = torch.clamp(torch.round(x * scale), value_range[0], value_range[1]).to(_torch_dtype(dtype))
    return outputs.to(device), scale.to(device)


def abs_max_quantize_grouped_with_zero_point(inputs, block_size, value_range=(-8, 7), dtype="int8",
                                             epsilon=_EPSILON, to_numpy=False):
    """Asymmetric quantization of a 2D `(input_dim, output_dim)` tensor in groups of `block_size` rows.

    Each group of rows gets, per column, `scale = (max - min + epsilon) / (qmax - qmin)` and
    `zero = clip(round(-min / scale) + qmin, qmin, qmax)`; `q = clip(round(x / scale) + zero)`.
    Dequantize with `(q - zero) * scale`.

    Args:
        inputs: float tensor of shape `(input_dim, output_dim)`.
        block_size: rows per group (the last group is zero-padded).
        value_range, dtype, epsilon, to_numpy: as `abs_max_quantize`.

    Returns:
        `(quantized, scale, zero_point)`: `quantized` of the input's shape in `dtype`, `scale`
        `(n_groups, output_dim)` in the input's dtype, `zero_point` `(n_groups, output_dim)` int8.

    Example:
        >>> q, s, z = abs_max_quantize_grouped_with_zero_point(torch.randn(8, 3), block_size=4)
        >>> tuple(s.shape)
        (2, 3)
    """
    x = _tensor(inputs)
    device = x.device
    if x.dim() != 2:
        raise ValueError(f"abs_max_quantize_grouped_with_zero_point expects a 2D (input_dim, output_dim) tensor; "
                         f"received shape {tuple(x.shape)}. Reshape it to 2D first.")
    if to_numpy:
        x = x.cpu()
    input_dim, output_dim = x.shape
    n_groups = math.ceil(input_dim / block_size)
    qmin, qmax = value_range
    padded = n_groups * block_size
    if padded > input_dim:
        x = torch.cat([x, x.new_zeros(padded - input_dim, output_dim)], dim=0)
    groups = x.reshape(n_groups, block_size, output_dim)
    min_val = groups.amin(dim=1, keepdim=True)
    max_val = groups.amax(dim=1, keepdim=True)
    scale = (max_val - min_val + epsilon) / (qmax - qmin)
    zero = torch.clamp(torch.round(-min_val / scale) + qmin, qmin, qmax)
    outputs = torch.clamp(torch.round(groups / scale) + zero, qmin, qmax).to(_torch_dtype(dtype))
    outputs = outputs.reshape(padded, output_dim)[:input_dim]
    return outputs.to(device), scale.squeeze(1).to(device), zero.squeeze(1).to(torch.int8).to(device)


class AbsMaxQuantizer(Quantizer):
    """Quantizes with `abs_max_quantize` along an axis (default `-1`, or the axis given at call time).

    Args:
        axis: deprecated in Keras (give it at call time); int or tuple.
        value_range: `(min, max)` of the quantized integers (within [-128, 127] for int8).
        epsilon: added to the absolute maximum.
        output_dtype: dtype of the quantized values.

    Example:
        >>> q, scale = AbsMaxQuantizer()(torch.tensor([[0.5, -1.0]]))
        >>> q.tolist()
        [[63, -127]]
    """

    def __init__(self, axis=None, value_range=(-127, 127), epsilon=_EPSILON, output_dtype="int8"):
        Quantizer.__init__(self, output_dtype=output_dtype)
        self.axis = None if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        self.value_range = value_range
        self.epsilon = epsilon
        if output_dtype == "int8" and (value_range[0] < -128 or value_range[1] > 127):
            raise ValueError("Quantizer with output_dtype='int8' requires value_range to be within the interval "
                             f"[-128, 127]. Received: value_range={value_range}")

    def __call__(self, x, axis=None, to_numpy=False):
        if axis is None:
            axis = self.axis if self.axis is not None else -1
        return abs_max_quantize(x, axis, self.value_range, self.output_dtype, self.epsilon, to_numpy)

    def get_config(self):
        config = {"value_range": self.value_range, "epsilon": self.epsilon, "output_dtype": self.output_dtype}
        if self.axis is not None:
            config["axis"] = self.axis
        return config


def _adjust_and_nudge(min_range, max_range, num_bits, narrow_range):
    """TensorFlow's nudged range: the zero point moved onto the integer grid."""
    quant_max = (1 << num_bits) - 1
    quant_min = 1 if narrow_range else 0
    diff = max_range - min_range
    scale = diff / (quant_max - quant_min)
    inv_scale = (quant_max - quant_min) / diff
    zero_point = torch.clamp(quant_min - min_range / scale, quant_min, quant_max)
    nudged_zero = torch.round(zero_point)
    nudged_min = (quant_min - nudged_zero) * scale
    nudged_max = (quant_max - nudged_zero) * scale
    return nudged_min, nudged_max, scale, inv_scale


class _FakeQuant(torch.autograd.Function):
    """Fake quantization with its straight-through gradient: `x` gets the upstream gradient inside
    `[nudged_min, nudged_max]`, `min`/`max` get the gradient of the values clipped to them."""

    @staticmethod
    def forward(ctx, x, min_val, max_val, num_bits, narrow_range, axis):
        compute = torch.promote_types(min_val.dtype, torch.float32)
        nudged_min, nudged_max, scale, inv_scale = _adjust_and_nudge(
            min_val.to(compute), max_val.to(compute), num_bits, narrow_range)
        quant_zero = torch.floor(-nudged_min * inv_scale + 0.5)
        clamped = torch.minimum(torch.maximum(x.to(compute), nudged_min), nudged_max)
        result = torch.floor((clamped - nudged_min) * inv_scale - quant_zero + 0.5) * scale
        ctx.save_for_backward(x, nudged_min, nudged_max)
        ctx.axis = axis
        ctx.shapes = (min_val.shape, max_val.shape)
        return result.to(x.dtype)

    @staticmethod
    def backward(ctx, upstream):
        x, nudged_min, nudged_max = ctx.saved_tensors
        zero = torch.zeros((), dtype=upstream.dtype, device=upstream.device)
        dx = torch.where((x >= nudged_min) & (x <= nudged_max), upstream, zero)
        grad_min = torch.where(x <= nudged_min, upstream, zero)
        grad_max = torch.where(x >= nudged_max, upstream, zero)
        if ctx.axis is None:
            grad_min, grad_max = grad_min.sum(), grad_max.sum()
        else:
            axes = [i for i in range(x.dim()) if i != ctx.axis]
            grad_min, grad_max = grad_min.sum(dim=axes), grad_max.sum(dim=axes)
        return dx, grad_min.reshape(ctx.shapes[0]), grad_max.reshape(ctx.shapes[1]), None, None, None


def fake_quant_with_min_max_vars(inputs, min_vals, max_vals, num_bits=8, narrow_range=False, axis=None):
    """Per-tensor or per-channel fake quantization into `[min_vals, max_vals]` (as TensorFlow's op).

    Values are clamped to the nudged range, snapped to one of `2**num_bits` levels (`2**num_bits - 1`
    with `narrow_range`) and returned as floats. Differentiable: the gradient passes straight
    through inside the range and flows to `min_vals` / `max_vals` for clipped values.

    Args:
        inputs: float tensor.
        min_vals, max_vals: scalars (per-tensor) or 1D tensors of the channel axis's size.
        num_bits: quantization bit width.
        narrow_range: use `[1, 2**num_bits - 1]` instead of `[0, 2**num_bits - 1]`.
        axis: channel axis for per-channel quantization, `None` for per-tensor.

    Example:
        >>> fake_quant_with_min_max_vars(torch.tensor([0.1, 0.52, 2.0]), -1.0, 1.0).shape
        torch.Size([3])
    """
    x = inputs if isinstance(inputs, torch.Tensor) else torch.as_tensor(np.asarray(inputs))
    min_vals = min_vals if isinstance(min_vals, torch.Tensor) else torch.as_tensor(
        np.asarray(min_vals, dtype=np.float32), device=x.device)
    max_vals = max_vals if isinstance(max_vals, torch.Tensor) else torch.as_tensor(
        np.asarray(max_vals, dtype=np.float32), device=x.device)
    if axis is not None:
        axis = axis % x.dim()
        # per-channel ranges broadcast along `axis`
        shape = [1] * x.dim()
        shape[axis] = -1
        if min_vals.dim() == 1:
            min_b, max_b = min_vals.reshape(shape), max_vals.reshape(shape)
        else:
            min_b, max_b = min_vals, max_vals
        out = _FakeQuantChannel.apply(x, min_vals, max_vals, min_b, max_b, int(num_bits), bool(narrow_range), axis)
        return out
    return _FakeQuant.apply(x, min_vals, max_vals, int(num_bits), bool(narrow_range), None)


class _FakeQuantChannel(torch.autograd.Function):
    """`_FakeQuant` with the per-channel ranges reshaped to broadcast along the channel axis."""

    @staticmethod
    def forward(ctx, x, min_vals, max_vals, min_b, max_b, num_bits, narrow_range, axis):
        result = _FakeQuant.forward(ctx, x, min_b, max_b, num_bits, narrow_range, axis)
        ctx.shapes = (min_vals.shape, max_vals.shape)
        return result

    @staticmethod
    def backward(ctx, upstream):
        dx, gmin, gmax, *_ = _FakeQuant.backward(ctx, upstream)
        return dx, gmin, gmax, None, None, None, None, None


def compute_float8_scale(amax, scale, dtype_max, margin=0):
    """The next float8 scale from an amax (Transformer Engine's rule; `scale` is Keras's reciprocal form).

    Returns `1 / (dtype_max / amax / 2**margin)`, or `scale` unchanged where `amax` is 0 or not finite.

    Example:
        >>> compute_float8_scale(torch.tensor(2.0), torch.tensor(1.0), 448.0)
        tensor(0.0045)
    """
    amax, scale = _tensor(amax, torch.float32), _tensor(scale, torch.float32)
    inverse = torch.reciprocal(scale)
    sf = (dtype_max / amax) / (2 ** margin)
    sf = torch.where(amax > 0.0, sf, inverse)
    sf = torch.where(torch.isfinite(amax), sf, inverse)
    return torch.reciprocal(sf)


def compute_float8_amax_history(x, amax_history):
    """Rolls `amax_history` by one and puts `max(|x|)` first.

    Example:
        >>> compute_float8_amax_history(torch.tensor([-3.0, 1.0]), torch.tensor([1.0, 2.0, 0.0]))
        tensor([3., 0., 1.])
    """
    x = _tensor(x)
    history = _tensor(amax_history)
    new = torch.roll(history, shifts=-1, dims=0).clone()
    new[0] = x.abs().max().to(history.dtype)
    return new


def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """`cast(clip(x / scale, ±max), quantized_dtype) * scale` back in `compute_dtype`.

    Args:
        inputs: float tensor.
        scale: scalar scale (Keras's reciprocal form: values are divided by it).
        quantized_dtype: `"float8_e4m3fn"` or `"float8_e5m2"` (or another float dtype).
        compute_dtype: dtype of the result.

    Example:
        >>> quantize_and_dequantize(torch.tensor([1000.0]), torch.tensor(1.0), "float8_e4m3fn", "float32")
        tensor([448.])
    """
    qdtype = _torch_dtype(quantized_dtype)
    cdtype = _torch_dtype(compute_dtype)
    x = inputs if isinstance(inputs, torch.Tensor) else torch.as_tensor(np.asarray(inputs))
    scale = scale if isinstance(scale, torch.Tensor) else torch.as_tensor(scale)
    scale = scale.to(device=x.device, dtype=cdtype)
    qmax = float(torch.finfo(qdtype).max)
    q = torch.clamp(x.to(cdtype) / scale, -qmax, qmax).to(qdtype)
    return q.to(cdtype) * scale


def pack_int4(arr, axis=0, dtype="int8"):
    """Packs int4 values (int8 in [-8, 7]) two per byte along `axis`: the first value in the low nibble.

    An odd length is padded with one zero.

    Args:
        arr: `int8` (or `uint8`) tensor.
        axis: axis to pack.
        dtype: `"int8"` or `"uint8"`, the dtype of `arr` and of the result.

    Returns:
        `(packed, packed_shape, orig_len)`.

    Example:
        >>> packed, shape, n = pack_int4(torch.tensor([[-3, 7], [2, -8], [1, 0]], dtype=torch.int8))
        >>> packed.tolist(), n
        ([[45, -121], [1, 0]], 3)
    """
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    x = _tensor(arr)
    if backend.dtype_name(x.dtype) != dtype:
        raise TypeError(f"Expected {dtype} tensor for packing, got {backend.dtype_name(x.dtype)}.")
    rank = x.dim()
    axis = axis % rank
    x = torch.movedim(x, axis, 0)
    n = x.shape[0]
    if n % 2:
        x = torch.cat([x, x.new_zeros((1,) + tuple(x.shape[1:]))], dim=0)
    # bit twiddling in int16 avoids int8 shift overflow, then wraps back to the byte
    low = x[::2].to(torch.int16) & 0x0F
    high = x[1::2].to(torch.int16) & 0x0F
    packed = (low | (high << 4)).to(torch.uint8)
    if dtype == "int8":
        packed = packed.view(torch.int8)
    packed = torch.movedim(packed, 0, axis).contiguous()
    return packed, tuple(packed.shape), n


def unpack_int4(packed, orig_len, axis=0, dtype="int8"):
    """Inverse of `pack_int4`: two values per byte along `axis`, cut back to `orig_len`.

    Args:
        packed: int8 or uint8 tensor from `pack_int4`.
        orig_len: length of `axis` before packing.
        axis: the packed axis.
        dtype: `"int8"` (signed values in [-8, 7]) or `"uint8"` (nibbles in [0, 15]).

    Example:
        >>> unpack_int4(torch.tensor([[45, -121], [1, 0]], dtype=torch.int8), 3).tolist()
        [[-3, 7], [2, -8], [1, 0]]
    """
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    x = packed if isinstance(packed, torch.Tensor) else _tensor(packed)
    if x.dtype not in (torch.int8, torch.uint8):
        raise TypeError(f"Expected int8 or uint8 tensor for unpacking, got {x.dtype}")
    axis = axis % x.dim()
    x = torch.movedim(x, axis, 0)
    wide = x.to(torch.int16) & 0xFF
    low, high = wide & 0x0F, (wide >> 4) & 0x0F
    if dtype == "int8":
        low, high = (low ^ 8) - 8, (high ^ 8) - 8
    target = torch.int8 if dtype == "int8" else torch.uint8
    stacked = torch.stack([low, high], dim=1).reshape((-1,) + tuple(x.shape[1:]))[:orig_len]
    return torch.movedim(stacked.to(target), 0, axis)


def dequantize_with_sz_map(weights_matrix, scale, zero, g_idx, group_axis=-1):
    """`(w - zero[g]) * scale[g]`, with each position's group `g` taken from `g_idx` along `group_axis`.

    Example:
        >>> w = dequantize_with_sz_map(torch.ones(2, 4), torch.ones(2, 2), torch.zeros(2, 2),
        ...                            torch.tensor([0., 0., 1., 1.]))
    """
    groups = _tensor(g_idx).to(device=scale.device).long()
    scales = torch.index_select(scale, group_axis % scale.dim(), groups)
    zeros = torch.index_select(zero, group_axis % zero.dim(), groups).to(scales.dtype)
    return (weights_matrix - zeros) * scales
