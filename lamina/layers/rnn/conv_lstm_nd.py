"""`ConvLSTM1D`, `ConvLSTM2D`, `ConvLSTM3D`: the convolutional LSTM layers of each rank."""

from lamina.layers.rnn.conv_lstm import ConvLSTM

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]



def _arguments(local_vars):
    """A constructor's arguments as keywords: each class keeps Keras's explicit signature, and the
    base class receives them all without the list being written out three times."""
    arguments = {k: v for k, v in local_vars.items() if k not in ("self", "__class__", "kwargs")}
    arguments.update(local_vars["kwargs"])
    return arguments

class ConvLSTM1D(ConvLSTM):
    """1D convolutional LSTM: an LSTM whose input and recurrent transformations are 1D convolutions.

    Args:
        filters: number of output channels (the state channels).
        kernel_size: int or tuple of 1 ints.
        strides: int or tuple of 1 ints for the input convolution (default 1); > 1 cannot be
            combined with `dilation_rate` > 1.
        padding: `"valid"` (default) or `"same"`, for the input convolution.
        data_format: `"channels_last"` (inputs `(batch, time, steps, channels)`) or
            `"channels_first"` (`(batch, time, channels, steps)`); default
            `keras.config.image_data_format()`.
        dilation_rate: int or tuple of 1 ints (default 1).
        activation: default `"tanh"`; recurrent_activation: default `"sigmoid"`.
        use_bias: default True.
        kernel_initializer, recurrent_initializer, bias_initializer: defaults
            `"glorot_uniform"`, `"orthogonal"`, `"zeros"`.
        unit_forget_bias: the forget gate's bias starts at one (default True).
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint: optional.
        dropout, recurrent_dropout: dropped fractions of the inputs / previous output.
        seed: kept in the config.
        return_sequences: return the whole output sequence (default False).
        return_state: also return the final `h` and `c` (default False).
        go_backwards: process the sequence backwards (default False).
        stateful: carry the final states of a batch into the next (default False).
        unroll: accepted through `**kwargs` for Keras compatibility (no effect).

    Shapes (channels_last):
        `(batch, time, steps, channels)` -> `(batch, new_steps, filters)`, or
        `(batch, time, new_steps, filters)` with `return_sequences`; with `return_state`,
        `[output, h, c]`.

    Example:
        >>> ConvLSTM1D(4, 3, padding="same", return_sequences=True)(torch.ones(2, 5, 8, 3)).shape
        torch.Size([2, 5, 8, 4])
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        super().__init__(rank=1, **_arguments(locals()))


class ConvLSTM2D(ConvLSTM):
    """2D convolutional LSTM: an LSTM whose input and recurrent transformations are 2D convolutions.

    Args:
        filters: number of output channels (the state channels).
        kernel_size: int or tuple of 2 ints.
        strides: int or tuple of 2 ints for the input convolution (default 1); > 1 cannot be
            combined with `dilation_rate` > 1.
        padding: `"valid"` (default) or `"same"`, for the input convolution.
        data_format: `"channels_last"` (inputs `(batch, time, rows, cols, channels)`) or
            `"channels_first"` (`(batch, time, channels, rows, cols)`); default
            `keras.config.image_data_format()`.
        dilation_rate: int or tuple of 2 ints (default 1).
        activation: default `"tanh"`; recurrent_activation: default `"sigmoid"`.
        use_bias: default True.
        kernel_initializer, recurrent_initializer, bias_initializer: defaults
            `"glorot_uniform"`, `"orthogonal"`, `"zeros"`.
        unit_forget_bias: the forget gate's bias starts at one (default True).
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint: optional.
        dropout, recurrent_dropout: dropped fractions of the inputs / previous output.
        seed: kept in the config.
        return_sequences: return the whole output sequence (default False).
        return_state: also return the final `h` and `c` (default False).
        go_backwards: process the sequence backwards (default False).
        stateful: carry the final states of a batch into the next (default False).
        unroll: accepted through `**kwargs` for Keras compatibility (no effect).

    Shapes (channels_last):
        `(batch, time, rows, cols, channels)` -> `(batch, new_rows, new_cols, filters)`, or
        `(batch, time, new_rows, new_cols, filters)` with `return_sequences`; with `return_state`,
        `[output, h, c]`.

    Example:
        >>> ConvLSTM2D(4, 3, padding="same", return_sequences=True)(torch.ones(2, 5, 8, 8, 3)).shape
        torch.Size([2, 5, 8, 8, 4])
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        super().__init__(rank=2, **_arguments(locals()))


class ConvLSTM3D(ConvLSTM):
    """3D convolutional LSTM: an LSTM whose input and recurrent transformations are 3D convolutions.

    Args:
        filters: number of output channels (the state channels).
        kernel_size: int or tuple of 3 ints.
        strides: int or tuple of 3 ints for the input convolution (default 1); > 1 cannot be
            combined with `dilation_rate` > 1.
        padding: `"valid"` (default) or `"same"`, for the input convolution.
        data_format: `"channels_last"` (inputs `(batch, time, dim1, dim2, dim3, channels)`) or
            `"channels_first"` (`(batch, time, channels, dim1, dim2, dim3)`); default
            `keras.config.image_data_format()`.
        dilation_rate: int or tuple of 3 ints (default 1).
        activation: default `"tanh"`; recurrent_activation: default `"sigmoid"`.
        use_bias: default True.
        kernel_initializer, recurrent_initializer, bias_initializer: defaults
            `"glorot_uniform"`, `"orthogonal"`, `"zeros"`.
        unit_forget_bias: the forget gate's bias starts at one (default True).
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint: optional.
        dropout, recurrent_dropout: dropped fractions of the inputs / previous output.
        seed: kept in the config.
        return_sequences: return the whole output sequence (default False).
        return_state: also return the final `h` and `c` (default False).
        go_backwards: process the sequence backwards (default False).
        stateful: carry the final states of a batch into the next (default False).
        unroll: accepted through `**kwargs` for Keras compatibility (no effect).

    Shapes (channels_last):
        `(batch, time, dim1, dim2, dim3, channels)` -> `(batch, new_dim1, new_dim2, new_dim3, filters)`, or
        `(batch, time, new_dim1, new_dim2, new_dim3, filters)` with `return_sequences`; with `return_state`,
        `[output, h, c]`.

    Example:
        >>> ConvLSTM3D(4, 3, padding="same", return_sequences=True)(torch.ones(2, 5, 4, 4, 4, 3)).shape
        torch.Size([2, 5, 4, 4, 4, 4])
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        super().__init__(rank=3, **_arguments(locals()))
