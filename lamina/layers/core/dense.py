"""`Dense`: `activation(inputs @ kernel + bias)` on the last axis."""

import torch.nn.functional as F

from lamina import activations, constraints, initializers, regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

__all__ = ["Dense"]


class Dense(Layer):
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
        if lora_rank is not None:
            raise ValueError(f"Dense layer '{self.name}': LoRA (lora_rank) is not supported by lamina.")
        if quantization_config is not None:
            raise ValueError(f"Dense layer '{self.name}': quantization is not supported by lamina.")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
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
        # Stored as `(units, input_dim)`, nn.Linear's layout: the kernels are then exactly those of a
        # hand-written nn.Linear (on this CPU the Keras layout's weight gradient is up to 2x slower
        # for a wide input and few units, as in a CNN's classifier head), and a `state_dict` moves
        # to and from nn.Linear. get_weights/set_weights/.keras files use Keras's (in, out).
        self.kernel = self.add_weight(shape=(input_dim, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel", _torch_perm=(1, 0))
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        if not inputs.is_floating_point():
            # integer encodings (StringLookup/IntegerLookup one_hot/multi_hot are int64, as in Keras)
            # promote to the kernel's dtype, as Keras's matmul does
            inputs = inputs.to(self.kernel.dtype)
        outputs = F.linear(inputs, self.kernel, self.bias)
        if self._activation_fn is not None:
            outputs = self._activation_fn(outputs)
        return outputs

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
            "quantization_config": None,
        })
        return config
