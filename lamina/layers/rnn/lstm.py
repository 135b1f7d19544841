"""`LSTM`: the long short-term memory layer, on torch's fused LSTM kernel where possible."""

from lamina.layers.rnn import _fused
from lamina.layers.rnn._builtin_rnn import BuiltinRNN
from lamina.layers.rnn.lstm_cell import LSTMCell

__all__ = ["LSTM"]


class LSTM(BuiltinRNN):
    """Long Short-Term Memory layer (Hochreiter 1997), Keras 3 semantics.

    Runs torch's fused LSTM kernel (no per-call weight copies: the cell stores
    its kernels in torch layout) unless a mask, recurrent dropout in training
    or non-default activations require the step loop, which computes the same
    numbers.

    Args:
        units: dimensionality of the output.
        activation, recurrent_activation, use_bias, kernel_initializer,
            recurrent_initializer, bias_initializer, unit_forget_bias,
            kernel_regularizer, recurrent_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, recurrent_constraint,
            bias_constraint, dropout, recurrent_dropout, seed: as in `LSTMCell`
            (defaults `tanh`, `sigmoid`, True, `glorot_uniform`, `orthogonal`,
            `zeros`, True, ..., 0.0, 0.0, None).
        return_sequences, return_state, go_backwards, stateful, unroll: as in `RNN`.
        use_cudnn: accepted for Keras compatibility (torch picks its kernel).

    Shapes:
        `(batch, timesteps, features)` -> `(batch, units)`, or
        `(batch, timesteps, units)` with `return_sequences`; with `return_state`
        a list `[output, h, c]`.

    Example:
        >>> LSTM(4, return_sequences=True)(torch.ones(2, 5, 3)).shape
        torch.Size([2, 5, 4])
    """

    _fused_runner = staticmethod(_fused.run_lstm)

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto", **kwargs):
        cell = LSTMCell(units, activation=activation, recurrent_activation=recurrent_activation,
                        use_bias=use_bias, kernel_initializer=kernel_initializer,
                        recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                        unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
                        recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                        kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                        bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                        seed=seed, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                        name="lstm_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = use_cudnn
        self._fusable = _fused.fusable_activations(cell)
