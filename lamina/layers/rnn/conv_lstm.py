"""`ConvLSTM`: the N-d convolutional LSTM layer base (ConvLSTM1D/2D/3D pick the rank).

One convolution computes the input transformation of every timestep at once (batch and time
merged); only the recurrent convolution runs step by step.
"""

import torch

from lamina import activations, constraints, initializers, regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.rnn.conv_lstm_cell import ConvLSTMCell
from lamina.layers.rnn.rnn import RNN

__all__ = ["ConvLSTM"]


def _cell_property(name):
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's `{name}`.")


class ConvLSTM(RNN):
    """Abstract N-d convolutional LSTM layer (use `ConvLSTM1D`, `ConvLSTM2D` or `ConvLSTM3D`).

    Like `LSTM`, but the input and recurrent transformations are convolutions.
    Keras semantics: masked timesteps carry the states and repeat the previous
    output; with `go_backwards` the sequence is processed (and output) reversed.

    Args:
        rank: number of spatial dimensions.
        filters, kernel_size, strides, padding, data_format, dilation_rate,
            activation, recurrent_activation, use_bias, kernel_initializer,
            recurrent_initializer, bias_initializer, unit_forget_bias,
            kernel_regularizer, recurrent_regularizer, bias_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint, dropout,
            recurrent_dropout, seed: as in `ConvLSTMCell`.
        return_sequences, return_state, go_backwards, stateful: as in `RNN`
            (`unroll` is accepted through `**kwargs` and has no effect).

    Call arguments:
        inputs: `(batch, time, *spatial, channels)` (channels_last) or
            `(batch, time, channels, *spatial)` (channels_first).
        mask: boolean `(batch, time)`; initial_state: `[h, c]`; training: enables dropout.

    Example:
        >>> layer = ConvLSTM(2, 4, 3, padding="same")  # what ConvLSTM2D(4, 3, padding="same") is
        >>> layer(torch.ones(2, 5, 8, 8, 3)).shape
        torch.Size([2, 8, 8, 4])
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 **kwargs):
        cell = ConvLSTMCell(
            rank=rank, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, name="conv_lstm_cell", dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, **kwargs)
        self.rank = rank
        self.input_spec = InputSpec(ndim=rank + 3)

    filters = _cell_property("filters")
    kernel_size = _cell_property("kernel_size")
    strides = _cell_property("strides")
    padding = _cell_property("padding")
    data_format = _cell_property("data_format")
    dilation_rate = _cell_property("dilation_rate")

    # ------------------------------------------------------------------ shapes

    def build(self, input_shape):
        sequences_shape = input_shape
        if isinstance(sequences_shape, list) and sequences_shape and isinstance(sequences_shape[0], (tuple, list)):
            sequences_shape = sequences_shape[0]
        sequences_shape = tuple(sequences_shape)
        if len(sequences_shape) != self.rank + 3:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' expects inputs of rank {self.rank + 3} "
                f"(batch, time, {self.rank} spatial dims and channels), received input shape {sequences_shape}.")
        step_shape = (sequences_shape[0],) + sequences_shape[2:]
        if not self.cell.built:
            self.cell._run_build([step_shape])
        channel_axis = -1 if self.data_format == "channels_last" else 2
        self.input_spec = InputSpec(ndim=self.rank + 3, axes={channel_axis: sequences_shape[channel_axis]})
        self.built = True

    def _state_shape(self, sequences_shape):
        step_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        return self.cell.compute_output_shape(step_shape)[0]

    def compute_output_shape(self, input_shape):
        sequences_shape = tuple(input_shape)
        state_shape = self._state_shape(sequences_shape)
        output_shape = (state_shape[0], sequences_shape[1]) + state_shape[1:] if self.return_sequences \
            else state_shape
        if self.return_state:
            return [output_shape, state_shape, state_shape]
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        return [output_mask, None, None] if self.return_state else output_mask

    # ------------------------------------------------------------------ states

    def get_initial_state(self, batch_size):
        """Zero `[h, c]` for a batch of `batch_size` sequences."""
        return self.cell.get_initial_state(batch_size)

    def _initial_states(self, inputs, initial_state):
        if initial_state is not None or (self.stateful and self._stateful_states is not None):
            return super()._initial_states(inputs, initial_state)
        shape = self._state_shape(tuple(inputs.shape))
        return [inputs.new_zeros(shape), inputs.new_zeros(shape)]

    # ------------------------------------------------------------------ calling

    def _fused(self, inputs, states, training, mask):
        """The whole sequence: one (batched over time) input convolution, then per-step recurrent
        convolutions; Keras's masking, dropout and go_backwards semantics (as `RNN._loop`)."""
        cell = self.cell
        if self.go_backwards:
            inputs = inputs.flip(1)
            mask = mask.flip(1) if mask is not None else None
        batch, steps = inputs.shape[0], inputs.shape[1]
        # Time-major rows (t, b): each step's slice of the input convolution's output is then one
        # dense block in the same memory format as the recurrent convolution's output, so their
        # sum, the gate math and the next recurrent convolution stay in one (fast) layout.
        x = inputs.transpose(0, 1).reshape((steps * batch,) + tuple(inputs.shape[2:]))
        x = cell.to_channels_first(x)
        cell.reset_dropout_mask()
        groups = 1
        if training and 0 < cell.dropout < 1:
            masks = cell.to_channels_first_masks(cell.get_dropout_mask(inputs[:, 0]))
            # The same per-sequence mask for every timestep: tiled over the (time-major) rows.
            masks = masks.repeat((1, steps) + (1,) * (masks.dim() - 2))
            x = cell.masked_copies(x, masks)
            groups = 4
        z_x = cell.input_conv(x, groups)
        z_x = z_x.reshape((steps, batch) + tuple(z_x.shape[1:]))
        # Under a mixed policy's autocast the convolutions compute in half precision: the states
        # follow (as Keras's states in the compute dtype), not promoted back by float32 zeros.
        h = cell.to_channels_first(states[0]).to(z_x.dtype)
        c = cell.to_channels_first(states[1]).to(z_x.dtype)
        recurrent_masks = None
        if training and 0 < cell.recurrent_dropout < 1:
            recurrent_masks = cell.to_channels_first_masks(cell.get_recurrent_dropout_mask(states[0]))
        outputs = []
        last = None
        for t in range(steps):
            h_in = h if recurrent_masks is None else cell.masked_copies(h, recurrent_masks)
            z = z_x[t] + cell.recurrent_conv(h_in, 1 if recurrent_masks is None else 4)
            h_new, c_new = cell.gates(z, c)
            if mask is not None:
                keep = mask[:, t].view((batch,) + (1,) * (h.dim() - 1))
                h_new = torch.where(keep, h_new, h)
                c_new = torch.where(keep, c_new, c)
                # A masked step repeats the previous output (the carried h), or outputs zeros.
                last = torch.where(keep, h_new, torch.zeros_like(h_new)) if self.zero_output_for_mask else h_new
            else:
                last = h_new
            h, c = h_new, c_new
            if self.return_sequences:
                outputs.append(cell.from_channels_first(last))
        final = [cell.from_channels_first(h), cell.from_channels_first(c)]
        # RNN.call reads the last output from the sequence when a mask is given: without
        # return_sequences only that last step is materialized.
        sequence = torch.stack(outputs, dim=1) if self.return_sequences \
            else cell.from_channels_first(last).unsqueeze(1)
        return sequence, final

    def get_config(self):
        config = super().get_config()
        config.pop("cell", None)
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.cell.activation),
            "recurrent_activation": activations.serialize(self.cell.recurrent_activation),
            "use_bias": self.cell.use_bias,
            "kernel_initializer": initializers.serialize(self.cell.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.cell.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.cell.bias_initializer),
            "unit_forget_bias": self.cell.unit_forget_bias,
            "kernel_regularizer": regularizers.serialize(self.cell.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.cell.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.cell.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.cell.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.cell.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.cell.bias_constraint),
            "dropout": self.cell.dropout,
            "recurrent_dropout": self.cell.recurrent_dropout,
            "seed": self.cell.seed,
        })
        return config
