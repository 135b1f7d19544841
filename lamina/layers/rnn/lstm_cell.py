"""`LSTMCell`: one step of a long short-term memory recurrence (Keras gate order i, f, c, o)."""

import torch
import torch.nn.functional as F

from lamina.layers.rnn._cell_base import RecurrentCellBase, forget_bias_initializer

__all__ = ["LSTMCell"]


class LSTMCell(RecurrentCellBase):
    """Cell class for `LSTM`.

    Keras's gate order `i, f, c, o` is torch's `i, f, g, o`, so the kernels are
    stored transposed (torch layout `(4 * units, input_dim)`) and fed to torch's
    fused LSTM without any per-call copy; `get_weights`/`set_weights` use
    Keras's layout `(input_dim, 4 * units)`, `(units, 4 * units)`, `(4 * units,)`.

    Args:
        units: dimensionality of the output and states.
        activation: cell/output activation (default `tanh`).
        recurrent_activation: gate activation (default `sigmoid`).
        use_bias: whether to add a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        unit_forget_bias: add 1 to the forget gate's bias at initialization.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: optional penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: optional constraints.
        dropout, recurrent_dropout: dropped fractions of inputs / previous output.
        seed: accepted for Keras compatibility.

    Shapes:
        call(inputs `(batch, input_dim)`, states `[h, c]` each `(batch, units)`) -> (h, [h, c]).

    Example:
        >>> layer = RNN(LSTMCell(8), return_sequences=True)
    """

    _HAS_RECURRENT_ACTIVATION = True
    _CONFIG_AFTER_INITIALIZERS = ("unit_forget_bias",)

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        kwargs.pop("implementation", None)  # Keras 2 argument, no effect in Keras 3
        super().__init__(
            units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed,
            recurrent_activation=recurrent_activation, **kwargs)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [units, units]

    def build(self, input_shape):
        units = self.units
        self._build_kernels(input_shape[-1], 4 * units)
        self.bias = self._build_bias(
            (4 * units,),
            forget_bias_initializer(self.bias_initializer, units) if self.unit_forget_bias else None)
        self.built = True

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        if training and 0 < self.dropout < 1:
            inputs = inputs * self.get_dropout_mask(inputs)
        if training and 0 < self.recurrent_dropout < 1:
            h_tm1 = h_tm1 * self.get_recurrent_dropout_mask(h_tm1)
        z = F.linear(inputs, self.kernel, self.bias) + F.linear(h_tm1, self.recurrent_kernel)
        z0, z1, z2, z3 = torch.chunk(z, 4, dim=-1)
        i = self.recurrent_activation(z0)
        f = self.recurrent_activation(z1)
        c = f * c_tm1 + i * self.activation(z2)
        o = self.recurrent_activation(z3)
        h = o * self.activation(c)
        return h, [h, c]
