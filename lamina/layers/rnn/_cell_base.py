"""Shared pieces of the recurrent cells: arguments, weights and config of the built-in cells,
per-sequence dropout masks and Keras-style bias init."""

import torch

from lamina import activations, constraints, initializers, regularizers
from lamina.layers.layer import Layer

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


class RecurrentCellBase(DropoutCellMixin, Layer):
    """What `SimpleRNNCell`, `LSTMCell` and `GRUCell` share: the Keras arguments common to all
    three (units, activation, use_bias, the kernel/recurrent/bias initializers, regularizers and
    constraints, dropout, recurrent_dropout, seed), the kernel and bias weights, and the config.

    Gated cells pass `recurrent_activation` (SimpleRNNCell has none) and name in
    `_CONFIG_AFTER_INITIALIZERS` / `_CONFIG_BEFORE_SEED` the extra attributes they write into the
    config, at Keras's positions.
    """

    _HAS_RECURRENT_ACTIVATION = False
    _CONFIG_AFTER_INITIALIZERS = ()
    _CONFIG_BEFORE_SEED = ()

    def __init__(self, units, activation, use_bias, kernel_initializer, recurrent_initializer,
                 bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                 kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                 seed, recurrent_activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = check_units(self, units)
        self.activation = activations.get(activation)
        if self._HAS_RECURRENT_ACTIVATION:
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
        self.seed = seed
        self.output_size = units

    def _build_kernels(self, input_dim, width):
        """`kernel` `(input_dim, width)` and `recurrent_kernel` `(units, width)`, stored transposed."""
        self.kernel = self.add_weight(shape=(input_dim, width), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel", _torch_perm=(1, 0))
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint,
            name="recurrent_kernel", _torch_perm=(1, 0))

    def _build_bias(self, shape, initializer=None):
        """The `bias` weight when `use_bias` (else None), with `bias_initializer` unless given."""
        if not self.use_bias:
            return None
        if initializer is None:
            initializer = self.bias_initializer
        return self.add_weight(shape=shape, initializer=initializer,
                               regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                               name="bias")

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        config["activation"] = activations.serialize(self.activation)
        if self._HAS_RECURRENT_ACTIVATION:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config["use_bias"] = self.use_bias
        for kind in ("kernel", "recurrent", "bias"):
            config[f"{kind}_initializer"] = initializers.serialize(getattr(self, f"{kind}_initializer"))
        config.update({key: getattr(self, key) for key in self._CONFIG_AFTER_INITIALIZERS})
        for kind in ("kernel", "recurrent", "bias"):
            config[f"{kind}_regularizer"] = regularizers.serialize(getattr(self, f"{kind}_regularizer"))
        for kind in ("kernel", "recurrent", "bias"):
            config[f"{kind}_constraint"] = constraints.serialize(getattr(self, f"{kind}_constraint"))
        config["dropout"] = self.dropout
        config["recurrent_dropout"] = self.recurrent_dropout
        config.update({key: getattr(self, key) for key in self._CONFIG_BEFORE_SEED})
        config["seed"] = self.seed
        return config
