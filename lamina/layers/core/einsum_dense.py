"""`EinsumDense`: a dense layer whose contraction is an einsum equation (kernels of any rank)."""

import re

import torch

from lamina import activations, backend, constraints, initializers, regularizers
from lamina.initializers.fan_scaling import VarianceScaling
from lamina.layers.core import quantized_ops
from lamina.layers.core.einsum_quant import einsum_quantization_axes, from_output_layout, to_output_layout
from lamina.layers.core.lora_quant import LoraQuantMixin, serialize_quantization_config
from lamina.quantizers import quantizers as q
from lamina.quantizers.quantization_config import QuantizationConfig, get_block_size_for_layer
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

__all__ = ["EinsumDense"]


def analyze_einsum_string(equation, bias_axes, input_shape, output_shape, owner="EinsumDense"):
    """Kernel shape, bias shape, full output shape, and the kernel's input/output axes, as Keras
    derives them from `equation` (`ab,bc->ac`, `...b,bc->...c` or `ab...,bc->ac...`)."""
    replaced = equation.replace("...", "0")
    forms = (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),
             ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
             ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False))
    for pattern, left_elided in forms:
        match = re.fullmatch(pattern, replaced)
        if match:
            break
    else:
        raise ValueError(f"{owner}: invalid einsum equation '{equation}'. Equations must be in the form "
                         "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")
    input_spec, weight_spec, output_spec = match.groups()
    input_shape = list(input_shape)
    elided = len(input_shape) - len(input_spec)
    if elided < 0 or (elided > 0 and "0" not in replaced):
        raise ValueError(f"{owner}: the equation '{equation}' names {len(input_spec)} input axes but the input "
                         f"has shape {tuple(input_shape)} ({len(input_shape)} axes).")
    out = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    out.insert(0, input_shape[0])
    # Keras's order of the elided axes, kept as is so that shapes agree with Keras's.
    if elided > 0 and left_elided:
        for i in range(1, elided):
            out.insert(1, input_shape[i])
    elif elided > 0:
        out.extend(input_shape[len(input_shape) - elided:])
    if left_elided:
        input_map = {d: i + elided - len(input_shape) for i, d in enumerate(input_spec)}
        output_map = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        input_map = {d: i for i, d in enumerate(input_spec)}
        output_map = {d: i for i, d in enumerate(output_spec)}
    if len(out) != len(output_spec) + (elided if elided > 0 else 0) and not left_elided:
        raise ValueError(f"{owner}: `output_shape` {tuple(out[1:])} does not fit the equation's output spec "
                         f"'{output_spec}' (it must give every output axis except the batch axis).")
    for d in input_spec:
        if d in output_map:
            o = out[output_map[d]]
            if o is not None and o != input_shape[input_map[d]]:
                raise ValueError(f"{owner}: input shape and output shape do not match at shared dimension "
                                 f"'{d}'. Input shape is {input_shape[input_map[d]]}, and output shape is {o}.")
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise ValueError(f"{owner}: dimension '{d}' was specified in the output '{output_spec}' but has no "
                             f"corresponding dim in the input spec '{input_spec}' or weight spec '{weight_spec}'.")
    kernel_shape, input_axes, output_axes = [], [], []
    for i, d in enumerate(weight_spec):
        if d in output_map:
            kernel_shape.append(out[output_map[d]])
            output_axes.append(i)
        elif d in input_map:
            kernel_shape.append(input_shape[input_map[d]])
            input_axes.append(i)
        else:
            raise ValueError(f"{owner}: weight dimension '{d}' did not have a match in either the input spec "
                             f"'{input_spec}' or the output spec '{output_spec}'. For this layer, the weight must "
                             "be fully specified.")
    bias_shape = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in output_spec:
                raise ValueError(f"{owner}: bias dimension '{c}' was requested, but is not part of the output "
                                 f"spec '{output_spec}'.")
        offset = elided if left_elided else 0
        sizes = {c: out[i + offset] for i, c in enumerate(output_spec)}
        first = min(output_spec.find(c) for c in bias_axes)
        bias_shape = [sizes[c] if c in bias_axes else 1 for c in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * max(elided, 0))
    if None in kernel_shape:
        raise ValueError(f"{owner}: the kernel's axes must be known; the equation '{equation}' with input shape "
                         f"{tuple(input_shape)} leaves kernel shape {tuple(kernel_shape)}.")
    return kernel_shape, bias_shape, out, input_axes, output_axes


class EinsumDense(LoraQuantMixin, Layer):
    """A dense layer computing `einsum(equation, inputs, kernel) + bias`, with kernels of any rank.

    Args:
        equation: einsum string `"<input>,<kernel>-><output>"` (e.g. `"ab,bc->ac"`, `"abc,cde->abde"`,
            `"...b,bc->...c"`); the first input axis is the batch.
        output_shape: the output's shape without the batch axis (int or tuple; `None` for an axis
            taken from the input).
        activation: applied to the result (default none).
        bias_axes: letters of the output spec that get a bias (default None: no bias).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        kernel_constraint, bias_constraint: as `Dense`.
        lora_rank: if set, LoRA is enabled at build with this rank (see `enable_lora`).
        lora_alpha: LoRA scale numerator: the delta is `(lora_alpha / lora_rank) * A @ B` (default `lora_rank`).
        gptq_unpacked_column_size: Keras's bookkeeping of GPTQ-quantized kernels (kept in the config).
        quantization_config: a `lamina.quantizers.QuantizationConfig` for a quantized dtype policy.

    LoRA adds `lora_kernel_a (kernel_shape[:-1] + (rank,))` and `lora_kernel_b (rank, kernel_shape[-1])`
    and freezes the kernel; `quantize("int8" | "int4" | "float8")` stores Keras's quantized
    variables (int8: `kernel_scale` laid out like the output; int4: the kernel flattened to
    `(reduced, other)` and packed two per byte).

    Weights: `kernel` (shape from the kernel spec), `bias` (shape from `bias_axes`), as Keras.

    Example:
        >>> EinsumDense("abc,cde->abde", output_shape=(None, 4, 8), bias_axes="de")(torch.ones(2, 5, 3)).shape
        torch.Size([2, 5, 4, 8])
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(equation, str) or "->" not in equation:
            raise ValueError(f"EinsumDense layer '{self.name}': `equation` must be a string like 'ab,bc->ac', "
                             f"received equation={equation!r}.")
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.gptq_unpacked_column_size = gptq_unpacked_column_size
        self.quantization_config = quantization_config
        if self.quantization_mode in ("gptq", "awq"):
            raise NotImplementedError(f"{self._owner()}: {self.quantization_mode} layers need calibration, which "
                                      "lamina does not run; use int8, int4 or float8.")

    def _owner(self):
        return f"EinsumDense layer '{self.name}'"

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = analyze_einsum_string(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape, self._owner())
        self.input_spec = InputSpec(ndim=len(input_shape))
        init = self.kernel_initializer
        # Keras gives variance-scaling initializers the kernel's fan axes (einsum kernels' fans).
        if isinstance(init, VarianceScaling) and (init.input_axes is None or init.output_axes is None):
            config = init.get_config()
            config.update({"seed": init.seed, "input_axes": input_axes, "output_axes": output_axes})
            init = type(init).from_config(config)
        mode = self.quantization_mode
        if mode == "float8":
            self._float8_build()  # before the kernel, as Keras builds it (the weights' order)
        if mode in ("int8", "int4"):
            self._int_build(tuple(kernel_shape), mode, self.quantization_config)
        else:
            self.add_weight(name="kernel", shape=tuple(kernel_shape), initializer=init,
                            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(bias_shape), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    @property
    def kernel(self):
        """The kernel variable; with LoRA on, `kernel + (alpha / rank) * A @ B` (a tensor)."""
        params = self.__dict__["_parameters"]
        if "kernel" not in params:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        kernel = params["kernel"]
        if self.quantization_mode == "int4":
            kernel = q.unpack_int4(kernel, self._int4_columns, axis=-1).reshape(self.original_kernel_shape)
        if self.lora_enabled:
            delta = (self.lora_alpha / self.lora_rank) * (self.lora_kernel_a @ self.lora_kernel_b)
            kernel = (kernel + delta).to(backend.to_torch_dtype(self.compute_dtype))
        return kernel

    def call(self, inputs, training=None):
        if self.quantization_mode == "float8":
            return self._float8_call(inputs, training)
        if self.quantization_mode in ("int8", "int4"):
            return self._int_call(inputs)
        x = torch.einsum(self.equation, inputs, self.kernel.to(inputs.dtype))
        if self.bias is not None:
            x = x + self.bias.to(x.dtype)
        if self.activation is not None:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        _, _, full, _, _ = analyze_einsum_string(self.equation, self.bias_axes, input_shape,
                                                 self.partial_output_shape, self._owner())
        return tuple(full)

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": serialize_quantization_config(self.quantization_config),
        })
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        if self.gptq_unpacked_column_size:
            config["gptq_unpacked_column_size"] = self.gptq_unpacked_column_size
        return config

    # ------------------------------------------------------------------ LoRA

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freezes the kernel and adds a trainable low-rank delta `(lora_alpha / rank) * A @ B`.

        Args:
            rank: `lora_kernel_a` is `kernel_shape[:-1] + (rank,)`, `lora_kernel_b` `(rank, kernel_shape[-1])`.
            lora_alpha: scale numerator (default `rank`).
            a_initializer, b_initializer: initializers of A and B (B zeros: the layer starts unchanged).

        Example:
            >>> layer = EinsumDense("ab,bc->ac", 8); layer.build((None, 4)); layer.enable_lora(2)
        """
        self._check_enable_lora(self.kernel_constraint, "kernel")
        # an int4 kernel is stored flattened and packed: LoRA follows the original kernel's shape
        shape = tuple(self.original_kernel_shape if self.quantization_mode == "int4"
                      else self._parameters["kernel"].shape)
        self.lora_kernel_a = self.add_weight(name="lora_kernel_a", shape=shape[:-1] + (rank,),
                                             initializer=initializers.get(a_initializer), dtype="float32",
                                             regularizer=self.kernel_regularizer)
        self.lora_kernel_b = self.add_weight(name="lora_kernel_b", shape=(rank, shape[-1]),
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
        return {None: ["kernel", "bias"], "int8": ["kernel", "bias", "kernel_scale"],
                "int4": ["kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"],
                "float8": ["kernel", "bias", "inputs_scale", "inputs_amax_history", "kernel_scale",
                           "kernel_amax_history", "outputs_grad_scale", "outputs_grad_amax_history"]}

    def quantize(self, mode=None, type_check=True, config=None):
        """Replaces the float kernel by Keras's quantized variables.

        Args:
            mode: `"int8"` (kernel reduced over its contracted axes, `kernel_scale` in the output's
                layout), `"int4"` (kernel flattened to `(contracted, other)`, packed two per byte,
                per channel or in groups of `block_size` rows) or `"float8"`.
            type_check: refuse subclasses, as Keras.
            config: a `QuantizationConfig` (default: the mode's default).

        Example:
            >>> layer = EinsumDense("ab,bc->ac", 8); layer.build((None, 4)); layer.quantize("int8")
        """
        if type_check and type(self) is not EinsumDense:
            raise NotImplementedError(f"Layer {type(self).__name__} does not have a `quantize` method implemented.")
        config = self._resolve_quantize_args(mode, config, ("int8", "int4", "float8"))
        mode = config.mode
        self.quantization_config = config
        if mode == "float8":
            self._adopt_quantized_policy("float8", config)
            self._float8_build()
            return
        kernel = self._parameters["kernel"].detach()
        kernel_shape = tuple(kernel.shape)
        self._set_quantization_info()
        values, scale, zero = self._quantize_kernel(kernel, mode, config, getattr(config, "block_size", None))
        lora = self.lora_enabled
        self._drop_weight("kernel")
        self._adopt_quantized_policy(mode, config)
        self._int_build(kernel_shape, mode, config)
        if lora:
            self._weight_specs["kernel"]["frozen"] = True
        with torch.no_grad():
            for name, value in (("kernel", values), ("kernel_scale", scale), ("kernel_zero", zero)):
                if value is not None:
                    param = self._parameters[name]
                    param.copy_(torch.as_tensor(value).to(device=param.device, dtype=param.dtype))

    def _set_quantization_info(self):
        if not hasattr(self, "_qaxes"):
            self._qaxes = einsum_quantization_axes(self.equation, self.input_spec.ndim)

    def _flat_shape(self, kernel_shape):
        reduced = self._qaxes["kernel_reduced"]
        rows = columns = 1
        for axis, dim in enumerate(kernel_shape):
            if axis in reduced:
                rows *= dim
            else:
                columns *= dim
        return rows, columns

    def _quantize_kernel(self, kernel, mode, config, block_size):
        """`(values, scale, zero)` of a float kernel, as Keras's quantize stores them."""
        axes = self._qaxes
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, q.AbsMaxQuantizer(axis=tuple(axes["kernel_reduced"])))
            values, scale = quantizer(kernel, to_numpy=True)
            scale = to_output_layout(scale, axes["kernel_transpose"], axes["kernel_expand"], axes["kernel_squeeze"])
            return values, scale, None
        flat = kernel.reshape(self._flat_shape(tuple(kernel.shape)))
        zero = None
        if block_size is None or block_size == -1:
            values, scale = q.abs_max_quantize(flat, axis=0, value_range=(-8, 7), dtype="int8", to_numpy=True)
            scale = scale.squeeze(0)
        else:
            values, scale, zero = q.abs_max_quantize_grouped_with_zero_point(flat, block_size=block_size,
                                                                             to_numpy=True)
        return q.pack_int4(values, axis=-1)[0], scale, zero

    def _int_build(self, kernel_shape, mode, config):
        self._set_quantization_info()
        axes = self._qaxes
        self.quantization_axis = tuple(axes["input_reduced"])
        if mode == "int8":
            self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, q.AbsMaxQuantizer())
            self._add_quantized("kernel", kernel_shape, "int8")
            scale_shape = [1 if i in axes["kernel_reduced"] else d for i, d in enumerate(kernel_shape)]
            scale_shape = to_output_layout(torch.empty(scale_shape, device="meta"), axes["kernel_transpose"],
                                           axes["kernel_expand"], axes["kernel_squeeze"]).shape
            self._add_quantized("kernel_scale", tuple(scale_shape), None, initializer="ones")
            return
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, None)
        self.original_kernel_shape = kernel_shape
        rows, columns = self._flat_shape(kernel_shape)
        block_size = get_block_size_for_layer(self, config)
        grouped = block_size is not None and block_size != -1
        self._int4_block_size = block_size if grouped else None
        self._int4_columns, self._int4_rows = columns, rows
        self._add_quantized("kernel", (rows, (columns + 1) // 2), "int8")
        scale_shape = (-(-rows // block_size), columns) if grouped else (columns,)
        self._add_quantized("kernel_scale", scale_shape, None, initializer="ones")
        if grouped:
            self._add_quantized("kernel_zero", scale_shape, "int8")
            self._add_quantized("g_idx", (rows,), "float32")
            with torch.no_grad():
                self.g_idx.copy_(torch.div(torch.arange(rows, dtype=torch.float32, device=self.g_idx.device),
                                           block_size, rounding_mode="floor"))

    def _float_kernel(self, compute):
        """The dequantized kernel in the kernel's own shape."""
        kernel = self._parameters["kernel"]
        axes = self._qaxes
        if self.quantization_mode == "int8":
            scale = from_output_layout(self.kernel_scale, axes["kernel_transpose"], axes["kernel_expand"],
                                       axes["kernel_squeeze"])
            return kernel.to(compute) / scale.to(compute)
        unpacked = q.unpack_int4(kernel, self._int4_columns, axis=-1).to(compute)
        if self._int4_block_size is not None:
            flat = q.dequantize_with_sz_map(unpacked, self.kernel_scale.to(compute), self.kernel_zero,
                                            self.g_idx, group_axis=0)
        else:
            flat = unpacked / self.kernel_scale.to(compute)
        return flat.reshape(self.original_kernel_shape)

    def _int_call(self, inputs):
        compute = backend.to_torch_dtype(self.compute_dtype)
        if self.quantization_mode == "int8" and self.inputs_quantizer is not None:
            x = _EinsumInt8.apply(inputs, self, compute)
        else:
            if self.inputs_quantizer is not None:
                raise NotImplementedError(f"{self._owner()}: int4 with an activation quantizer is not available in "
                                          "lamina; use Int4QuantizationConfig(activation_quantizer=None).")
            # the dequantized kernel has no gradient: autograd gives the inputs Keras's custom gradient
            x = torch.einsum(self.equation, inputs.to(compute), self._float_kernel(compute))
        if self.lora_enabled:
            lora = torch.einsum(self.equation, inputs, self.lora_kernel_a.to(inputs.dtype)) @ \
                self.lora_kernel_b.to(inputs.dtype)
            x = (x + (self.lora_alpha / self.lora_rank) * lora).to(compute)
        if self.bias is not None:
            x = x + self.bias.to(x.dtype)
        if self.activation is not None:
            x = self.activation(x)
        return x

    def _float8_build(self):
        from lamina.dtype_policies import QuantizedFloat8DTypePolicy

        history = getattr(self.dtype_policy, "amax_history_length",
                          QuantizedFloat8DTypePolicy.default_amax_history_length)
        for name, shape in (("inputs_scale", ()), ("inputs_amax_history", (history,)), ("kernel_scale", ()),
                            ("kernel_amax_history", (history,)), ("outputs_grad_scale", ()),
                            ("outputs_grad_amax_history", (history,))):
            self._add_quantized(name, shape, "float32", initializer="ones" if not shape else "zeros", trainable=True)

    def _float8_call(self, inputs, training):
        if self.lora_enabled:
            raise NotImplementedError(f"{self._layer_label()}: float8 quantization does not support LoRA (as Keras).")
        compute = backend.to_torch_dtype(self.compute_dtype)
        training = bool(training) if training is not None else self.training
        x = quantized_ops.float8_qdq_with_update(inputs, self.inputs_scale, self.inputs_amax_history, compute,
                                                 training)
        kernel = quantized_ops.float8_qdq_with_update(self._parameters["kernel"], self.kernel_scale,
                                                      self.kernel_amax_history, compute, training)
        x = torch.einsum(self.equation, x, kernel)
        x = quantized_ops.Float8OutputsGrad.apply(x, self.outputs_grad_scale, self.outputs_grad_amax_history,
                                                  compute)
        if self.bias is not None:
            bias = self.bias
            if compute == torch.float32:
                bias = bias.to(torch.bfloat16).to(bias.dtype)  # as Keras (XLA's bias-add fusion)
            x = x + bias
        if self.activation is not None:
            x = self.activation(x)
        return x

    def _saved_values(self):
        mode = self.quantization_mode
        names = [n for n in self.variable_serialization_spec[mode] if n in self._parameters]
        values = [(n, self._parameters[n].detach().cpu().numpy()) for n in names]
        if not self.lora_enabled:
            return values
        with torch.no_grad():
            if mode in (None, "float8"):
                merged = {"kernel": self.kernel.detach().cpu().numpy()}
            else:
                compute = backend.to_torch_dtype(self.compute_dtype)
                delta = (self.lora_alpha / self.lora_rank) * (self.lora_kernel_a @ self.lora_kernel_b)
                kernel, scale, zero = self._quantize_kernel(self._float_kernel(compute) + delta.to(compute), mode,
                                                            None, getattr(self, "_int4_block_size", None))
                merged = {"kernel": kernel.cpu().numpy(), "kernel_scale": scale.cpu().numpy()}
                if zero is not None:
                    merged["kernel_zero"] = zero.cpu().numpy()
        return [(n, merged.get(n, v)) for n, v in values]


class _EinsumInt8(torch.autograd.Function):
    """int8 x int8 einsum with per-axis rescaling; the inputs' gradient uses the dequantized kernel."""

    @staticmethod
    def forward(ctx, inputs, layer, compute):
        axes = layer._qaxes
        x_q, x_scale = layer.inputs_quantizer(inputs, axis=layer.quantization_axis)
        x_scale = to_output_layout(x_scale, axes["input_transpose"], axes["input_expand"], axes["input_squeeze"])
        kernel = layer._parameters["kernel"]
        # int8 products summed in float32: exact while |sum| < 2**24 (Keras accumulates in int32)
        y = torch.einsum(layer.equation, x_q.to(torch.float32), kernel.to(torch.float32))
        y = y.to(compute) / (x_scale * layer.kernel_scale).to(compute)
        ctx.layer, ctx.compute = layer, compute
        return y

    @staticmethod
    def backward(ctx, upstream):
        layer = ctx.layer
        float_kernel = layer._float_kernel(ctx.compute).detach()
        return torch.einsum(layer._qaxes["grad_equation"], upstream, float_kernel), None, None
