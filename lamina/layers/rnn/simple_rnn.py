"""`SimpleRNN`: a fully-connected recurrence, on torch's fused RNN kernel where possible."""

from lamina.layers.rnn import _fused
from lamina.layers.rnn._builtin_rnn import BuiltinRNN
from lamina.layers.rnn.simple_rnn_cell import SimpleRNNCell

__all__ = ["SimpleRNN"]


class SimpleRNN(BuiltinRNN):
    """Fully-connected RNN whose output is fed back as the next input state.

    `tanh` and `relu` activations run torch's fused `rnn_tanh`/`rnn_relu`
    kernels; other activations, masks and recurrent dropout in training use the
    step loop.

    Args:
        units: dimensionality of the output.
        activation, use_bias, kernel_initializer, recurrent_initializer,
            bias_initializer, kernel_regularizer, recurrent_regularizer,
            bias_regularizer, activity_regularizer, kernel_constraint,
            recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
            seed: as in `SimpleRNNCell`.
        return_sequences, return_state, go_backwards, stateful, unroll: as in `RNN`.

    Shapes:
        `(batch, timesteps, features)` -> `(batch, units)` or `(batch, timesteps, units)`.

    Example:
        >>> SimpleRNN(4)(torch.ones(2, 5, 3)).shape
        torch.Size([2, 4])
    """

    _fused_runner = staticmethod(_fused.run_simple)
    _CELL_CONFIG_DROPPED = ("name", "trainable", "dtype", "seed")

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, seed=None, **kwargs):
        cell = SimpleRNNCell(units, activation=activation, use_bias=use_bias,
                             kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                             bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                             recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                             kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                             bias_constraint=bias_constraint, dropout=dropout,
                             recurrent_dropout=recurrent_dropout, seed=seed, dtype=kwargs.get("dtype"),
                             trainable=kwargs.get("trainable", True), name="simple_rnn_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self._fusable = _fused.simple_fusable(cell)
