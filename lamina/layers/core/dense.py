"""`Dense`: `activation(inputs @ kernel + bias)` on the last axis."""

import math

import torch
import torch.nn.functional as F

from lamina import activations, backend, constraints, initializers, regularizers
from lamina.layers.core import quantized_ops
from lamina.layers.core.lora_quant import LoraQuantMixin, requantize_merged, serialize_quantization_config
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.quantizers import quantizers as q
from lamina.quantizers.quantization_config import QuantizationConfig, get_block_size_for_layer

__all__ = ["Dense"]


class Dense(LoraQuantMixin, Layer):
    """A densely-connected layer: `activation(inputs @ kernel + bias)`.

    The kernel is stored as `(units, input_dim)` (nn.Linear's layout, so the
    `state_dict` is interchangeable with nn.Linear's); `get_weights()`,
    `set_weights()`, `kernel.numpy()`, `kernel.assign()` and `.keras` files use
    Keras's `(input_dim, units)`.

    Args:
        units: size of the last output dimension.
        activation: activation name or callable (default: none).
        use_bias: whether to add a bias vector.
        kernel_initializer: initializer for the kernel (default `glorot_uniform`).
        bias_initializer: initializer for the bias (default `zeros`).
        kernel_regularizer, bias_regularizer, activity_regularizer: optional penalties.
        kernel_constraint, bias_constraint: optional constraints.
        lora_rank: if set, LoRA is enabled at build with this rank (see `enable_lora`).
        lora_alpha: LoRA scale numerator: the delta is `(lora_alpha / lora_rank) * A @ B`
            (default `lora_rank`).
        quantization_config: a `lamina.quantizers.QuantizationConfig` used when the layer is
            built with a quantized dtype policy (e.g. `dtype="int8_from_float32"`).

    LoRA and quantization: `enable_lora(rank)` freezes the kernel and adds the trainable
    `lora_kernel_a (input_dim, rank)` and `lora_kernel_b (rank, units)`; `layer.kernel` then
    returns the merged kernel in Keras layout `(input_dim, units)`. `quantize("int8" | "int4" |
    "float8")` replaces the kernel by Keras's quantized variables (see `variable_serialization_spec`).

    Shapes:
        input `(batch, ..., input_dim)` -> output `(batch, ..., units)`.

    Example:
        >>> Dense(64, activation="relu")(torch.ones(32, 20)).shape
        torch.Size([32, 64])
    """

    supports_masking = True

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"Dense layer '{self.name}': `units` must be a positive int, received units={units!r}."
            )
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.quantization_config = quantization_config
        self.input_spec = InputSpec(min_ndim=2)
        # `linear` is skipped and `relu`/`tanh` call torch directly: the hot path stays short.
        self._activation_fn = activations.fast_callable(self.activation)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Dense layer '{self.name}': the last dimension of its input must be known, but the "
                f"input shape is {tuple(input_shape)}. Give the Input a concrete feature size."
            )
        kernel_shape = (input_dim, self.units)
        mode = self.quantization_mode
        if mode is not None:
            self._quantized_build(kernel_shape, mode, self.quantization_config)
        if mode not in ("int8", "int4"):
            # Stored as `(units, input_dim)`, nn.Linear's layout: the kernels are then exactly those of a
            # hand-written nn.Linear (on this CPU the Keras layout's weight gradient is up to 2x slower
            # for a wide input and few units, as in a CNN's classifier head), and a `state_dict` moves
            # to and from nn.Linear. get_weights/set_weights/.keras files use Keras's (in, out).
            # A subclass whose own `call` reads `self.kernel` (ops.matmul(x, self.kernel)) expects
            # Keras's layout: keep it then.
            keras_layout = not type(self).call.__module__.startswith("lamina.")
            self._kernel_in_keras_layout = keras_layout
            self.add_weight(shape=kernel_shape, initializer=self.kernel_initializer,
                            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                            name="kernel", _torch_perm=None if keras_layout else (1, 0))
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank)

    @property
    def kernel(self):
        """The kernel variable; with LoRA on, the merged kernel `kernel + (alpha / rank) * A @ B`
        (a tensor in Keras layout `(input_dim, units)`); int4: the unpacked int8 values."""
        params = self.__dict__["_parameters"]
        if "kernel" not in params:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        kernel = params["kernel"]
        mode = self.quantization_mode
        if not self.lora_enabled and mode != "int4":
            return kernel
        if mode == "int4":
            kernel = q.unpack_int4(kernel, self._orig_output_dim, axis=-1)
        else:
            kernel = kernel.keras_view() if mode is None or mode == "float8" or mode == "int8" else kernel
        if self.lora_enabled:
            delta = (self.lora_alpha / self.lora_rank) * (self.lora_kernel_a @ self.lora_kernel_b)
            kernel = (kernel + delta).to(backend.to_torch_dtype(self.compute_dtype))
        return kernel

    def call(self, inputs, training=None):
        if not inputs.is_floating_point():
            # integer encodings (StringLookup/IntegerLookup one_hot/multi_hot are int64, as in Keras)
            # promote to the kernel's dtype, as Keras's matmul does
            inputs = inputs.to(backend.to_torch_dtype(self.compute_dtype))
        if self._quantized_policy is not None:
            return self._quantized_call(inputs, training)
        kernel = self._parameters["kernel"]
        if getattr(self, "_kernel_in_keras_layout", False):  # (in, out), kept for a subclass
            outputs = inputs @ kernel if self.bias is None else torch.addmm(
                self.bias, inputs.reshape(-1, inputs.shape[-1]), kernel).reshape(*inputs.shape[:-1], -1)
        else:
            outputs = F.linear(inputs, kernel, self.bias)
        if self.lora_enabled:
            outputs = outputs + self._lora_outputs(inputs)
        if self._activation_fn is not None:
            outputs = self._activation_fn(outputs)
        return outputs

    def _lora_outputs(self, inputs):
        scale = self.lora_alpha / self.lora_rank
        return scale * ((inputs @ self.lora_kernel_a.to(inputs.dtype)) @ self.lora_kernel_b.to(inputs.dtype))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": serialize_quantization_config(self.quantization_config),
        })
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config

    # ------------------------------------------------------------------ LoRA

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freezes the kernel and adds a trainable low-rank delta `(lora_alpha / rank) * A @ B`.

        Args:
            rank: the rank of `lora_kernel_a (input_dim, rank)` and `lora_kernel_b (rank, units)`.
            lora_alpha: scale numerator (default `rank`).
            a_initializer, b_initializer: initializers of A (default he_uniform) and B (default
                zeros, so the layer starts as it was).

        Example:
            >>> layer = Dense(8); layer.build((None, 16)); layer.enable_lora(4)
            >>> [w.name for w in layer.trainable_weights]
            ['bias', 'lora_kernel_a', 'lora_kernel_b']
        """
        self._check_enable_lora(self.kernel_constraint, "kernel")
        input_dim = self._orig_input_dim if self.quantization_mode == "int4" else self.input_spec.axes[-1]
        # LoRA weights stay float32 (fine-tuning updates are small; lower precision would lose them)
        self.lora_kernel_a = self.add_weight(name="lora_kernel_a", shape=(input_dim, rank),
                                             initializer=initializers.get(a_initializer), dtype="float32",
                                             regularizer=self.kernel_regularizer)
        self.lora_kernel_b = self.add_weight(name="lora_kernel_b", shape=(rank, self.units),
                                             initializer=initializers.get(b_initializer), dtype="float32",
                                             regularizer=self.kernel_regularizer)
        self._freeze_base("kernel")
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    # ------------------------------------------------------------------ quantization

    @property
    def variable_serialization_spec(self):
        """Keras's saved variable order per quantization mode (None: not quantized)."""
        return {
            None: ["kernel", "bias"],
            "int8": ["kernel", "bias", "kernel_scale"],
            "int4": ["kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"],
            "float8": ["kernel", "bias", "inputs_scale", "inputs_amax_history", "kernel_scale",
                       "kernel_amax_history", "outputs_grad_scale", "outputs_grad_amax_history"],
        }

    def quantize(self, mode=None, type_check=True, config=None):
        """Replaces the float kernel by Keras's quantized variables.

        Args:
            mode: `"int8"` (per-output-channel int8 kernel + `kernel_scale`), `"int4"` (packed two
                per byte; per channel, or in groups of `block_size` rows with zero points), or
                `"float8"` (float8 training with delayed scaling).
            type_check: refuse subclasses (their call may not use the quantized kernel), as Keras.
            config: a `QuantizationConfig` (default: the mode's default config).

        Example:
            >>> layer = Dense(8); layer.build((None, 16)); layer.quantize("int8")
            >>> layer.dtype_policy.name
            'int8_from_float32'
        """
        if type_check and type(self) is not Dense:
            raise NotImplementedError(f"Layer {type(self).__name__} does not have a `quantize` method implemented "
                                      "(subclasses of Dense must implement their own; pass type_check=False to "
                                      "quantize as a plain Dense).")
        config = self._resolve_quantize_args(mode, config, ("int8", "int4", "float8"))
        mode = config.mode
        self.quantization_config = config
        kernel = self._parameters["kernel"].keras_view().detach()
        kernel_shape = tuple(kernel.shape)
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(config, q.AbsMaxQuantizer(axis=0))
            values, scale = quantizer(kernel, to_numpy=True)
            self._replace_kernel(kernel_shape, mode, config)
            self._assign("kernel", values)
            self._assign("kernel_scale", scale.squeeze(0))
        elif mode == "int4":
            block_size = config.block_size if hasattr(config, "block_size") else None
            zero = None
            if block_size is None or block_size == -1:
                quantizer = QuantizationConfig.weight_quantizer_or_default(
                    config, q.AbsMaxQuantizer(axis=0, value_range=(-8, 7), output_dtype="int8"))
                values, scale = quantizer(kernel, to_numpy=True)
                scale = scale.squeeze(0)
            else:
                values, scale, zero = q.abs_max_quantize_grouped_with_zero_point(kernel, block_size=block_size,
                                                                                 to_numpy=True)
            packed = q.pack_int4(values, axis=-1)[0]
            self._replace_kernel(kernel_shape, mode, config)
            self._assign("kernel", packed)
            self._assign("kernel_scale", scale)
            if zero is not None:
                self._assign("kernel_zero", zero)
        else:  # float8 keeps the float kernel and adds the scaling state
            self._adopt_quantized_policy(mode, config)
            self._quantized_build(kernel_shape, mode, config)

    def _replace_kernel(self, kernel_shape, mode, config):
        lora = self.lora_enabled
        self._drop_weight("kernel")
        self._adopt_quantized_policy(mode, config)
        self._quantized_build(kernel_shape, mode, config)
        if lora:
            self._weight_specs["kernel"]["frozen"] = True

    def _assign(self, name, value):
        param = self._parameters[name]
        value = torch.as_tensor(value)
        perm = self._weight_specs[name].get("perm")
        if perm is not None:
            value = value.permute(*perm)
        with torch.no_grad():
            param.copy_(value.to(device=param.device, dtype=param.dtype))

    def _quantized_build(self, kernel_shape, mode, config):
        input_dim, units = kernel_shape
        if mode == "int8":
            self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, q.AbsMaxQuantizer())
            # int8 kernel in nn.Linear's layout too (the matmul reads rows of it); Keras layout in files
            self._add_quantized("kernel", kernel_shape, "int8", perm=(1, 0))
            self._add_quantized("kernel_scale", (units,), None, initializer="ones")
        elif mode == "int4":
            self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, None)
            self._add_quantized("kernel", (input_dim, (units + 1) // 2), "int8")
            block_size = get_block_size_for_layer(self, config)
            self._int4_block_size = block_size
            grouped = block_size is not None and block_size > 0
            scale_shape = (math.ceil(input_dim / block_size), units) if grouped else (units,)
            self._add_quantized("kernel_scale", scale_shape, None, initializer="ones")
            if grouped:
                self._add_quantized("kernel_zero", scale_shape, "int8")
                self._add_quantized("g_idx", (input_dim,), "float32")
                with torch.no_grad():
                    self.g_idx.copy_(torch.div(torch.arange(input_dim, dtype=torch.float32, device=self.g_idx.device),
                                               block_size, rounding_mode="floor"))
            self._orig_input_dim = input_dim
            self._orig_output_dim = units
        elif mode == "float8":
            from lamina.dtype_policies import QuantizedFloat8DTypePolicy

            history = getattr(self.dtype_policy, "amax_history_length",
                              QuantizedFloat8DTypePolicy.default_amax_history_length)
            # Trainable as in Keras (whose optimizer overwrites them with their "gradients"); here they
            # never receive a gradient (optimizers skip them) and the call updates them in place.
            for name, shape in (("inputs_scale", ()), ("inputs_amax_history", (history,)),
                                ("kernel_scale", ()), ("kernel_amax_history", (history,)),
                                ("outputs_grad_scale", ()), ("outputs_grad_amax_history", (history,))):
                self._add_quantized(name, shape, "float32", initializer="ones" if not shape else "zeros",
                                    trainable=True)
        else:
            raise NotImplementedError(f"Invalid quantization mode for {self._layer_label()}. Expected one of "
                                      f"('int8', 'int4', 'float8'). Received: quantization_mode={mode}")

    def _float_kernel(self, compute):
        """The dequantized kernel in Keras layout `(input_dim, units)`."""
        kernel = self._parameters["kernel"]
        unpacked = q.unpack_int4(kernel, self._orig_output_dim, axis=-1).to(compute)
        if getattr(self, "_int4_block_size", None) not in (None, -1):
            return q.dequantize_with_sz_map(unpacked, self.kernel_scale.to(compute), self.kernel_zero,
                                            self.g_idx, group_axis=0)
        return unpacked / self.kernel_scale.to(compute)

    def _quantized_call(self, inputs, training=None):
        mode = self.quantization_mode
        compute = backend.to_torch_dtype(self.compute_dtype)
        if mode == "int8":
            x = quantized_ops.QuantizedMatmul.apply(inputs, self._parameters["kernel"], self.kernel_scale,
                                                    self.inputs_quantizer, compute)
        elif mode == "int4" and getattr(self, "_int4_block_size", None) in (None, -1):
            unpacked_t = q.unpack_int4(self._parameters["kernel"], self._orig_output_dim, axis=-1).t()
            x = quantized_ops.QuantizedMatmul.apply(inputs, unpacked_t, self.kernel_scale, self.inputs_quantizer,
                                                    compute)
        elif mode == "int4":
            x = inputs.to(compute) @ self._float_kernel(compute)
        elif mode == "float8":
            return self._float8_call(inputs, training, compute)
        else:
            raise NotImplementedError(f"Invalid quantization mode for {self._layer_label()}: {mode!r}.")
        if self.lora_enabled:
            x = (x + self._lora_outputs(inputs)).to(compute)
        if self.bias is not None:
            x = x + self.bias
        if self._activation_fn is not None:
            x = self._activation_fn(x)
        return x

    def _float8_call(self, inputs, training, compute):
        if self.lora_enabled:
            raise NotImplementedError(f"{self._layer_label()}: float8 quantization does not support LoRA (as "
                                      "Keras). Quantize to int8 or int4, or merge LoRA before quantizing.")
        training = bool(training) if training is not None else self.training
        x = quantized_ops.float8_qdq_with_update(inputs, self.inputs_scale, self.inputs_amax_history, compute,
                                                 training)
        kernel = quantized_ops.float8_qdq_with_update(self._parameters["kernel"], self.kernel_scale,
                                                      self.kernel_amax_history, compute, training)
        outputs = F.linear(x, kernel)
        outputs = quantized_ops.Float8OutputsGrad.apply(outputs, self.outputs_grad_scale,
                                                        self.outputs_grad_amax_history, compute)
        if self.bias is not None:
            bias = self.bias
            if compute == torch.float32:
                # Keras rounds a float32 bias through bfloat16 here (XLA's bias-add fusion)
                bias = bias.to(torch.bfloat16).to(bias.dtype)
            outputs = outputs + bias
        if self._activation_fn is not None:
            outputs = self._activation_fn(outputs)
        return outputs

    # ------------------------------------------------------------------ saving

    def _saved_values(self):
        """Keras's `save_own_variables` order, the LoRA delta merged (and re-quantized) into the kernel."""
        mode = self.quantization_mode
        values = []
        for name in self.variable_serialization_spec[mode]:
            if name == "bias" and self.bias is None:
                continue
            if name in ("kernel_zero", "g_idx") and name not in self._parameters:
                continue
            values.append((name, self._keras_value(name)))
        if self.lora_enabled:
            merged = self._merged_for_saving()
            values = [(n, merged.get(n, v)) for n, v in values]
        return values

    def _keras_value(self, name):
        param = self._parameters[name]
        value = param.keras_view() if param._keras_perm is not None else param
        return value.detach().cpu().numpy()

    def _merged_for_saving(self):
        mode = self.quantization_mode
        delta = (self.lora_alpha / self.lora_rank) * (self.lora_kernel_a @ self.lora_kernel_b)
        compute = backend.to_torch_dtype(self.compute_dtype)
        with torch.no_grad():
            if mode is None or mode == "float8":
                return {"kernel": self.kernel.detach().cpu().numpy()}
            if mode == "int8":
                float_kernel = self._parameters["kernel"].keras_view().to(compute) / self.kernel_scale.to(compute)
            else:
                float_kernel = self._float_kernel(compute)
            values, scale, zero = requantize_merged(float_kernel + delta.detach(), mode,
                                                    getattr(self, "_int4_block_size", None), axis=0)
        merged = {"kernel": values.cpu().numpy(), "kernel_scale": scale.cpu().numpy()}
        if zero is not None:
            merged["kernel_zero"] = zero.cpu().numpy()
        return merged
