"""`ReversibleEmbedding`: an embedding whose matrix also projects vectors back to vocabulary logits."""

import torch

from lamina.layers.core.embedding import Embedding

__all__ = ["ReversibleEmbedding"]


class ReversibleEmbedding(Embedding):
    """An `Embedding` that can be called in reverse: `layer(hidden, reverse=True)` gives logits.

    Typical for language models whose output projection is the (tied) input embedding.

    Args:
        input_dim: vocabulary size.
        output_dim: embedding size.
        tie_weights: reverse with the transposed `embeddings` (default True); if False a separate
            `reverse_embeddings` weight of shape `(output_dim, input_dim)` is learned.
        embeddings_initializer, embeddings_regularizer, embeddings_constraint, mask_zero: as `Embedding`.
        reverse_dtype: dtype name both operands are cast to for the reverse matmul (default None:
            the compute dtype).
        logit_soft_cap: if set, reverse logits become `tanh(logits / cap) * cap`.

    Shapes:
        forward: `(batch, ...)` ints -> `(batch, ..., output_dim)`;
        reverse: `(batch, ..., output_dim)` -> `(batch, ..., input_dim)`.

    Example:
        >>> emb = ReversibleEmbedding(100, 8)
        >>> emb(emb(torch.ones(2, 5, dtype=torch.long)), reverse=True).shape
        torch.Size([2, 5, 100])
    """

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero, **kwargs)
        if reverse_dtype is not None:
            from lamina.backend.dtypes import standardize_dtype

            standardize_dtype(reverse_dtype)  # fails early, naming the dtype
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(shape=(self.output_dim, self.input_dim),
                                                      initializer=self.embeddings_initializer,
                                                      name="reverse_embeddings", trainable=True)
        self.built = True

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        if inputs.shape[-1] != self.output_dim:
            raise ValueError(f"ReversibleEmbedding layer '{self.name}': a reverse call expects inputs whose last "
                             f"axis is output_dim={self.output_dim}, received shape {tuple(inputs.shape)}.")
        kernel = self.embeddings.t() if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            from lamina.backend.dtypes import standardize_dtype

            dtype = standardize_dtype(self.reverse_dtype)
            inputs, kernel = inputs.to(dtype), kernel.to(dtype)
        else:
            kernel = kernel.to(inputs.dtype)
        logits = torch.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            logits = torch.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits

    def compute_mask(self, inputs, mask=None):
        # Keras attaches the forward mask inside `call`; a reverse call passes no mask on.
        return super().compute_mask(inputs, mask) if not getattr(self, "_reverse_call", False) else None

    def __call__(self, *args, reverse=False, **kwargs):
        if not reverse:
            return super().__call__(*args, **kwargs)
        self._reverse_call = True
        try:
            return super().__call__(*args, reverse=True, **kwargs)
        finally:
            self._reverse_call = False

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return tuple(input_shape[:-1]) + (self.input_dim,)
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({"tie_weights": self.tie_weights, "reverse_dtype": self.reverse_dtype,
                       "logit_soft_cap": self.logit_soft_cap})
        return config
