"""`StackedRNNCells`: several cells run as one, each feeding the next at every step."""

from lamina.layers.layer import Layer
from lamina.layers.rnn._serialization import deserialize_layer, serialize_layer

__all__ = ["StackedRNNCells"]


def _sizes(state_size):
    return list(state_size) if isinstance(state_size, (list, tuple)) else [state_size]


class StackedRNNCells(Layer):
    """Wraps a list of RNN cells so that an `RNN` runs them as a stack.

    The states are the concatenation of the cells' state lists (first cell
    first); the output is the last cell's output.

    Args:
        cells: list of cells (layers with `state_size` and `call(inputs, states)`).

    Example:
        >>> layer = RNN(StackedRNNCells([LSTMCell(8), LSTMCell(4)]))
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = [deserialize_layer(c, f"StackedRNNCells '{self.name}'") if isinstance(c, dict) else c
                 for c in cells]
        for cell in cells:
            if not hasattr(cell, "state_size") or not callable(getattr(cell, "call", None)):
                raise ValueError(f"StackedRNNCells '{self.name}': every cell needs a `state_size` attribute "
                                 f"and a `call(inputs, states)` method; received {cell!r}.")
        self.cells = cells

    @property
    def state_size(self):
        return [s for cell in self.cells for s in _sizes(cell.state_size)]

    @property
    def output_size(self):
        last = self.cells[-1]
        return getattr(last, "output_size", _sizes(last.state_size)[0])

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._run_build([shape])
            out = getattr(cell, "output_size", _sizes(cell.state_size)[0])
            shape = shape[:-1] + (out,)
        self.built = True

    def reset_dropout_mask(self):
        for cell in self.cells:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()

    def call(self, inputs, states, training=False):
        new_states, index = [], 0
        for cell in self.cells:
            count = len(_sizes(cell.state_size))
            kwargs = {"training": training} if getattr(cell, "_call_has_training_arg", False) else {}
            inputs, cell_states = cell.call(inputs, list(states[index:index + count]), **kwargs)
            if not isinstance(cell_states, (list, tuple)):
                cell_states = [cell_states]
            new_states.extend(cell_states)
            index += count
        return inputs, new_states

    def get_config(self):
        config = super().get_config()
        config["cells"] = [serialize_layer(cell) for cell in self.cells]
        return config
