"""`ConvLSTMCell`: one step of a convolutional LSTM (Keras gate order i, f, c, o).

The input and recurrent transformations of an LSTM are convolutions here. Kernels are stored in
torch layout `(4 * filters, in, *kernel_size)` (`_torch_perm`), so no per-call weight permute
happens; `get_weights`/`set_weights` and saved files use Keras's `(*kernel_size, in, 4 * filters)`.
"""

import torch
import torch.nn.functional as F

from lamina import activations, constraints, initializers, regularizers
from lamina.layers._conv_args import (channels_first_view, channels_last_view, conv_output_length,
                                      normalize_data_format, normalize_padding, normalize_tuple, same_pads)
from lamina.layers.layer import Layer
from lamina.layers.rnn._cell_base import DropoutCellMixin, check_rate, forget_bias_initializer

__all__ = ["ConvLSTMCell"]

_CONV_FNS = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


class ConvLSTMCell(DropoutCellMixin, Layer):
    """Cell class for the `ConvLSTM1D/2D/3D` layers (Keras's `ConvLSTMCell`).

    Args:
        rank: number of spatial dimensions (1, 2 or 3).
        filters: number of output channels of the convolutions (the state channels).
        kernel_size: int or tuple of `rank` ints.
        strides: int or tuple of `rank` ints, strides of the input convolution (the recurrent
            convolution always has stride 1 and "same" padding). Strides > 1 cannot be combined
            with `dilation_rate` > 1.
        padding: `"valid"` or `"same"` (case-insensitive) for the input convolution.
        data_format: `"channels_last"` (default from `keras.config.image_data_format()`) or
            `"channels_first"`.
        dilation_rate: int or tuple of `rank` ints, dilation of the input convolution.
        activation: cell/output activation (default `tanh`).
        recurrent_activation: gate activation (default `sigmoid`).
        use_bias: whether to add a bias (default True).
        kernel_initializer, recurrent_initializer, bias_initializer: defaults `glorot_uniform`,
            `orthogonal`, `zeros`.
        unit_forget_bias: the forget gate's bias starts at one (default True).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: optional penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: optional constraints.
        dropout, recurrent_dropout: dropped fractions of the inputs / previous output; as in
            Keras, each of the four gates gets its own mask, drawn once per sequence.
        seed: kept in the config (dropout draws from torch's global generator).

    Shapes (channels_last, rank 2):
        call(inputs `(batch, rows, cols, channels)`, states `[h, c]` each
        `(batch, new_rows, new_cols, filters)`) -> `(h, [h, c])`.

    Example:
        >>> cell = ConvLSTMCell(2, 4, 3, padding="same")
        >>> layer = RNN(cell)  # ConvLSTM2D(4, 3, padding="same") is the usual way
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        owner = f"{type(self).__name__} layer '{self.name}'"
        self._owner = owner
        if rank not in (1, 2, 3):
            raise ValueError(f"{owner}: `rank` must be 1, 2 or 3 (rank {rank} convolutions are not "
                             f"implemented), received rank={rank!r}.")
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f"{owner}: `filters` must be a strictly positive int, received filters={filters!r}.")
        self.rank = rank
        self.seed = seed
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = normalize_tuple(strides, rank, "strides", owner)
        self.padding = normalize_padding(padding, owner)
        self.data_format = normalize_data_format(data_format, owner)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", owner)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{owner}: `strides > 1` is not compatible with `dilation_rate > 1`, received "
                             f"strides={self.strides} and dilation_rate={self.dilation_rate}. Use strides=1 "
                             f"or dilation_rate=1.")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = check_rate(self, "dropout", dropout)
        self.recurrent_dropout = check_rate(self, "recurrent_dropout", recurrent_dropout)
        self.state_size = -1  # as Keras: the state shape depends on the input's spatial shape
        self._pad_plans = {}  # (which conv, spatial size) -> padding plan

    # ------------------------------------------------------------------ shapes

    def _spatial(self, shape):
        return tuple(shape[1:-1]) if self.data_format == "channels_last" else tuple(shape[2:])

    def output_spatial(self, spatial):
        """Spatial shape of the states for a step input of spatial shape `spatial`."""
        return tuple(conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def state_shape(self, batch, spatial):
        """Shape of `h` and `c` for a batch of step inputs of spatial shape `spatial`."""
        out = self.output_spatial(spatial)
        return (batch,) + out + (self.filters,) if self.data_format == "channels_last" \
            else (batch, self.filters) + out

    def compute_output_shape(self, inputs_shape, states_shape=None):
        shape = self.state_shape(inputs_shape[0], self._spatial(inputs_shape))
        return shape, [shape, shape]

    def build(self, inputs_shape, states_shape=None):
        inputs_shape = tuple(inputs_shape)
        if len(inputs_shape) != self.rank + 2:
            raise ValueError(f"{self._owner}: expected step inputs of rank {self.rank + 2} (batch, spatial "
                             f"dims, channels), received input shape {inputs_shape}.")
        channel_axis = -1 if self.data_format == "channels_last" else 1
        channels = inputs_shape[channel_axis]
        if channels is None:
            raise ValueError(f"{self._owner}: the channel dimension of the inputs must be defined, received "
                             f"input shape {inputs_shape}.")
        spatial = self._spatial(inputs_shape)
        if self.padding == "valid":
            for n, k, d in zip(spatial, self.kernel_size, self.dilation_rate):
                if n is not None and (k - 1) * d + 1 > n:
                    raise ValueError(
                        f"{self._owner}: kernel_size={self.kernel_size} with dilation_rate={self.dilation_rate} "
                        f"is larger than the spatial input shape {spatial} with padding='valid'; the output "
                        f"would be empty. Use padding='same' or a smaller kernel.")
        self.spatial_dims = spatial
        self.input_dim = channels
        rank, filters = self.rank, self.filters
        perm = (rank + 1, rank, *range(rank))  # Keras (*k, in, out) -> torch (out, in, *k)
        self.kernel = self.add_weight(shape=self.kernel_size + (channels, 4 * filters),
                                      initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      _torch_perm=perm)
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (filters, 4 * filters), initializer=self.recurrent_initializer,
            name="recurrent_kernel", regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint, _torch_perm=perm)
        if self.use_bias:
            initializer = forget_bias_initializer(self.bias_initializer, filters) if self.unit_forget_bias \
                else self.bias_initializer
            self.bias = self.add_weight(shape=(4 * filters,), initializer=initializer, name="bias",
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def get_initial_state(self, batch_size=None):
        """Zero `[h, c]` for the spatial shape the cell was built with."""
        shape = self.state_shape(batch_size, self.spatial_dims)
        return [self.kernel.new_zeros(shape), self.kernel.new_zeros(shape)]

    # ------------------------------------------------------------------ convolutions (channels first)

    def to_channels_first(self, x):
        return channels_first_view(x, self.rank) if self.data_format == "channels_last" else x

    def from_channels_first(self, x):
        return channels_last_view(x, self.rank) if self.data_format == "channels_last" else x

    def _padded(self, x, which, kernel_size, strides, dilation, padding):
        """(input, torch padding): "same" is symmetric inside the conv when it can be, else an
        explicit F.pad with the odd extra pad at the end (Keras/TF convention)."""
        if padding == "valid":
            return x, 0
        spatial = tuple(x.shape[2:])
        plan = self._pad_plans.get((which, spatial))
        if plan is None:
            pads = [same_pads(n, k, s, d) for n, k, s, d in zip(spatial, kernel_size, strides, dilation)]
            if all(a == b for a, b in pads):
                plan = (tuple(a for a, _ in pads), None)
            else:
                flat = []
                for before, after in reversed(pads):  # F.pad lists the last dimension first
                    flat.extend((before, after))
                plan = (0, tuple(flat))
            self._pad_plans[(which, spatial)] = plan
        symmetric, flat = plan
        return (x, symmetric) if flat is None else (F.pad(x, flat), 0)

    def input_conv(self, x, groups=1):
        """Input convolution of channels-first `x` (`groups=4`: four gate-wise dropped copies)."""
        x, padding = self._padded(x, "input", self.kernel_size, self.strides, self.dilation_rate, self.padding)
        return _CONV_FNS[self.rank](x, self.kernel, self.bias, self.strides, padding, self.dilation_rate, groups)

    def recurrent_conv(self, h, groups=1):
        """Recurrent convolution of channels-first `h`: stride 1, "same", no dilation (as Keras)."""
        ones = (1,) * self.rank
        h, padding = self._padded(h, "recurrent", self.kernel_size, ones, ones, "same")
        return _CONV_FNS[self.rank](h, self.recurrent_kernel, None, 1, padding, 1, groups)

    def gates(self, z, c_tm1):
        """New `(h, c)` from the summed pre-activations `z` `(batch, 4 * filters, ...)`."""
        z_i, z_f, z_c, z_o = torch.chunk(z, 4, dim=1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = f * c_tm1 + i * self.activation(z_c)
        o = self.recurrent_activation(z_o)
        return o * self.activation(c), c

    # ------------------------------------------------------------------ dropout

    def gate_masks(self, like, rate):
        """Four dropout masks (one per gate) shaped like `like`, stacked on a new first axis."""
        keep = 1.0 - rate
        return torch.bernoulli(torch.full((4,) + tuple(like.shape), keep, dtype=like.dtype,
                                          device=like.device)) / keep

    def get_dropout_mask(self, step_input):
        if self._dropout_mask is None or self._dropout_mask.shape[1:] != step_input.shape:
            self._dropout_mask = self.gate_masks(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, state):
        if self._recurrent_dropout_mask is None or self._recurrent_dropout_mask.shape[1:] != state.shape:
            self._recurrent_dropout_mask = self.gate_masks(state, self.recurrent_dropout)
        return self._recurrent_dropout_mask

    @staticmethod
    def masked_copies(x, masks):
        """`[x * m_i, x * m_f, x * m_c, x * m_o]` concatenated on the channel axis (channels
        first), for one grouped convolution computing each gate on its own dropped copy."""
        return torch.cat([x * m for m in masks.unbind(0)], dim=1)

    # ------------------------------------------------------------------ step

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = self.to_channels_first(states[0]), self.to_channels_first(states[1])
        x = self.to_channels_first(inputs)
        groups_x = groups_h = 1
        if training and 0 < self.dropout < 1:
            x = self.masked_copies(x, self.to_channels_first_masks(self.get_dropout_mask(inputs)))
            groups_x = 4
        h_in = h_tm1
        if training and 0 < self.recurrent_dropout < 1:
            h_in = self.masked_copies(h_tm1, self.to_channels_first_masks(self.get_recurrent_dropout_mask(states[0])))
            groups_h = 4
        z = self.input_conv(x, groups_x) + self.recurrent_conv(h_in, groups_h)
        h, c = self.gates(z, c_tm1)
        h, c = self.from_channels_first(h), self.from_channels_first(c)
        return h, [h, c]

    def to_channels_first_masks(self, masks):
        """(4, batch, ...) masks in the data format -> channels first per mask."""
        if self.data_format == "channels_first":
            return masks
        return masks.permute(0, 1, self.rank + 2, *range(2, self.rank + 2))

    def get_config(self):
        config = super().get_config()
        # "rank" is not in Keras's (private) cell config; lamina adds it so `RNN(ConvLSTMCell(...))`
        # round-trips through its config.
        config.update({
            "rank": self.rank,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        })
        return config
