"""Torch kernels behind quantized layers: int8 matmul, dequantized matmul and float8 fake-quantization.

The gradients are Keras's: quantized weights get none, inputs get `upstream @ dequantized_kernel.T`
(straight through the activation quantizer), and float8 layers quantize-dequantize the output
gradient in e5m2 while updating their delayed-scaling state (scale and amax history).
"""

import torch

from lamina.quantizers import quantizers as q

__all__ = ["Float8OutputsGrad", "float8_qdq_with_update", "int8_dot", "QuantizedMatmul"]

_E4M3_MAX = float(torch.finfo(torch.float8_e4m3fn).max)
_E5M2_MAX = float(torch.finfo(torch.float8_e5m2).max)


def int8_dot(x_q, kernel_t):
    """`x_q @ kernel_t.T` for int8 `x_q (..., k)` and int8 `kernel_t (n, k)`, accumulated exactly, as float32.

    Uses `torch._int_mm` (int32 accumulation) where it applies: 2D after flattening, more than 16 rows,
    `k` and `n` multiples of 8, CPU or CUDA. Elsewhere a float32 matmul of the integer values, which is
    exact while `127 * 127 * k < 2**24` (k up to 1040) and within float32 rounding beyond.
    """
    lead = x_q.shape[:-1]
    x2 = x_q.reshape(-1, x_q.shape[-1])
    m, k = x2.shape
    n = kernel_t.shape[0]
    if hasattr(torch, "_int_mm") and m > 16 and k % 8 == 0 and n % 8 == 0 and x2.device.type in ("cpu", "cuda"):
        try:
            out = torch._int_mm(x2.contiguous(), kernel_t.t())
            return out.to(torch.float32).reshape(*lead, n)
        except RuntimeError:  # a build or shape the kernel refuses: the float path gives the same values
            pass
    out = x2.to(torch.float32) @ kernel_t.to(torch.float32).t()
    return out.reshape(*lead, n)


class QuantizedMatmul(torch.autograd.Function):
    """`y = dequant(x @ W_q)` with Keras's gradient for the inputs: `upstream @ W_float.T`.

    Args (forward): inputs, kernel_t (int8 `(n, k)`), kernel_scale `(n,)` (per output column; values are
    divided by it), inputs_quantizer (or None), compute_dtype.
    """

    @staticmethod
    def forward(ctx, inputs, kernel_t, kernel_scale, inputs_quantizer, compute_dtype):
        scale = kernel_scale
        if inputs_quantizer is not None:
            x_q, x_scale = inputs_quantizer(inputs, axis=-1)
            y = int8_dot(x_q.to(torch.int8), kernel_t) if x_q.dtype == torch.int8 else \
                x_q.to(torch.float32) @ kernel_t.to(torch.float32).t()
            scale = scale * x_scale
        else:
            y = inputs.to(torch.float32) @ kernel_t.to(torch.float32).t()
        y = y.to(compute_dtype) / scale.to(compute_dtype)
        ctx.save_for_backward(kernel_t, kernel_scale)
        ctx.compute_dtype = compute_dtype
        return y

    @staticmethod
    def backward(ctx, upstream):
        kernel_t, kernel_scale = ctx.saved_tensors
        float_kernel_t = kernel_t.to(ctx.compute_dtype) / kernel_scale.to(ctx.compute_dtype)[:, None]
        return upstream @ float_kernel_t, None, None, None, None


class _QDQ(torch.autograd.Function):
    """float8 quantize-dequantize with a straight-through gradient."""

    @staticmethod
    def forward(ctx, x, scale, compute_dtype):
        return q.quantize_and_dequantize(x, scale, "float8_e4m3fn", compute_dtype)

    @staticmethod
    def backward(ctx, upstream):
        return upstream, None, None


def float8_qdq_with_update(x, scale, amax_history, compute_dtype, training):
    """Quantize-dequantize `x` to e4m3 with `scale`; in training, then update `scale` and `amax_history`
    in place as Keras's overwrite-with-gradient step does (new scale from the history's max, then
    `max|x|` pushed into the history)."""
    out = _QDQ.apply(x, scale.detach(), compute_dtype)
    if training:
        with torch.no_grad():
            new_scale = q.compute_float8_scale(amax_history.max(), scale, _E4M3_MAX)
            new_history = q.compute_float8_amax_history(x.detach(), amax_history)
            scale.copy_(new_scale)
            amax_history.copy_(new_history)
    return out


class Float8OutputsGrad(torch.autograd.Function):
    """Identity forward; backward quantize-dequantizes the output gradient to e5m2 and updates the
    layer's `outputs_grad_scale` / `outputs_grad_amax_history` in place."""

    @staticmethod
    def forward(ctx, outputs, scale, amax_history, compute_dtype):
        ctx.state = (scale, amax_history, compute_dtype)
        return outputs.view_as(outputs)

    @staticmethod
    def backward(ctx, upstream):
        scale, amax_history, compute_dtype = ctx.state
        with torch.no_grad():
            new_scale = q.compute_float8_scale(amax_history.max(), scale, _E5M2_MAX)
            qdq = q.quantize_and_dequantize(upstream, scale, "float8_e5m2", compute_dtype)
            new_history = q.compute_float8_amax_history(upstream, amax_history)
            scale.copy_(new_scale)
            amax_history.copy_(new_history)
        return qdq, None, None, None
