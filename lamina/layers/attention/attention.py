"""`Attention`: Luong-style (dot-product) attention over `[query, value(, key)]`."""

import torch
import torch.nn.functional as F

from lamina.backend.call_context import CALL_CONTEXT
from lamina.layers.layer import Layer

__all__ = ["Attention"]


class Attention(Layer):
    """Dot-product attention layer, a.k.a. Luong-style attention.

    `scores = query @ key^T` (times a learned scalar `scale` with `use_scale`;
    `score_mode="concat"` uses `sum(tanh(query + key))` times a learned
    scalar), masked value steps get `-1e9`, `softmax` over the value axis, and
    the result is `weights @ value`, zeroed at masked query steps.

    Args:
        use_scale: learn a scalar multiplying the scores.
        score_mode: `"dot"` (default) or `"concat"`.
        dropout: dropout rate on the attention weights.
        seed: accepted for Keras compatibility.

    Call arguments:
        inputs: `[query, value]` or `[query, value, key]`.
        mask: `[query_mask, value_mask]` (taken from the inputs' masks when omitted).
        training, return_attention_scores, use_causal_mask.

    Shapes:
        query `(B, Tq, dim)`, value/key `(B, Tv, dim)` -> `(B, Tq, dim)`; scores `(B, Tq, Tv)`.

    Example:
        >>> Attention()([torch.ones(2, 4, 6), torch.ones(2, 5, 6)]).shape
        torch.Size([2, 4, 6])
    """

    supports_masking = True

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(
                f"Invalid value for argument score_mode. Expected one of {{'dot', 'concat'}}. "
                f"Received: score_mode={score_mode}"
            )
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(f"{type(self).__name__} layer '{self.name}': `dropout` must be a float between 0 "
                             f"and 1, received dropout={dropout!r}.")
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(shape=(), initializer="ones", name="concat_score_weight")
        self.built = True

    def _validate_inputs(self, inputs, mask=None):
        class_name = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"{class_name} layer must be called on a list of inputs, namely [query, value] or "
                f"[query, value, key]. Received: inputs={inputs}."
            )
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(
                f"{class_name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                f"[query, value, key]. Received length: {len(inputs)}."
            )
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(
                    f"{class_name} layer mask must be a list, namely [query_mask, value_mask]. Received: "
                    f"mask={mask}."
                )
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(
                    f"{class_name} layer accepts mask list of length 2 or 3. Received: inputs={inputs}, "
                    f"mask={mask}."
                )

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = torch.matmul(query, key.transpose(-1, -2))
            if self.use_scale:
                scores = scores * self.scale
            return scores
        summed = query.unsqueeze(-2) + key.unsqueeze(-3)
        if self.use_scale:
            summed = self.scale * summed
        return self.concat_score_weight * torch.tanh(summed).sum(dim=-1)

    def call(self, inputs, mask=None, training=None, return_attention_scores=False, use_causal_mask=False):
        if mask is None and CALL_CONTEXT.masking and isinstance(inputs, (list, tuple)):
            masks = [getattr(t, "_keras_mask", None) for t in inputs]
            mask = masks if any(m is not None for m in masks) else None
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        q_mask = mask[0] if mask is not None else None
        v_mask = mask[1] if mask is not None else None
        scores = self._calculate_scores(query, key)
        scores_mask = v_mask.bool().unsqueeze(-2) if v_mask is not None else None
        if use_causal_mask:
            causal = torch.ones(scores.shape[-2:], dtype=torch.bool, device=scores.device).tril().unsqueeze(0)
            scores_mask = causal if scores_mask is None else causal & scores_mask
        if scores_mask is not None:
            big = 65504.0 if scores.dtype == torch.float16 else 1.0e9
            scores = scores - big * (~scores_mask).to(scores.dtype)
        weights = torch.softmax(scores, dim=-1)
        dropped = F.dropout(weights, self.dropout, training=True) if training and self.dropout > 0 else weights
        result = torch.matmul(dropped, value)
        if q_mask is not None:
            result = result * q_mask.unsqueeze(-1).to(result.dtype)
        if return_attention_scores:
            return result, weights
        return result

    def __call__(self, *args, **kwargs):
        if not kwargs.get("return_attention_scores"):
            return super().__call__(*args, **kwargs)
        # compute_output_shape (Keras's signature has no call flags) learns about the scores here.
        self.__dict__["_shape_with_scores"] = True
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self.__dict__["_shape_with_scores"] = False

    def compute_output_shape(self, input_shape):
        """`(*query_shape[:-1], value_shape[-1])`, plus the scores' `(*query_shape[:-1], Tv)`
        when a symbolic call asked for `return_attention_scores`."""
        self._validate_inputs(input_shape)
        query_shape, value_shape = tuple(input_shape[0]), tuple(input_shape[1])
        output_shape = query_shape[:-1] + (value_shape[-1],)
        if getattr(self, "_shape_with_scores", False):
            return output_shape, query_shape[:-1] + (value_shape[-2],)
        return output_shape

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return mask[0]

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode, "dropout": self.dropout,
                       "seed": self.seed})
        return config
