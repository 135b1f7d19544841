"""`EinsumDense`: a dense layer whose contraction is an einsum equation (kernels of any rank)."""

import re

import torch

from lamina import activations, constraints, initializers, regularizers
from lamina.initializers.fan_scaling import VarianceScaling
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


class EinsumDense(Layer):
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
        lora_rank, lora_alpha: LoRA is not available in lamina yet (refused with an error).

    Weights: `kernel` (shape from the kernel spec), `bias` (shape from `bias_axes`), as Keras.

    Example:
        >>> EinsumDense("abc,cde->abde", output_shape=(None, 4, 8), bias_axes="de")(torch.ones(2, 5, 3)).shape
        torch.Size([2, 5, 4, 8])
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, **kwargs):
        kwargs.pop("quantization_config", None)
        super().__init__(**kwargs)
        if not isinstance(equation, str) or "->" not in equation:
            raise ValueError(f"EinsumDense layer '{self.name}': `equation` must be a string like 'ab,bc->ac', "
                             f"received equation={equation!r}.")
        if lora_rank is not None:
            raise ValueError(f"EinsumDense layer '{self.name}': LoRA (lora_rank) is not supported by lamina yet; "
                             "remove `lora_rank`.")
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
        self.lora_rank = None
        self.lora_alpha = lora_alpha
        self.lora_enabled = False

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
        self.kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape), initializer=init,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(bias_shape), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, training=None):
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
        })
        return config
