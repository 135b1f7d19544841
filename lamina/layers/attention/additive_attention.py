"""`AdditiveAttention`: Bahdanau-style attention over `[query, value(, key)]`."""

import torch

from lamina.layers.attention.attention import Attention

__all__ = ["AdditiveAttention"]


class AdditiveAttention(Attention):
    """Additive attention layer, a.k.a. Bahdanau-style attention.

    `scores = sum(scale * tanh(query[:, :, None] + key[:, None]), axis=-1)` with a
    learned `scale` vector of size `dim` (`use_scale=True`, the default), then
    the masking, softmax and weighting of `Attention`.

    Args:
        use_scale: learn a per-feature scale (default True).
        dropout: dropout rate on the attention weights.

    Shapes:
        query `(B, Tq, dim)`, value/key `(B, Tv, dim)` -> `(B, Tq, dim)`.

    Example:
        >>> AdditiveAttention()([torch.ones(2, 4, 6), torch.ones(2, 5, 6)]).shape
        torch.Size([2, 4, 6])
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        dim = input_shape[0][-1]
        if self.use_scale:
            self.scale = self.add_weight(shape=(dim,), initializer="glorot_uniform", name="scale")
        self.built = True

    def _calculate_scores(self, query, key):
        tanh = torch.tanh(query.unsqueeze(-2) + key.unsqueeze(-3))
        if self.use_scale:
            tanh = self.scale * tanh
        return tanh.sum(dim=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
