"""`ReversibleEmbedding`: an embedding whose matrix also projects vectors back to vocabulary logits."""

import torch

from lamina import backend
from lamina.layers.core.embedding import Embedding
from lamina.quantizers import quantizers as q
from lamina.quantizers.quantization_config import QuantizationConfig, get_block_size_for_layer

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

    Quantization (`quantize("int8" | "int4")`, as Keras): the embeddings as `Embedding`'s, an
    untied `reverse_embeddings` quantized per vocabulary column (int4: packed along its first
    axis), and the reverse matmul's inputs quantized by an `AbsMaxQuantizer` by default.

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
        if self.built:
            return
        super().build(input_shape)
        if not self.tie_weights and self.quantization_mode not in ("int8", "int4"):
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
        if self.quantization_mode in ("int8", "int4"):
            return self._quantized_reverse(inputs)
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

    # ------------------------------------------------------------------ quantization

    @property
    def variable_serialization_spec(self):
        spec = {mode: list(names) for mode, names in super().variable_serialization_spec.items()}
        if not self.tie_weights:
            for mode, names in spec.items():
                names.append("reverse_embeddings")
                if mode in ("int8", "int4"):
                    names.append("reverse_embeddings_scale")
                if mode == "int4":
                    names.append("reverse_embeddings_zero")
        return spec

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantizes the embeddings (and an untied `reverse_embeddings`) to int8 or int4, as Keras.

        Example:
            >>> emb = ReversibleEmbedding(100, 8, tie_weights=False); emb.build(); emb.quantize("int8")
        """
        if type_check and type(self) is not ReversibleEmbedding:
            raise NotImplementedError(f"Layer {type(self).__name__} does not have a `quantize` method implemented.")
        config = self._resolve_quantize_args(mode, config, ("int8", "int4"))
        reverse = None
        if not self.tie_weights:
            reverse = self._quantize_reverse(self._parameters["reverse_embeddings"].detach(), config)
            self._drop_weight("reverse_embeddings")
        self._quantize_table(config)
        if reverse is not None:
            with torch.no_grad():
                for name, value in zip(("reverse_embeddings", "reverse_embeddings_scale", "reverse_embeddings_zero"),
                                       reverse):
                    if value is not None:
                        param = self._parameters[name]
                        param.copy_(value.to(device=param.device, dtype=param.dtype))

    def _quantize_reverse(self, table, config):
        block_size = getattr(config, "block_size", None)
        if config.mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(config, q.AbsMaxQuantizer(axis=0))
            values, scale = quantizer(table, to_numpy=True)
            return values, scale.squeeze(0), None
        zero = None
        if block_size is None or block_size == -1:
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, q.AbsMaxQuantizer(axis=0, value_range=(-8, 7), output_dtype="int8"))
            values, scale = quantizer(table, to_numpy=True)
            scale = scale.squeeze(0)
        else:
            values, scale, zero = q.abs_max_quantize_grouped_with_zero_point(table, block_size=block_size,
                                                                             to_numpy=True)
        return q.pack_int4(values, axis=0)[0], scale, zero

    def _quantized_build(self, shape, mode, config):
        super()._quantized_build(shape, mode, config)
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, q.AbsMaxQuantizer(axis=-1))
        if self.tie_weights:
            return
        if mode == "int8":
            self._add_quantized("reverse_embeddings", (self.output_dim, self.input_dim), "int8")
            self._add_quantized("reverse_embeddings_scale", (self.input_dim,), None, initializer="ones")
            return
        self._add_quantized("reverse_embeddings", ((self.output_dim + 1) // 2, self.input_dim), "int8")
        block_size = get_block_size_for_layer(self, config)
        grouped = block_size is not None and block_size != -1
        scale_shape = (-(-self.output_dim // block_size), self.input_dim) if grouped else (self.input_dim,)
        self._add_quantized("reverse_embeddings_scale", scale_shape, None, initializer="ones")
        if grouped:
            # float32 zero points, as Keras creates them
            self._add_quantized("reverse_embeddings_zero", scale_shape, None)

    def _quantized_reverse(self, inputs):
        compute = backend.to_torch_dtype(self.compute_dtype)
        mode = self.quantization_mode
        block_size = getattr(self, "_int4_block_size", None)
        grouped = mode == "int4" and block_size not in (None, -1)
        if self.tie_weights:
            kernel = self._parameters["embeddings"].t()
            scale = self.embeddings_scale if grouped else self.embeddings_scale.t()
        else:
            kernel, scale = self.reverse_embeddings, self.reverse_embeddings_scale
        if mode == "int4":
            kernel = q.unpack_int4(kernel, self.output_dim, axis=0)
        if self.inputs_quantizer is not None:
            inputs, inputs_scale = self.inputs_quantizer(inputs)
        else:
            inputs_scale = torch.ones((1,), dtype=compute, device=inputs.device)
        if not grouped:
            logits = (inputs.to(torch.float32) @ kernel.to(torch.float32)).to(compute)
            logits = logits / (inputs_scale * scale).to(compute)
        else:
            if self.tie_weights:
                scale_t, zero_t = scale.t(), self.embeddings_zero.t()
            else:
                scale_t, zero_t = scale, self.reverse_embeddings_zero
            float_kernel = q.dequantize_with_sz_map(kernel.to(compute), scale_t.to(compute), zero_t, self.g_idx,
                                                    group_axis=0)
            logits = (inputs.to(compute) @ float_kernel) / inputs_scale.to(compute)
        if self.logit_soft_cap is not None:
            logits = torch.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits
