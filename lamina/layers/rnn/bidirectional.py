"""`Bidirectional`: runs a recurrent layer forwards and backwards and merges the results."""

import torch

from lamina.layers.layer import Layer
from lamina.layers.rnn._serialization import deserialize_layer, serialize_layer

__all__ = ["Bidirectional"]

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _copy(layer, **overrides):
    config = layer.get_config()
    config.update(overrides)
    return type(layer).from_config(config)


def _strip(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs.

    The forward layer is a copy of `layer` named `forward_<name>`; the backward
    layer is `backward_layer` or a copy with `go_backwards` flipped named
    `backward_<name>`. With `return_sequences` the backward outputs are
    reversed back to input order before merging.

    Args:
        layer: a recurrent layer (`LSTM`, `GRU`, `SimpleRNN`, `RNN`).
        merge_mode: `"concat"` (default), `"sum"`, `"mul"`, `"ave"` or None (a list
            `[forward, backward]` is returned).
        backward_layer: optional recurrent layer for the backward direction.

    Shapes:
        `(batch, timesteps, features)` -> merged outputs of the two layers
        (`concat` doubles the last dimension).

    Example:
        >>> Bidirectional(LSTM(4, return_sequences=True))(torch.ones(2, 5, 3)).shape
        torch.Size([2, 5, 8])
    """

    supports_masking = True

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if isinstance(layer, dict):
            layer = deserialize_layer(layer, "Bidirectional")
        if isinstance(backward_layer, dict):
            backward_layer = deserialize_layer(backward_layer, "Bidirectional")
        super().__init__(**kwargs)
        for candidate, label in ((layer, "layer"), (backward_layer, "backward_layer")):
            if candidate is not None and not (isinstance(candidate, Layer)
                                              and hasattr(candidate, "go_backwards")
                                              and hasattr(candidate, "return_sequences")):
                raise ValueError(
                    f"Bidirectional layer '{self.name}': `{label}` must be a recurrent layer (RNN, LSTM, GRU, "
                    f"SimpleRNN); received {candidate!r}."
                )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Bidirectional layer '{self.name}': invalid merge_mode {merge_mode!r}; merge_mode should be "
                f"one of {list(_MERGE_MODES)}."
            )
        if backward_layer is not None and (backward_layer.return_sequences != layer.return_sequences
                                           or backward_layer.return_state != layer.return_state):
            raise ValueError(
                f"Bidirectional layer '{self.name}': `backward_layer` must have the same return_sequences and "
                f"return_state as `layer`."
            )
        self.forward_layer = _copy(layer, name="forward_" + _strip(layer.name, "forward_"))
        if backward_layer is None:
            backward_layer = _copy(layer, name="backward_" + _strip(layer.name, "backward_"),
                                   go_backwards=not layer.go_backwards)
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        # Keras zeroes masked steps' outputs so that the two directions line up.
        self.forward_layer.zero_output_for_mask = self.return_sequences
        self.backward_layer.zero_output_for_mask = self.return_sequences
        if weights is not None:
            self._initial_weights = weights

    def build(self, input_shape):
        for layer in (self.forward_layer, self.backward_layer):
            if not layer.built:
                layer._run_build([tuple(input_shape)])
        self.built = True

    def _merge_shape(self, shape):
        shape = tuple(shape)
        if self.merge_mode == "concat":
            return shape[:-1] + (shape[-1] * 2,)
        if self.merge_mode is None:
            return [shape, shape]
        return shape

    def compute_output_shape(self, input_shape):
        shapes = self.forward_layer.compute_output_shape(tuple(input_shape))
        if self.return_state:
            output, states = shapes[0], list(shapes[1:])
            merged = self._merge_shape(output)
            merged = merged if isinstance(merged, list) else [merged]
            return merged + states + states
        return self._merge_shape(shapes)

    def compute_mask(self, inputs, mask=None):
        output_mask = mask if self.return_sequences else None
        output_masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            count = 2 * len(self.forward_layer.compute_mask(inputs, mask)[1:])
            return output_masks + [None] * count
        return output_masks if self.merge_mode is None else output_mask

    def call(self, inputs, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(inputs, initial_state=forward_state, mask=mask, training=training)
        y_rev = self.backward_layer(inputs, initial_state=backward_state, mask=mask, training=training)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = torch.flip(y_rev, dims=(1,))
        if self.merge_mode == "concat":
            output = torch.cat([y, y_rev], dim=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + states
        return output

    def reset_states(self, states=None):
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def get_config(self):
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        config["layer"] = serialize_layer(self.forward_layer)
        config["backward_layer"] = serialize_layer(self.backward_layer)
        return config
