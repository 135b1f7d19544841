"""Shared pieces of the recurrent cells: per-sequence dropout masks and Keras-style bias init."""

import torch

from lamina import activations

__all__ = []

# Activations for which torch's fused recurrent kernels compute exactly the Keras cell.
_TANH = activations.get("tanh")
_SIGMOID = activations.get("sigmoid")
_RELU = activations.get("relu")


def check_rate(layer, name, value):
    """Validates a dropout rate argument (a float in [0, 1])."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(
            f"{type(layer).__name__} layer '{layer.name}': `{name}` must be a float between 0 and 1, "
            f"received {name}={value!r}."
        )
    return float(value)


def check_units(layer, units):
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise ValueError(
            f"{type(layer).__name__} layer '{layer.name}': `units` must be a positive int, "
            f"received units={units!r}."
        )
    return units


class DropoutCellMixin:
    """Keras's per-sequence dropout masks: one mask for all timesteps of a sequence.

    The RNN layer calls `reset_dropout_mask()` before each sequence; the first
    step draws the masks, later steps reuse them (as Keras's DropoutRNNCell).
    """

    _dropout_mask = None
    _recurrent_dropout_mask = None

    def reset_dropout_mask(self):
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    @staticmethod
    def _draw(like, rate):
        keep = 1.0 - rate
        return torch.bernoulli(torch.full_like(like, keep)) / keep

    def get_dropout_mask(self, step_input):
        if self._dropout_mask is None or self._dropout_mask.shape != step_input.shape:
            self._dropout_mask = self._draw(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, state):
        if self._recurrent_dropout_mask is None or self._recurrent_dropout_mask.shape != state.shape:
            self._recurrent_dropout_mask = self._draw(state, self.recurrent_dropout)
        return self._recurrent_dropout_mask


def forget_bias_initializer(base, units):
    """LSTM `unit_forget_bias=True`: the forget gate's bias starts at one."""

    def initializer(shape, dtype=None):
        return torch.cat([
            torch.as_tensor(base((units,), dtype=dtype)),
            torch.ones((units,), dtype=dtype),
            torch.as_tensor(base((units * 2,), dtype=dtype)),
        ])

    return initializer
