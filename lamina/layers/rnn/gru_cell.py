"""`GRUCell`: one step of a gated recurrent unit (Keras gate order z, r, h)."""

import torch
import torch.nn.functional as F

from lamina.layers.rnn._cell_base import RecurrentCellBase

__all__ = ["GRUCell"]


class GRUCell(RecurrentCellBase):
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

    _HAS_RECURRENT_ACTIVATION = True
    _CONFIG_BEFORE_SEED = ("reset_after",)

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True, seed=None,
                 **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(
            units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed,
            recurrent_activation=recurrent_activation, **kwargs)
        self.reset_after = bool(reset_after)
        self.state_size = units

    def build(self, input_shape):
        self._build_kernels(input_shape[-1], 3 * self.units)
        self.bias = self._build_bias((2, 3 * self.units) if self.reset_after else (3 * self.units,))
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
