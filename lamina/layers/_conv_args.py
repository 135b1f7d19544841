"""Argument checking and Keras padding arithmetic shared by conv, pooling and reshaping layers.

Errors name the layer, the argument and the received value, as the Layer protocol asks.
"""

import math

# The channels-first views live in their own module (one shared view per tensor, see there).
from lamina.layers._layout_views import channels_first_view, channels_last_view  # noqa: F401

__all__ = ["normalize_tuple", "normalize_padding", "normalize_data_format", "same_pads",
           "conv_output_length", "channels_first_view", "channels_last_view"]


def normalize_tuple(value, rank, arg, owner, allow_zero=False):
    """`3` or `(3, 3)` -> a tuple of `rank` ints (Keras's `standardize_tuple`)."""
    values = (value,) * rank if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        values = tuple(values)
    except TypeError:
        values = None
    if values is None or len(values) != rank or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ValueError(f"{owner}: the `{arg}` argument must be an int or a tuple of {rank} ints, "
                         f"received {arg}={value!r}.")
    low = 0 if allow_zero else 1
    if any(v < low for v in values):
        kind = "non-negative" if allow_zero else "strictly positive"
        raise ValueError(f"{owner}: the `{arg}` argument must be {kind}, received {arg}={value!r}.")
    return values


def normalize_padding(value, owner, allowed=("valid", "same")):
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"{owner}: the `padding` argument must be one of {list(allowed)}, "
                         f"received padding={value!r}.")
    return padding


def normalize_data_format(value, owner):
    if value is None:  # Keras: the process-wide default, `keras.config.image_data_format()`
        from lamina.backend.config import image_data_format

        value = image_data_format()
    data_format = value
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{owner}: the `data_format` argument must be 'channels_last' or "
                         f"'channels_first', received data_format={value!r}.")
    return data_format


def same_pads(length, kernel, stride, dilation):
    """(before, after) padding of Keras/TF "same": the odd extra pad goes at the end."""
    effective = (kernel - 1) * dilation + 1
    total = max((math.ceil(length / stride) - 1) * stride + effective - length, 0)
    return total // 2, total - total // 2


def conv_output_length(length, kernel, padding, stride, dilation=1):
    """Keras's output length of a conv/pool along one axis (None stays None)."""
    if length is None:
        return None
    effective = (kernel - 1) * dilation + 1
    if padding == "same":
        return math.ceil(length / stride)
    if padding == "causal":
        return (length - 1) // stride + 1
    return (length - effective) // stride + 1
