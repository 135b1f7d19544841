"""`GRU`: the gated recurrent unit layer, on torch's fused GRU kernel where possible."""

from lamina.layers.rnn import _fused
from lamina.layers.rnn._builtin_rnn import BuiltinRNN
from lamina.layers.rnn.gru_cell import GRUCell

__all__ = ["GRU"]


class GRU(BuiltinRNN):
    """Gated Recurrent Unit layer (Cho et al. 2014), Keras 3 semantics.

    With `reset_after=True` (the default) Keras's GRU is torch's GRU up to the
    gate order, so torch's fused kernel runs (gates reordered z,r,h -> r,z,n on
    the fly); `reset_after=False`, masks, recurrent dropout in training or
    non-default activations use the step loop.

    Args:
        units: dimensionality of the output.
        activation, recurrent_activation, use_bias, kernel_initializer,
            recurrent_initializer, bias_initializer, kernel_regularizer,
            recurrent_regularizer, bias_regularizer, activity_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint, dropout,
            recurrent_dropout, reset_after, seed: as in `GRUCell`.
        return_sequences, return_state, go_backwards, stateful, unroll: as in `RNN`.
        use_cudnn: accepted for Keras compatibility.

    Shapes:
        `(batch, timesteps, features)` -> `(batch, units)` or
        `(batch, timesteps, units)`; with `return_state` `[output, h]`.

    Example:
        >>> GRU(4)(torch.ones(2, 5, 3)).shape
        torch.Size([2, 4])
    """

    _fused_runner = staticmethod(_fused.run_gru)

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, reset_after=True, use_cudnn="auto", **kwargs):
        cell = GRUCell(units, activation=activation, recurrent_activation=recurrent_activation,
                       use_bias=use_bias, kernel_initializer=kernel_initializer,
                       recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                       kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                       bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                       recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                       dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after, seed=seed,
                       dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True), name="gru_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = use_cudnn
        self._fusable = _fused.fusable_activations(cell) and cell.reset_after
