"""`MultiHeadAttention`: Keras 3's multi-head attention on `F.scaled_dot_product_attention`."""

import contextlib
import math

import torch
import torch.nn.functional as F

from lamina import backend, constraints, initializers, regularizers
from lamina.layers.attention._head_dense import HeadDense, project
from lamina.backend.config import is_flash_attention_enabled
from lamina.layers.layer import Layer

__all__ = ["MultiHeadAttention"]



def _large_negative(dtype):
    """Keras's masked-logit value: -1e9, or -3e4 where float16 would overflow to -inf."""
    return -3e4 if dtype == torch.float16 else -1e9


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al., 2017), weight-compatible with Keras 3.

    Projections are `query_dense`, `key_dense`, `value_dense` (kernels of Keras
    shape `(dim, num_heads, key_dim|value_dim)`, biases `(num_heads, dim)`) and
    `output_dense` (kernel `(num_heads, value_dim, output_dim)`, bias
    `(output_dim,)`), in this weight order. Attention runs through torch's
    `scaled_dot_product_attention`; masks become Keras's additive `-1e9`. A
    query row whose keys are all masked follows Keras 3: it attends uniformly
    for sequences without dropout or returned scores, and to nothing (the
    output is the output bias) otherwise.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default `key_dim`).
        dropout: dropout rate on the attention probabilities.
        use_bias: whether the projections use biases.
        output_shape: output size (int or tuple) excluding batch and sequence
            axes; default the query's last dimension.
        attention_axes: axes over which attention is applied (default: all
            axes but batch, heads and features).
        sliding_window: None (default) or a positive int `w`: each query position attends only
            to key positions less than `w` away (a symmetric band, combined with the other masks;
            with `use_causal_mask`, the causal sliding window). Sequences `(B, T, dim)` only.
        flash_attention: `True` runs torch's flash SDPA kernel only (an error if the inputs or
            device do not allow it; no dropout, no returned scores); `False` excludes it; `None`
            (default) follows `keras.config.disable_flash_attention()`, else lets torch choose.
        kernel_initializer, bias_initializer, kernel_regularizer,
            bias_regularizer, activity_regularizer, kernel_constraint,
            bias_constraint: for the projections.
        use_gate: gated attention (Keras): the attended values are multiplied by
            `sigmoid(gate(query))` before the output projection; the `(num_heads, value_dim)`
            projection is `_gate_dense` (Keras's saved name), created between key and value.
        seed: accepted for Keras compatibility.

    Call arguments:
        query `(B, T, dim)`, value `(B, S, dim)`, key (default value),
        query_mask / value_mask / key_mask (boolean `(B, T)` / `(B, S)`, taken
        from the inputs' Keras masks when not given), attention_mask (boolean
        `(B, T, S)`; with `attention_axes` on higher-rank inputs
        `(B, *other axes, *query attention axes, *key attention axes)`, leading
        axes broadcast as in Keras), return_attention_scores, training,
        use_causal_mask (sequences only).

    Shapes:
        output `(B, T, output_dim)`; scores `(B, num_heads, T, S)`.

    Example:
        >>> mha = MultiHeadAttention(num_heads=2, key_dim=4)
        >>> mha(torch.ones(2, 5, 8), torch.ones(2, 3, 8)).shape
        torch.Size([2, 5, 8])
    """

    # As in Keras, the output (one row per query position) carries the query's mask.
    supports_masking = True

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for label, value in (("num_heads", num_heads), ("key_dim", key_dim), ("value_dim", value_dim)):
            if value is None and label == "value_dim":
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"MultiHeadAttention layer '{self.name}': `{label}` must be a positive int, "
                                 f"received {label}={value!r}.")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(f"MultiHeadAttention layer '{self.name}': `dropout` must be a float between 0 "
                             f"and 1, received dropout={dropout!r}.")
        self.use_gate = bool(use_gate)
        if sliding_window is not None and (not isinstance(sliding_window, int) or isinstance(sliding_window, bool)
                                           or sliding_window <= 0):
            raise ValueError(f"MultiHeadAttention layer '{self.name}': `sliding_window` must be None or a positive "
                             f"int, received sliding_window={sliding_window!r}.")
        self._sliding_window = sliding_window
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim if value_dim is not None else key_dim
        self.dropout = float(dropout)
        self.use_bias = use_bias
        if output_shape is not None and not isinstance(output_shape, int):
            output_shape = tuple(output_shape)
        self._output_shape = output_shape
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        self._attention_axes = tuple(attention_axes) if attention_axes is not None else None
        # As Keras: an explicit True wins, else the global flag (None: let torch choose; False after
        # keras.config.disable_flash_attention()).
        self._flash_attention = flash_attention or is_flash_attention_enabled()
        if self._flash_attention and dropout > 0.0:
            raise ValueError(
                f"MultiHeadAttention layer '{self.name}': dropout is not supported when flash attention is "
                f"enabled (flash_attention=True, dropout={dropout}). Set dropout=0.0 to use flash attention."
            )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed

    @property
    def attention_axes(self):
        return self._attention_axes

    def _dense(self, name, in_dims, out_dims):
        return HeadDense(in_dims, out_dims, self.use_bias, self.kernel_initializer, self.bias_initializer,
                         self.kernel_regularizer, self.bias_regularizer, self.kernel_constraint,
                         self.bias_constraint, name=name, dtype=self._dtype_policy_name)

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        # Keras's build creates a Softmax and a Dropout sub-layer, which take the next automatic
        # "softmax"/"dropout" names; taking them too keeps later layers' names equal to Keras's.
        backend.unique_name("softmax")
        backend.unique_name("dropout")
        rank = len(query_shape)
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 1))
        axes = tuple(a % rank for a in self._attention_axes)
        if any(a in (0, rank - 1) for a in axes):
            raise ValueError(f"MultiHeadAttention layer '{self.name}': attention_axes {self._attention_axes} "
                             f"must not include the batch or feature axis for inputs of rank {rank}.")
        self._axes = axes
        # (batch, seq, features) attending over seq, the common case: heads move with one transpose.
        self._sequence_only = rank == 3 and axes == (1,)
        heads = self.num_heads
        self.query_dense = self._dense("query", (query_shape[-1],), (heads, self.key_dim))
        self.key_dense = self._dense("key", (key_shape[-1],), (heads, self.key_dim))
        if self.use_gate:  # created between key and value, Keras's weight order
            self._gate_dense = self._dense("gate", (query_shape[-1],), (heads, self.value_dim))
        self.value_dense = self._dense("value", (value_shape[-1],), (heads, self.value_dim))
        out = self._output_shape if self._output_shape is not None else query_shape[-1]
        out = (out,) if isinstance(out, int) else tuple(out)
        self.output_dense = self._dense("attention_output", (heads, self.value_dim), out)
        self.built = True

    def __call__(self, *args, **kwargs):
        # Keras fills query/value/key masks from the inputs' masks (symbolic or eager).
        values = dict(zip(("query", "value", "key"), args))
        for arg, mask_arg in (("query", "query_mask"), ("value", "value_mask"), ("key", "key_mask")):
            tensor = values.get(arg, kwargs.get(arg))
            mask = getattr(tensor, "_keras_mask", None)
            if mask is not None and kwargs.get(mask_arg) is None:
                kwargs[mask_arg] = mask
        # compute_output_shape (Keras's signature has no call flags) learns about the scores here.
        if not kwargs.get("return_attention_scores"):
            return super().__call__(*args, **kwargs)
        self.__dict__["_shape_with_scores"] = True
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self.__dict__["_shape_with_scores"] = False

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        """Output shape `query_shape[:-1] + output_shape` (and the scores' shape when a symbolic
        call asked for `return_attention_scores`)."""
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        out = self._output_shape if self._output_shape is not None else query_shape[-1]
        out = (out,) if isinstance(out, int) else tuple(out)
        output_shape = query_shape[:-1] + out
        if not getattr(self, "_shape_with_scores", False):
            return output_shape
        rank = len(query_shape)
        axes = [a % rank for a in (self._attention_axes or range(1, rank - 1))]
        other = [query_shape[a] for a in range(1, rank - 1) if a not in axes]
        scores = ((query_shape[0],) + tuple(other) + (self.num_heads,) + tuple(query_shape[a] for a in axes)
                  + tuple(value_shape[a] for a in axes))
        return output_shape, scores

    # ------------------------------------------------------------------ computation

    def _to_heads(self, projected):
        """(B, *dims, H, D) -> (B, *other, H, L, D): attention axes flattened into L."""
        if self._sequence_only:
            return projected.transpose(1, 2)
        rank = projected.dim() - 1  # rank of the input
        other = [a for a in range(1, rank - 1) if a not in self._axes]
        order = [0] + other + [rank - 1] + list(self._axes) + [rank]
        moved = projected.permute(order)
        lead = 1 + len(other) + 1
        return moved.flatten(lead, lead + len(self._axes) - 1)

    def _mask(self, query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask):
        """Keras's combined boolean mask: `(B, T, S)` for sequences, in general
        `(B, *other dims, *query attention dims, *key attention dims)` (or None)."""
        auto = None
        if query_mask is not None:
            auto = query_mask.bool().unsqueeze(-1)
        for extra in (value_mask, key_mask):
            if extra is not None:
                extra = extra.bool().unsqueeze(-2)
                auto = extra if auto is None else auto & extra
        if use_causal_mask:
            causal = torch.ones((query.shape[1], value.shape[1]), dtype=torch.bool, device=query.device).tril()
            causal = causal[None]
            auto = causal if auto is None else auto & causal
        if self._sliding_window is not None:
            # Keras's symmetric band: |i - j| < sliding_window; with the causal mask, the usual
            # causal sliding window.
            rows = torch.arange(query.shape[1], device=query.device)[:, None]
            cols = torch.arange(value.shape[1], device=query.device)[None, :]
            band = ((rows - cols).abs() < self._sliding_window)[None]
            auto = band if auto is None else auto & band
        if auto is not None and attention_mask is not None:
            return attention_mask.bool() & auto
        return auto if auto is not None else (attention_mask.bool() if attention_mask is not None else None)

    def _heads_mask(self, mask, query, key):
        """The boolean mask in the heads layout `(B, *other, H, Lq, Lk)` (size-1 axes broadcast).

        As Keras does, missing leading axes are inserted just before the attention axes (at the
        heads position), so `(B, T, S)` masks broadcast over heads and, for higher-rank inputs,
        `(B, *query attention dims, *key attention dims)` masks also over the other axes.
        """
        n = len(self._axes)
        rank = query.dim()
        other = [query.shape[a] for a in range(1, rank - 1) if a not in self._axes]
        q_attn = [query.shape[a] for a in self._axes]
        k_attn = [key.shape[a] for a in self._axes]
        target = (query.shape[0], *other, self.num_heads, *q_attn, *k_attn)
        given = tuple(mask.shape)
        while mask.dim() < len(target):
            mask = mask.unsqueeze(-2 * n - 1)
        if mask.dim() != len(target) or any(d not in (1, t) for d, t in zip(mask.shape, target)):
            expected = tuple(target[:1 + len(other)] + target[2 + len(other):])
            described = ("(batch, query_len, value_len)" if rank == 3 and n == 1 else
                         "(batch, *other axes, *query attention axes, *key attention axes)")
            raise ValueError(f"MultiHeadAttention layer '{self.name}': the attention mask must broadcast "
                             f"to {described} = {expected}; got a mask of shape {given}.")
        if n > 1:  # flatten the attention axes as `_to_heads` does (broadcast axes made real first)
            mask = mask.expand(*mask.shape[:-2 * n], *target[-2 * n:])
            mask = mask.flatten(-n, -1).flatten(-n - 1, -2)
        return mask

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False):
        key = value if key is None else key
        q = self._to_heads(project(self.query_dense, query))
        k = self._to_heads(project(self.key_dense, key))
        v = self._to_heads(project(self.value_dense, value))
        has_mask = (query_mask is not None or value_mask is not None or key_mask is not None
                    or attention_mask is not None or self._sliding_window is not None)
        if use_causal_mask and query.dim() != 3:
            raise ValueError(f"MultiHeadAttention layer '{self.name}': use_causal_mask=True needs inputs of shape "
                             f"(batch, seq, dim); received query of shape {tuple(query.shape)}. Pass an explicit "
                             f"`attention_mask` for other ranks.")
        if self._sliding_window is not None and query.dim() != 3:
            raise ValueError(f"MultiHeadAttention layer '{self.name}': sliding_window={self._sliding_window} needs "
                             f"inputs of shape (batch, seq, dim); received query of shape {tuple(query.shape)}. "
                             f"Pass an explicit banded `attention_mask` for other ranks.")
        scale = 1.0 / math.sqrt(self.key_dim)
        dropout = self.dropout if training else 0.0
        keep = additive = None
        if has_mask or (use_causal_mask and return_attention_scores):
            keep = self._mask(query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask)
            keep = self._heads_mask(keep, query, key)
            additive = torch.zeros(keep.shape, dtype=q.dtype, device=q.device).masked_fill(
                ~keep, _large_negative(q.dtype))
        # Keras runs sequences without dropout or scores through its dot-product-attention op, where
        # a fully masked query row attends uniformly; everywhere else its masked Softmax multiplies
        # the probabilities by the mask, so such a row attends to nothing (outputs the bias).
        zero_masked_rows = keep is not None and not (self.dropout == 0 and not return_attention_scores
                                                     and query.dim() == 3)
        scores = None
        if return_attention_scores and self._flash_attention:
            raise ValueError(
                f"MultiHeadAttention layer '{self.name}': returning attention scores is not supported when "
                "flash attention is enabled (flash_attention=True). Create the layer with "
                "flash_attention=None or False to get the scores."
            )
        if return_attention_scores:
            logits = torch.matmul(q * scale, k.transpose(-1, -2))
            if additive is not None:
                logits = logits + additive
            scores = torch.softmax(logits, dim=-1)
            if zero_masked_rows:
                scores = scores * keep
            probs = F.dropout(scores, dropout, training=True) if dropout else scores
            attended = torch.matmul(probs, v)
        else:
            causal = use_causal_mask and additive is None
            with _sdpa_backends(self._flash_attention):
                attended = F.scaled_dot_product_attention(q, k, v, attn_mask=additive, dropout_p=dropout,
                                                          is_causal=causal, scale=scale)
            if zero_masked_rows:
                attended = attended * keep.any(dim=-1, keepdim=True)
        attended = self._from_heads(attended, query)
        if self.use_gate:
            # Keras's gated attention: sigmoid(gate(query)) per head and value channel.
            attended = attended * torch.sigmoid(project(self._gate_dense, query)).flatten(-2)
        output = project(self.output_dense, attended)
        if return_attention_scores:
            # Keras's layout: (batch, *other, heads, *query attention dims, *key attention dims).
            lead = scores.dim() - 2
            scores = scores.unflatten(lead + 1, [key.shape[a] for a in self._axes])
            scores = scores.unflatten(lead, [query.shape[a] for a in self._axes])
            return output, scores
        return output

    def _from_heads(self, attended, query):
        """(B, *other, H, L, Dv) -> (B, *query_dims, H * Dv), undoing `_to_heads`."""
        if self._sequence_only:
            return attended.transpose(1, 2).flatten(-2)
        rank = query.dim()
        other = [a for a in range(1, rank - 1) if a not in self._axes]
        attn_sizes = [query.shape[a] for a in self._axes]
        lead = 1 + len(other) + 1
        x = attended.unflatten(lead, attn_sizes)  # (B, *other, H, *attn, Dv)
        order = [0] + other + [rank - 1] + list(self._axes) + [rank]
        inverse = [order.index(i) for i in range(rank + 1)]
        x = x.permute(inverse)  # (B, *query_dims, H, Dv)
        return x.flatten(-2)

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "output_shape": list(self._output_shape) if isinstance(self._output_shape, tuple) else self._output_shape,
            "attention_axes": list(self._attention_axes) if self._attention_axes is not None else None,
            "sliding_window": self._sliding_window,
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


def _sdpa_backends(flash_attention):
    """Which kernels `scaled_dot_product_attention` may use: only flash when `flash_attention` is
    True (torch raises if the inputs do not allow it), all but flash when False, torch's own
    choice when None (no context: nothing changes on the default path, nor for torch.compile)."""
    if flash_attention is None:
        return contextlib.nullcontext()
    from torch.nn.attention import SDPBackend, sdpa_kernel

    if flash_attention:
        return sdpa_kernel([SDPBackend.FLASH_ATTENTION])
    return sdpa_kernel([b for b in (SDPBackend.EFFICIENT_ATTENTION, SDPBackend.CUDNN_ATTENTION,
                                    SDPBackend.MATH) if b is not None])
