"""`GRUCell`: one step of a gated recurrent unit (Keras gate order z, r, h)."""

import torch
import torch.nn.functional as F

from lamina import activations, constraints, initializers, regularizers
from lamina.layers.layer import Layer
from lamina.layers.rnn._cell_base import DropoutCellMixin, check_rate, check_units

__all__ = ["GRUCell"]


class GRUCell(DropoutCellMixin, Layer):
    """Cell class for `GRU`.

    Kernels are stored transposed (torch layout, Keras gate order z, r, h);
    `get_weights`/`set_weights` use Keras's layout `(input_dim, 3 * units)`,
    `(units, 3 * units)` and a bias of shape `(2, 3 * units)` when
    `reset_after=True` (input and recurrent biases) or `(3 * units,)` otherwise.

    Args:
        units: dimensionality of the output and state.
        activation: candidate activation (default `tanh`).
        recurrent_activation: gate activation (default `sigmoid`).
        use_bias: whether to add biases.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: optional penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: optional constraints.
        dropout, recurrent_dropout: dropped fractions of inputs / previous state.
        reset_after: apply the reset gate after the recurrent matmul (default
            True, torch's and cuDNN's convention).
        seed: accepted for Keras compatibility.

    Shapes:
        call(inputs `(batch, input_dim)`, states `[(batch, units)]`) -> (h, [h]).

    Example:
        >>> layer = RNN(GRUCell(8, reset_after=False))
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True, seed=None,
                 **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        self.units = check_units(self, units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = check_rate(self, "dropout", dropout)
        self.recurrent_dropout = check_rate(self, "recurrent_dropout", recurrent_dropout)
        self.reset_after = bool(reset_after)
        self.seed = seed
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        units = self.units
        self.kernel = self.add_weight(shape=(input_shape[-1], 3 * units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel", _torch_perm=(1, 0))
        self.recurrent_kernel = self.add_weight(
            shape=(units, 3 * units), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint,
            name="recurrent_kernel", _torch_perm=(1, 0))
        if self.use_bias:
            shape = (2, 3 * units) if self.reset_after else (3 * units,)
            self.bias = self.add_weight(shape=shape, initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, states, training=False):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        units = self.units
        input_bias = recurrent_bias = None
        if self.bias is not None:
            if self.reset_after:
                input_bias, recurrent_bias = self.bias[0], self.bias[1]
            else:
                input_bias = self.bias
        if training and 0 < self.dropout < 1:
            inputs = inputs * self.get_dropout_mask(inputs)
        h_in = h_tm1
        if training and 0 < self.recurrent_dropout < 1:
            h_in = h_tm1 * self.get_recurrent_dropout_mask(h_tm1)
        x_z, x_r, x_h = torch.chunk(F.linear(inputs, self.kernel, input_bias), 3, dim=-1)
        if self.reset_after:
            inner = F.linear(h_in, self.recurrent_kernel, recurrent_bias)
            rec_z, rec_r, rec_h = torch.chunk(inner, 3, dim=-1)
        else:
            rec_z, rec_r = torch.chunk(F.linear(h_in, self.recurrent_kernel[:2 * units]), 2, dim=-1)
        z = self.recurrent_activation(x_z + rec_z)
        r = self.recurrent_activation(x_r + rec_r)
        if self.reset_after:
            rec_h = r * rec_h
        else:
            rec_h = F.linear(r * h_in, self.recurrent_kernel[2 * units:])
        hh = self.activation(x_h + rec_h)
        h = z * h_tm1 + (1 - z) * hh
        return h, [h]

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "reset_after": self.reset_after,
            "seed": self.seed,
        })
        return config
