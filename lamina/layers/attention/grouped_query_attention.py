"""`GroupQueryAttention`: attention whose key/value heads are shared by groups of query heads, on
`F.scaled_dot_product_attention`.

Keras's class is `GroupedQueryAttention`, exported (and written in files) as `GroupQueryAttention`,
with automatic layer names `grouped_query_attention[_n]`; lamina's class carries the exported name
and takes the same automatic names."""

import math

import torch
import torch.nn.functional as F

from lamina import backend, constraints, initializers, regularizers
from lamina.backend.config import is_flash_attention_enabled
from lamina.layers.attention.multi_head_attention import _large_negative, _sdpa_backends
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.layers.layer import Layer

__all__ = ["GroupedQueryAttention", "GroupQueryAttention"]


class GroupQueryAttention(Layer):
    """Grouped-query attention (Ainslie et al., 2023): `num_query_heads` query heads attend with
    `num_key_value_heads` key/value heads, each shared by `num_query_heads // num_key_value_heads`.

    Args:
        head_dim: size of each head.
        num_query_heads: number of query heads.
        num_key_value_heads: number of key and value heads (divides `num_query_heads`).
        dropout: dropout rate on the attention probabilities (default 0).
        use_bias: biases in the projections (default True).
        sliding_window: if set, a query attends only to keys with `|i - j| < sliding_window`.
        flash_attention: True/False forces/forbids flash kernels; None lets torch choose.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: for the projections.
        use_gate: multiply the attended values by `sigmoid(gate(query))` before the output projection.
        seed: dropout seed.

    Call arguments: `query (B, T, dim)`, `value (B, S, dim)`, `key` (default `value`),
    `query_mask`/`value_mask`/`key_mask`, `attention_mask (B, T, S)`, `return_attention_scores`,
    `training`, `use_causal_mask`.

    Weights (Keras's EinsumDense sub-layers): query `(dim, Hq, head_dim)`, key and value
    `(dim, Hkv, head_dim)`, attention_output `(Hq, head_dim, dim)`, each with a bias.

    Example:
        >>> gqa = GroupQueryAttention(head_dim=8, num_query_heads=4, num_key_value_heads=2)
        >>> gqa(torch.ones(2, 5, 16), torch.ones(2, 7, 16)).shape
        torch.Size([2, 5, 16])
    """

    # h5 group name (`layers/grouped_query_attention[_n]`), after Keras's class name.
    _keras_h5_name = "grouped_query_attention"

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0, use_bias=True,
                 sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        if kwargs.get("name") is None and type(self) is GroupQueryAttention:
            kwargs["name"] = backend.unique_name("grouped_query_attention")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        name = f"GroupQueryAttention layer '{self.name}'"
        for label, value in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                             ("num_key_value_heads", num_key_value_heads)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name}: `{label}` must be a positive int, received {label}={value!r}.")
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError(f"{name}: `num_query_heads` must be divisible by `num_key_value_heads`, received "
                             f"num_query_heads={num_query_heads}, num_key_value_heads={num_key_value_heads}.")
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError(f"{name}: `sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window!r}")
        self.supports_masking = True
        self.head_dim, self.num_query_heads, self.num_key_value_heads = head_dim, num_query_heads, num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = float(dropout)
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.sliding_window = sliding_window
        self._flash_attention = flash_attention or is_flash_attention_enabled()
        if self._flash_attention and self.dropout > 0.0:
            raise ValueError(f"{name}: dropout is not supported when flash attention is enabled. Please set "
                             "dropout to 0.0 to use flash attention.")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed

    def _dense(self, equation, output_shape, bias_axes, name, activation=None):
        return EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes if self.use_bias else None,
                           activation=activation, name=name,
                           kernel_initializer=type(self.kernel_initializer).from_config(
                               self.kernel_initializer.get_config()),
                           bias_initializer=type(self.bias_initializer).from_config(
                               self.bias_initializer.get_config()),
                           kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
                           kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint,
                           dtype=self._dtype_policy_name)

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        self.feature_dim = query_shape[-1]
        heads = (None, self.num_query_heads, self.head_dim)
        kv = (None, self.num_key_value_heads, self.head_dim)
        self._query_dense = self._dense("bqm,muh->bquh", heads, "uh", "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._dense("bkm,mvh->bkvh", kv, "vh", "key")
        self._key_dense.build(key_shape)
        if self.use_gate:
            self._gate_dense = self._dense("bqm,muh->bquh", heads, "uh", "gate", activation="sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = self._dense("bkm,mvh->bkvh", kv, "vh", "value")
        self._value_dense.build(value_shape)
        # Keras creates Softmax and Dropout sub-layers here; taking their automatic names keeps
        # later layers' names equal to Keras's.
        backend.unique_name("softmax")
        backend.unique_name("dropout")
        self._output_dense = self._dense("bquh,uhm->bqm", (None, self.feature_dim), "m", "attention_output")
        self._output_dense.build((None, None, self.num_query_heads, self.head_dim))
        self.built = True

    def __call__(self, *args, **kwargs):
        # Keras fills query/value/key masks from the inputs' masks.
        values = dict(zip(("query", "value", "key"), args))
        for arg, mask_arg in (("query", "query_mask"), ("value", "value_mask"), ("key", "key_mask")):
            mask = getattr(values.get(arg, kwargs.get(arg)), "_keras_mask", None)
            if mask is not None and kwargs.get(mask_arg) is None:
                kwargs[mask_arg] = mask
        if not kwargs.get("return_attention_scores"):
            return super().__call__(*args, **kwargs)
        self.__dict__["_shape_with_scores"] = True
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self.__dict__["_shape_with_scores"] = False

    def _mask(self, query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask):
        auto = None
        if query_mask is not None:
            auto = query_mask.bool().unsqueeze(-1)
        for extra in (value_mask, key_mask):
            if extra is not None:
                extra = extra.bool().unsqueeze(-2)
                auto = extra if auto is None else auto & extra
        t, s = query.shape[1], value.shape[1]
        if use_causal_mask:
            causal = torch.ones((t, s), dtype=torch.bool, device=query.device).tril()[None]
            auto = causal if auto is None else auto & causal
        if self.sliding_window is not None:
            rows = torch.arange(t, device=query.device)[:, None]
            cols = torch.arange(s, device=query.device)[None, :]
            window = ((rows - cols).abs() < self.sliding_window)[None]
            auto = window if auto is None else auto & window
        if auto is not None and attention_mask is not None:
            return attention_mask.bool() & auto
        return auto if auto is not None else (attention_mask.bool() if attention_mask is not None else None)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False):
        key = value if key is None else key
        if query.dim() != 3:
            raise ValueError(f"GroupQueryAttention layer '{self.name}': expects query of shape (batch, seq, dim), "
                             f"received shape {tuple(query.shape)}.")
        if return_attention_scores and self._flash_attention:
            raise ValueError(f"GroupQueryAttention layer '{self.name}': returning attention scores is not supported "
                             "when flash attention is enabled. Please disable flash attention to access attention "
                             "scores.")
        gate = self._gate_dense(query) if self.use_gate else None
        # (B, L, H, D) -> (B, H, L, D); key/value heads repeated to the query heads, as Keras does.
        q = self._query_dense(query).transpose(1, 2)
        k = self._key_dense(key).repeat_interleave(self.num_repeats, dim=2).transpose(1, 2)
        v = self._value_dense(value).repeat_interleave(self.num_repeats, dim=2).transpose(1, 2)
        keep = self._mask(query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask)
        causal_only = keep is not None and use_causal_mask and query_mask is None and value_mask is None and \
            key_mask is None and attention_mask is None and self.sliding_window is None
        scale = 1.0 / math.sqrt(float(self.head_dim))
        dropout = self.dropout if training else 0.0
        additive = None
        if keep is not None:
            if keep.dim() == 3:
                keep = keep.unsqueeze(1)  # broadcast over heads
            additive = torch.zeros(keep.shape, dtype=q.dtype, device=q.device).masked_fill(
                ~keep, _large_negative(q.dtype))
        scores = None
        if return_attention_scores or self.dropout > 0.0:
            # Keras's einsum + masked-Softmax path: probabilities multiplied by the mask.
            logits = torch.matmul(q * scale, k.transpose(-1, -2))
            if additive is not None:
                logits = logits + additive
            scores = torch.softmax(logits, dim=-1)
            if keep is not None:
                scores = scores * keep
            probs = F.dropout(scores, dropout, training=True) if dropout else scores
            attended = torch.matmul(probs, v)
        else:
            # Keras's dot-product-attention path: a fully masked row attends uniformly.
            with _sdpa_backends(self._flash_attention):
                attended = F.scaled_dot_product_attention(q, k, v, attn_mask=None if causal_only else additive,
                                                          is_causal=causal_only, scale=scale)
        attended = attended.transpose(1, 2)
        if gate is not None:
            attended = attended * gate
        output = self._output_dense(attended)
        if return_attention_scores:
            return output, scores
        return output

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(f"GroupQueryAttention layer '{self.name}': the last dimension of `query_shape` and "
                             f"`value_shape` must be equal, but are {query_shape[-1]}, {value_shape[-1]}. Received: "
                             f"query_shape={tuple(query_shape)}, value_shape={tuple(value_shape)}")
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"GroupQueryAttention layer '{self.name}': all dimensions of `value` and `key`, except "
                             f"the last one, must be equal. Received: value_shape={tuple(value_shape)} and "
                             f"key_shape={tuple(key_shape)}")
        query_shape = tuple(query_shape)
        if getattr(self, "_shape_with_scores", False):
            return query_shape, (query_shape[0], self.num_query_heads, query_shape[1], tuple(key_shape)[1])
        return query_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads, "use_bias": self.use_bias, "use_gate": self.use_gate,
            "sliding_window": self.sliding_window, "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        })
        return config


# Keras's own class name (not exported by Keras; kept for code written against keras.src).
GroupedQueryAttention = GroupQueryAttention
