"""`SimpleRNNCell`: one step of a fully-connected recurrence, `act(x W + h U + b)`."""

import torch.nn.functional as F

from lamina.layers.rnn._cell_base import RecurrentCellBase

__all__ = ["SimpleRNNCell"]


class SimpleRNNCell(RecurrentCellBase):
    """Cell class for `SimpleRNN`: `output = activation(x @ kernel + h @ recurrent_kernel + bias)`.

    Weights are stored in torch layout (`kernel` as `(units, input_dim)`), the
    layout torch's fused `rnn_tanh` kernel reads; `get_weights`/`set_weights`
    use Keras's `(input_dim, units)`.

    Args:
        units: dimensionality of the output and state.
        activation: activation (default `tanh`).
        use_bias: whether to add a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: optional penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: optional constraints.
        dropout: fraction of the inputs dropped (same mask for every step).
        recurrent_dropout: fraction of the previous state dropped.
        seed: accepted for Keras compatibility (torch's global RNG is used).

    Shapes:
        call(inputs `(batch, input_dim)`, states `[(batch, units)]`) ->
        (output `(batch, units)`, `[new_state]`).

    Example:
        >>> layer = RNN(SimpleRNNCell(4))
    """

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        super().__init__(
            units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.state_size = units

    def build(self, input_shape):
        self._build_kernels(input_shape[-1], self.units)
        self.bias = self._build_bias((self.units,))
        self.built = True

    def call(self, inputs, states, training=False):
        prev = states[0] if isinstance(states, (list, tuple)) else states
        if training and 0 < self.dropout < 1:
            inputs = inputs * self.get_dropout_mask(inputs)
        if training and 0 < self.recurrent_dropout < 1:
            prev = prev * self.get_recurrent_dropout_mask(prev)
        h = F.linear(inputs, self.kernel, self.bias) + F.linear(prev, self.recurrent_kernel)
        output = self.activation(h)
        return output, [output]
