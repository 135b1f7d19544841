"""`Embedding`: integer indices -> dense vectors, optionally masking index 0."""

import torch
import torch.nn.functional as F

from lamina import backend, constraints, initializers, regularizers
from lamina.layers.core.lora_quant import LoraQuantMixin, requantize_merged, serialize_quantization_config
from lamina.layers.layer import Layer
from lamina.quantizers import quantizers as q
from lamina.quantizers.quantization_config import QuantizationConfig, get_block_size_for_layer

__all__ = ["Embedding"]


class Embedding(LoraQuantMixin, Layer):
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
        lora_rank: if set, LoRA is enabled at build with this rank (see `enable_lora`).
        lora_alpha: LoRA scale numerator (default `lora_rank`).
        quantization_config: a `lamina.quantizers.QuantizationConfig` used when the layer is
            built with a quantized dtype policy.

    LoRA adds `lora_embeddings_a (input_dim, rank)` and `lora_embeddings_b (rank, output_dim)`
    (the embeddings frozen); `quantize("int8" | "int4")` stores int8 (or packed int4) rows with a
    per-row `embeddings_scale` (int4 in groups of `block_size` columns: zero points and `g_idx`).

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
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.quantization_config = quantization_config
        if weights is not None:
            self._initial_weights = weights

    _lora_weight = "embeddings"

    def build(self, input_shape=None):
        if self.built:
            return
        shape = (self.input_dim, self.output_dim)
        mode = self.quantization_mode
        if mode is not None:
            self._quantized_build(shape, mode, self.quantization_config)
        else:
            self.add_weight(shape=shape, initializer=self.embeddings_initializer,
                            regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint,
                            name="embeddings")
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank)

    @property
    def embeddings(self):
        """The embeddings variable; with LoRA on, `embeddings + (alpha / rank) * A @ B` (a tensor);
        int4: the unpacked int8 values."""
        params = self.__dict__["_parameters"]
        if "embeddings" not in params:
            raise AttributeError("You must build the layer before accessing `embeddings`.")
        embeddings = params["embeddings"]
        if self.quantization_mode == "int4":
            embeddings = q.unpack_int4(embeddings, self._orig_output_dim, axis=-1)
        if self.lora_enabled:
            delta = (self.lora_alpha / self.lora_rank) * (self.lora_embeddings_a @ self.lora_embeddings_b)
            embeddings = (embeddings + delta).to(backend.to_torch_dtype(self.compute_dtype))
        return embeddings

    def call(self, inputs):
        if inputs.is_floating_point():
            inputs = inputs.long()
        # The eager `_keras_mask` is attached by Layer.forward from `compute_mask`.
        if self._quantized_policy is not None:
            outputs = self._dequantized_rows(inputs)
        else:
            outputs = F.embedding(inputs, self._parameters["embeddings"])
        if self.lora_enabled:
            scale = self.lora_alpha / self.lora_rank
            lora = F.embedding(inputs, self.lora_embeddings_a) @ self.lora_embeddings_b
            outputs = (outputs + scale * lora).to(backend.to_torch_dtype(self.compute_dtype))
        return outputs

    def _dequantized_rows(self, inputs):
        compute = backend.to_torch_dtype(self.compute_dtype)
        rows = self._parameters["embeddings"][inputs]
        if self.quantization_mode == "int4":
            rows = q.unpack_int4(rows, self._orig_output_dim, axis=-1)
        scale = self.embeddings_scale.reshape(self.input_dim, -1)[inputs]
        if getattr(self, "_int4_block_size", None) not in (None, -1) and self.quantization_mode == "int4":
            zero = self.embeddings_zero[inputs]
            return q.dequantize_with_sz_map(rows.to(compute), scale.to(compute), zero, self.g_idx, group_axis=-1)
        return rows.to(compute) / scale.to(compute)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freezes the embeddings and adds a trainable low-rank delta `(lora_alpha / rank) * A @ B`.

        Args:
            rank: rank of `lora_embeddings_a (input_dim, rank)` and `lora_embeddings_b (rank, output_dim)`.
            lora_alpha: scale numerator (default `rank`).
            a_initializer, b_initializer: initializers of A and B (B zeros: the layer starts unchanged).

        Example:
            >>> layer = Embedding(100, 8); layer.build(); layer.enable_lora(2)
        """
        self._check_enable_lora(self.embeddings_constraint, "embeddings")
        self.lora_embeddings_a = self.add_weight(name="lora_embeddings_a", shape=(self.input_dim, rank),
                                                 initializer=initializers.get(a_initializer), dtype="float32",
                                                 regularizer=self.embeddings_regularizer)
        self.lora_embeddings_b = self.add_weight(name="lora_embeddings_b", shape=(rank, self.output_dim),
                                                 initializer=initializers.get(b_initializer), dtype="float32",
                                                 regularizer=self.embeddings_regularizer)
        self._freeze_base("embeddings")
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    @property
    def variable_serialization_spec(self):
        """Keras's saved variable order per quantization mode (None: not quantized)."""
        return {None: ["embeddings"], "int8": ["embeddings", "embeddings_scale"],
                "int4": ["embeddings", "embeddings_scale", "embeddings_zero", "g_idx"]}

    def quantize(self, mode=None, type_check=True, config=None):
        """Replaces the float embeddings by int8 (or packed int4) rows and per-row scales, as Keras.

        Args:
            mode: `"int8"` or `"int4"` (Keras's Embedding has no float8 mode).
            type_check: refuse subclasses, as Keras.
            config: a `QuantizationConfig` (default: the mode's default; int4 groups `block_size` columns).

        Example:
            >>> layer = Embedding(100, 8); layer.build(); layer.quantize("int8")
        """
        if type_check and type(self) is not Embedding:
            raise NotImplementedError(f"Layer {type(self).__name__} does not have a `quantize` method implemented "
                                      "(pass type_check=False to quantize it as a plain Embedding).")
        self._quantize_table(self._resolve_quantize_args(mode, config, ("int8", "int4")))

    def _quantize_table(self, config):
        """Quantizes the embeddings with a resolved config (shared with ReversibleEmbedding)."""
        mode = config.mode
        self.quantization_config = config
        table = self._parameters["embeddings"].detach()
        zero = None
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(config, q.AbsMaxQuantizer(axis=-1))
            values, scale = quantizer(table, to_numpy=True)
            scale = scale.squeeze(-1)
        else:
            block_size = getattr(config, "block_size", None)
            if block_size is None or block_size == -1:
                quantizer = QuantizationConfig.weight_quantizer_or_default(
                    config, q.AbsMaxQuantizer(axis=-1, value_range=(-8, 7), output_dtype="int8"))
                values, scale = quantizer(table, to_numpy=True)
                scale = scale.squeeze(-1)
            else:
                values, scale, zero = q.abs_max_quantize_grouped_with_zero_point(table.T, block_size=block_size,
                                                                                 to_numpy=True)
                values, scale, zero = values.T, scale.T, zero.T
            values = q.pack_int4(values.contiguous(), axis=-1)[0]
        lora = self.lora_enabled
        self._drop_weight("embeddings")
        self._adopt_quantized_policy(mode, config)
        self._quantized_build((self.input_dim, self.output_dim), mode, config)
        if lora:
            self._weight_specs["embeddings"]["frozen"] = True
        with torch.no_grad():
            for name, value in (("embeddings", values), ("embeddings_scale", scale), ("embeddings_zero", zero)):
                if value is not None:
                    param = self._parameters[name]
                    param.copy_(value.to(device=param.device, dtype=param.dtype))

    def _quantized_build(self, shape, mode, config):
        input_dim, output_dim = shape
        if mode == "int8":
            self._add_quantized("embeddings", shape, "int8")
            self._add_quantized("embeddings_scale", (input_dim,), None, initializer="ones")
        elif mode == "int4":
            self._add_quantized("embeddings", (input_dim, (output_dim + 1) // 2), "int8")
            block_size = get_block_size_for_layer(self, config)
            self._int4_block_size = block_size
            grouped = block_size is not None and block_size > 0
            scale_shape = (input_dim, -(-output_dim // block_size)) if grouped else (input_dim,)
            self._add_quantized("embeddings_scale", scale_shape, None, initializer="ones")
            if grouped:
                self._add_quantized("embeddings_zero", scale_shape, "int8")
                self._add_quantized("g_idx", (output_dim,), "float32")
                with torch.no_grad():
                    self.g_idx.copy_(torch.div(torch.arange(output_dim, dtype=torch.float32, device=self.g_idx.device),
                                               block_size, rounding_mode="floor"))
            self._orig_output_dim = output_dim
        else:
            raise NotImplementedError(f"Invalid quantization mode for {self._layer_label()}. Expected one of "
                                      f"('int8', 'int4'). Received: quantization_mode={mode}")

    def _saved_values(self):
        mode = self.quantization_mode
        names = [n for n in self.variable_serialization_spec[mode] if n in self._parameters]
        values = [(n, self._parameters[n].detach().cpu().numpy()) for n in names]
        if not self.lora_enabled:
            return values
        with torch.no_grad():
            if mode is None:
                merged = {"embeddings": self.embeddings.detach().cpu().numpy()}
            else:
                compute = backend.to_torch_dtype(self.compute_dtype)
                all_rows = torch.arange(self.input_dim, device=self.embeddings_scale.device)
                float_table = self._dequantized_rows(all_rows)
                delta = (self.lora_alpha / self.lora_rank) * (self.lora_embeddings_a @ self.lora_embeddings_b)
                table, scale, zero = requantize_merged(float_table + delta.to(compute), mode,
                                                       getattr(self, "_int4_block_size", None), axis=-1)
                merged = {"embeddings": table.cpu().numpy(), "embeddings_scale": scale.cpu().numpy()}
                if zero is not None:
                    merged["embeddings_zero"] = zero.cpu().numpy()
        return [(n, merged.get(n, v)) for n, v in values]

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
            "quantization_config": serialize_quantization_config(self.quantization_config),
        })
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config
