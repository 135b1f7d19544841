"""`Embedding`: integer indices -> dense vectors, optionally masking index 0."""

import torch.nn.functional as F

from lamina import constraints, initializers, regularizers
from lamina.layers.layer import Layer

__all__ = ["Embedding"]


class Embedding(Layer):
    """Turns non-negative integers (indices) into dense vectors of fixed size.

    Args:
        input_dim: vocabulary size (largest index + 1).
        output_dim: size of each embedding vector.
        embeddings_initializer: initializer of the `(input_dim, output_dim)`
            matrix (default `"uniform"`, i.e. uniform in [-0.05, 0.05]).
        embeddings_regularizer, activity_regularizer: optional penalties.
        embeddings_constraint: optional constraint.
        mask_zero: whether index 0 is padding: the layer then produces a mask
            `inputs != 0` that downstream layers (RNNs, attention, pooling) use.
        weights: optional initial `[embeddings]` array.

    Shapes:
        `(batch, ...)` integers -> `(batch, ..., output_dim)`.

    Example:
        >>> Embedding(1000, 64)(torch.randint(0, 1000, (32, 10))).shape
        torch.Size([32, 10, 64])
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        kwargs.pop("input_length", None)  # Keras 2 argument, ignored by Keras 3
        super().__init__(**kwargs)
        for label, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"Embedding layer '{self.name}': `{label}` must be a positive int, received "
                    f"{label}={value!r}."
                )
        if lora_rank is not None:
            raise ValueError(f"Embedding layer '{self.name}': LoRA (lora_rank) is not supported by lamina.")
        if quantization_config is not None:
            raise ValueError(f"Embedding layer '{self.name}': quantization is not supported by lamina.")
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        if weights is not None:
            self._initial_weights = weights

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint, name="embeddings")
        self.built = True

    def call(self, inputs):
        if inputs.is_floating_point():
            inputs = inputs.long()
        # The eager `_keras_mask` is attached by Layer.forward from `compute_mask`.
        return F.embedding(inputs, self.embeddings)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def compute_output_dtype(self, input_dtype):
        return self.compute_dtype

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        })
        return config
