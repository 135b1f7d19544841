"""`dot_product_attention` of `keras.ops.nn` on `F.scaled_dot_product_attention`.

Keras's layout is `(batch, seq, heads, head_dim)`; torch's kernel wants `(batch, heads, seq, dim)`,
so the op transposes in and out (views). Grouped-query attention (fewer key/value heads than query
heads) repeats the key/value heads, as Keras does.
"""

import torch
import torch.nn.functional as F

from lamina.ops._dtypes import convert_to_tensor
from lamina.ops._op import keras_op

__all__ = ["dot_product_attention"]


def _large_negative(dtype):
    # Keras adds -0.7 * (largest finite value) instead of -inf: a fully masked row then averages
    # the values uniformly instead of giving NaN.
    return -0.7 * (65500.0 if dtype == torch.float16 else 3.38953e38)


@keras_op("DotProductAttention", config=("is_causal", "flash_attention", "attn_logits_soft_cap"),
          module="nn")
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention `softmax(q k^T * scale + bias) v` (`jax.nn.dot_product_attention`;
    torch `F.scaled_dot_product_attention`).

    Args:
        query: Tensor of shape `(batch, query_len, heads, head_dim)`.
        key: Tensor of shape `(batch, key_len, kv_heads, head_dim)`; `heads` must be a multiple
            of `kv_heads`.
        value: Tensor of shape `(batch, key_len, kv_heads, value_dim)`.
        bias: Optional additive bias broadcastable to `(batch, heads, query_len, key_len)`.
        mask: Optional bool mask of that shape; False positions are left out. Not with `bias`.
        scale: Logit scale; default `1 / sqrt(head_dim)`.
        is_causal: Whether each query sees only keys at or before its own position.
        flash_attention: `None` (torch picks its kernel), `True` (require the flash kernel: CUDA
            only) or `False`.
        attn_logits_soft_cap: Not supported on PyTorch (Keras supports it on JAX/TPU only).

    Returns:
        Tensor of shape `(batch, query_len, heads, value_dim)`.

    Example:
        >>> q = torch.randn(2, 4, 8, 16)
        >>> dot_product_attention(q, q, q).shape
        torch.Size([2, 4, 8, 16])
    """
    if attn_logits_soft_cap is not None:
        raise ValueError(
            "dot_product_attention: `attn_logits_soft_cap` is only supported by Keras on JAX/TPU; "
            f"pass attn_logits_soft_cap=None on PyTorch (received {attn_logits_soft_cap!r})."
        )
    query = convert_to_tensor(query)
    key = convert_to_tensor(key, device=query.device)
    value = convert_to_tensor(value, device=query.device)
    for name, tensor in (("query", query), ("key", key), ("value", value)):
        if tensor.ndim != 4:
            raise ValueError(
                f"dot_product_attention: `{name}` must have rank 4 (batch, seq, heads, dim), "
                f"received shape {tuple(tensor.shape)}."
            )
    if bias is not None and mask is not None:
        raise ValueError("dot_product_attention: pass `bias` or `mask`, not both.")
    heads, kv_heads = query.shape[2], key.shape[2]
    if key.shape[2] != value.shape[2] or key.shape[1] != value.shape[1]:
        raise ValueError(
            "dot_product_attention: `key` and `value` must have the same length and number of "
            f"heads, received key.shape={tuple(key.shape)}, value.shape={tuple(value.shape)}."
        )
    if heads % kv_heads or query.shape[-1] != key.shape[-1]:
        raise ValueError(
            "dot_product_attention: `query` heads must be a multiple of `key` heads and their "
            f"head dims must match, received query.shape={tuple(query.shape)}, "
            f"key.shape={tuple(key.shape)}."
        )
    # torch promotion (float64 stays float64, as in Keras's torch backend and lamina's ops.numpy).
    dtype = torch.promote_types(torch.promote_types(query.dtype, key.dtype), value.dtype)
    if not dtype.is_floating_point:
        dtype = torch.float32
    q = query.to(dtype).transpose(1, 2)
    k = key.to(dtype).transpose(1, 2)
    v = value.to(dtype).transpose(1, 2)
    if kv_heads != heads:
        k = k.repeat_interleave(heads // kv_heads, dim=1)
        v = v.repeat_interleave(heads // kv_heads, dim=1)
    attn_mask = None
    if mask is not None:
        mask = convert_to_tensor(mask, device=q.device).to(torch.bool)
        if is_causal:
            causal = torch.ones(q.shape[2], k.shape[2], dtype=torch.bool, device=q.device).tril()
            mask = mask & causal
            is_causal = False
        attn_mask = torch.where(mask, torch.zeros((), dtype=dtype, device=q.device),
                                torch.full((), _large_negative(dtype), dtype=dtype,
                                           device=q.device))
    elif bias is not None:
        attn_mask = convert_to_tensor(bias, dtype=dtype, device=q.device)
    if attn_mask is not None and is_causal:
        causal = torch.ones(q.shape[2], k.shape[2], dtype=torch.bool, device=q.device).tril()
        attn_mask = attn_mask + torch.where(causal, 0.0, _large_negative(dtype)).to(dtype)
        is_causal = False
    if flash_attention:
        if q.device.type != "cuda":
            raise ValueError(
                "dot_product_attention: flash_attention=True needs a CUDA device (torch's flash "
                f"kernel), received tensors on {q.device}; pass flash_attention=None."
            )
        with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.FLASH_ATTENTION):
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask,
                                                 is_causal=is_causal, scale=scale)
    else:
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=is_causal,
                                             scale=scale)
    return out.transpose(1, 2)
