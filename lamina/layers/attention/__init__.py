"""Attention layers: `MultiHeadAttention`, `Attention` (dot-product), `AdditiveAttention`."""

from lamina.layers.attention.additive_attention import AdditiveAttention
from lamina.layers.attention.attention import Attention
from lamina.layers.attention.multi_head_attention import MultiHeadAttention
from lamina.layers.attention.grouped_query_attention import GroupedQueryAttention, GroupQueryAttention

__all__ = ["MultiHeadAttention", "Attention", "AdditiveAttention", "GroupQueryAttention", "GroupedQueryAttention"]
