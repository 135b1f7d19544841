"""`RNN`: runs a cell over the time axis (masks, states, stateful, go_backwards)."""

import torch

from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.rnn._serialization import deserialize_layer, serialize_layer
from lamina.layers.rnn.stacked_rnn_cells import StackedRNNCells

__all__ = ["RNN"]


def _sizes(state_size):
    return list(state_size) if isinstance(state_size, (list, tuple)) else [state_size]


_CELL_ATTRIBUTES = frozenset({
    "activation", "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
    "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout",
    "reset_after", "seed"})


def _size_shape(size):
    return tuple(size) if isinstance(size, (list, tuple)) else (size,)


class RNN(Layer):
    """Base class for recurrent layers: applies `cell` to each timestep of a sequence.

    Keras masking semantics: at a masked step the states are carried over
    unchanged, and the step's output is the previous output, read from the
    first carried state (zeros when `zero_output_for_mask=True`, as
    `Bidirectional` sets); the last output is the last step's output.

    Args:
        cell: an RNN cell (a layer with `state_size` and `call(inputs, states)`
            returning `(output, new_states)`), or a list of cells (stacked).
        return_sequences: return the full output sequence instead of the last output.
        return_state: also return the final states (`[output, *states]`).
        go_backwards: process the sequence backwards (outputs stay in processing order).
        stateful: the final states of a batch are the initial states of the next;
            `reset_states()` clears them.
        unroll: accepted for Keras compatibility (no effect; torch loops are eager).
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Call arguments:
        inputs: `(batch, timesteps, features)`.
        initial_state: list of initial state tensors (zeros by default).
        mask: boolean `(batch, timesteps)`, True for steps to process.
        training: enables the cells' dropout.

    Shapes:
        output `(batch, units)` or `(batch, timesteps, units)` with `return_sequences`.

    Example:
        >>> RNN(LSTMCell(4))(torch.ones(2, 5, 3)).shape
        torch.Size([2, 4])
    """

    supports_masking = True

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, dict):
            cell = deserialize_layer(cell, "RNN")
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        super().__init__(**kwargs)
        if not hasattr(cell, "state_size") or not callable(getattr(cell, "call", None)):
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': `cell` must have a `state_size` attribute and a "
                f"`call(inputs, states)` method; received {cell!r}."
            )
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self._stateful_states = None
        self.input_spec = InputSpec(min_ndim=3)

    # ------------------------------------------------------------------ shapes

    @property
    def state_size(self):
        return self.cell.state_size

    def _output_size(self):
        return getattr(self.cell, "output_size", None) or _sizes(self.cell.state_size)[0]

    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list)):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' expects inputs of shape (batch, timesteps, "
                f"features); received input shape {input_shape}."
            )
        step_shape = (input_shape[0],) + input_shape[2:]
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._run_build([step_shape])
        self.input_spec = InputSpec(min_ndim=3, axes={-1: input_shape[-1]})
        self.built = True

    def _input_shaped_states(self):
        """Keras marks cells whose state shapes depend on the input's (ConvLSTMCell) with
        `state_size == -1`; they give shapes by `compute_output_shape(step_shape)` and zero
        states by `get_initial_state(batch_size)`."""
        return getattr(self.cell, "state_size", None) == -1

    def _state_count(self, input_shape):
        if self._input_shaped_states():
            return len(self.cell.compute_output_shape((1,) + tuple(input_shape[2:]))[1])
        return len(_sizes(self.cell.state_size))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        batch = input_shape[0]
        if self._input_shaped_states():
            out, states = self.cell.compute_output_shape((batch,) + input_shape[2:])
            output_shape = (batch, input_shape[1]) + tuple(out[1:]) if self.return_sequences else tuple(out)
            return [output_shape] + [tuple(s) for s in states] if self.return_state else output_shape
        out = _size_shape(self._output_size())
        output_shape = (batch, input_shape[1]) + out if self.return_sequences else (batch,) + out
        if self.return_state:
            return [output_shape] + [(batch,) + _size_shape(s) for s in _sizes(self.cell.state_size)]
        return output_shape

    def compute_mask(self, inputs, mask=None):
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * self._state_count(inputs.shape)
        return output_mask

    # ------------------------------------------------------------------ states

    def get_initial_state(self, batch_size):
        """Zero initial states, one `(batch_size, size)` tensor per state."""
        reference = next(self.cell.parameters(), None)
        device = reference.device if reference is not None else None
        dtype = reference.dtype if reference is not None else torch.float32
        return [torch.zeros((batch_size,) + _size_shape(s), dtype=dtype, device=device)
                for s in _sizes(self.cell.state_size)]

    def __getattr__(self, name):
        # Keras's LSTM/GRU/SimpleRNN expose their cell's hyper-parameters (`layer.dropout`...).
        # Only reached when normal lookup fails, so the hot path pays nothing.
        try:
            return super().__getattr__(name)
        except AttributeError:
            cell = self.__dict__.get("_modules", {}).get("cell")
            if name in _CELL_ATTRIBUTES and cell is not None and hasattr(cell, name):
                return getattr(cell, name)
            raise

    def reset_states(self, states=None):
        """Clears (or sets) the states kept by a `stateful` layer."""
        self._stateful_states = None if states is None else [torch.as_tensor(s) for s in states]

    reset_state = reset_states

    @property
    def states(self):
        return self._stateful_states

    def _initial_states(self, inputs, initial_state):
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            expected = self._state_count(inputs.shape)
            if len(states) != expected:
                raise ValueError(
                    f"{type(self).__name__} layer '{self.name}' expects {expected} initial state tensor(s), "
                    f"received {len(states)}."
                )
            return states
        batch = inputs.shape[0]
        if self.stateful and self._stateful_states is not None:
            if self._stateful_states[0].shape[0] != batch:
                raise ValueError(
                    f"{type(self).__name__} layer '{self.name}' is stateful with batch size "
                    f"{self._stateful_states[0].shape[0]}, but received a batch of {batch}. Use a fixed "
                    f"batch size or call reset_states()."
                )
            return self._stateful_states
        if self._input_shaped_states():
            return [s.to(inputs.dtype) for s in self.cell.get_initial_state(batch)]
        return [inputs.new_zeros((batch,) + _size_shape(s)) for s in _sizes(self.cell.state_size)]

    def _check_mask(self, mask, inputs):
        if tuple(mask.shape) != tuple(inputs.shape[:2]):
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': the mask must have shape (batch, timesteps) = "
                f"{tuple(inputs.shape[:2])}, received a mask of shape {tuple(mask.shape)}."
            )
        return mask if mask.dtype == torch.bool else mask.bool()

    # ------------------------------------------------------------------ calling

    def _fused(self, inputs, states, training, mask):
        """Subclasses return `(sequence, final_states)` from a fused torch kernel, or None."""
        return None

    def call(self, inputs, initial_state=None, mask=None, training=None):
        if isinstance(inputs, (list, tuple)):
            # Keras also accepts `layer([x, *initial_states])`.
            inputs, initial_state = inputs[0], list(inputs[1:]) or initial_state
        states = self._initial_states(inputs, initial_state)
        if mask is not None:
            mask = self._check_mask(mask, inputs)
        fused = self._fused(inputs, states, training, mask)
        if fused is not None:
            sequence, states = fused
            # Unmasked, the kernel's final hidden state *is* the last output (bit for bit); taking
            # it spares a select whose backward writes a zero gradient for the whole sequence.
            last = states[0] if mask is None else sequence[:, -1]
        else:
            last, sequence, states = self._loop(inputs, states, mask, training)
        if self.stateful:
            self._stateful_states = [s.detach() for s in states]
        output = sequence if self.return_sequences else last
        if self.return_state:
            return [output] + list(states)
        return output

    def _loop(self, inputs, states, mask, training):
        """Step loop with Keras's masking semantics (the reference for every fused path)."""
        cell = self.cell
        if hasattr(cell, "reset_dropout_mask"):
            cell.reset_dropout_mask()
        kwargs = {"training": bool(training)} if getattr(cell, "_call_has_training_arg", False) else {}
        steps = inputs.shape[1]
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs = [] if self.return_sequences else None
        # A masked step outputs the previous output, which Keras reads from the carried state:
        # the first state (of the last cell, for stacked cells).
        previous = len(_sizes(cell.state_size)) - len(_sizes(cell.cells[-1].state_size)) \
            if isinstance(cell, StackedRNNCells) else 0
        for t in order:
            output, new_states = cell.call(inputs[:, t], list(states), **kwargs)
            if not isinstance(new_states, (list, tuple)):
                new_states = [new_states]
            if mask is not None:
                keep = mask[:, t].unsqueeze(-1)
                fallback = torch.zeros_like(output) if self.zero_output_for_mask else states[previous]
                output = torch.where(keep.view(keep.shape + (1,) * (output.dim() - 2)), output, fallback)
                new_states = [torch.where(keep.view(keep.shape + (1,) * (s.dim() - 2)), n, s)
                              for n, s in zip(new_states, states)]
            states = new_states
            if outputs is not None:
                outputs.append(output)
        sequence = torch.stack(outputs, dim=1) if outputs is not None else None
        return output, sequence, states

    def get_config(self):
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        })
        if type(self) is RNN:
            config["cell"] = serialize_layer(self.cell)
        return config
