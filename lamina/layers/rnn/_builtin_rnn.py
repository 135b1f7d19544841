"""What `SimpleRNN`, `LSTM` and `GRU` share: `units`, the fused-kernel dispatch and the config."""

from lamina.layers.rnn import _fused
from lamina.layers.rnn.rnn import RNN

__all__ = []


class BuiltinRNN(RNN):
    """An `RNN` over one built-in cell whose hyper-parameters the layer's config flattens (as Keras).

    Subclasses set `_fused_runner` (a `staticmethod` of `_fused`) and, in `__init__`, `_fusable`.
    """

    _fused_runner = None
    _fusable = False
    # Cell config keys the layer's own config does not repeat.
    _CELL_CONFIG_DROPPED = ("name", "trainable", "dtype")

    @property
    def units(self):
        return self.cell.units

    def _fused(self, inputs, states, training, mask):
        if not self._fusable:
            return None
        return _fused.run(self, self._fused_runner, inputs, states, training, mask)

    def get_config(self):
        config = super().get_config()
        cell_config = self.cell.get_config()
        for key in self._CELL_CONFIG_DROPPED:
            cell_config.pop(key, None)
        config.update(cell_config)
        config["activity_regularizer"] = config.get("activity_regularizer")
        return config
