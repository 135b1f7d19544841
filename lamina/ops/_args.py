"""Argument checks shared by `ops.nn`, `ops.image`, `ops.linalg` and `ops.math`.

Every user-facing error names the op, the argument, what was expected and what was received, so
these helpers all take the op's name first.
"""

from lamina.backend.dtypes import floatx, standardize_dtype
from lamina.ops._dtypes import convert_to_tensor

__all__ = [
    "to_float_tensor",
    "standardize_data_format",
    "int_tuple",
    "check_rank",
    "check_choice",
    "canonical_axis",
]


def to_float_tensor(x, op=None):
    """`x` as a tensor; integer and bool inputs become `floatx()` (Keras's `result_type(x, float)`)."""
    x = convert_to_tensor(x)
    if not (x.is_floating_point() or x.is_complex()):
        x = x.to(standardize_dtype(floatx()))
    return x


try:  # `keras.config.image_data_format` (lamina.backend.config), resolved once at import so
    # that torch.compile traces a plain function call.
    from lamina.backend.config import image_data_format as _image_data_format
except ImportError:  # a checkout without keras.config: Keras's default
    def _image_data_format():
        return "channels_last"


def standardize_data_format(data_format, op):
    """`None` -> the global image data format; anything but the two Keras names is an error."""
    if data_format is None:
        return _image_data_format()
    value = str(data_format).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{op}: `data_format` must be 'channels_last' or 'channels_first', "
            f"received data_format={data_format!r}."
        )
    return value


def int_tuple(value, n, name, op, allow_zero=False):
    """An int or a sequence of `n` ints as a tuple of `n` positive (or >= 0) ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * n
    elif isinstance(value, (tuple, list)) and len(value) == n and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        values = tuple(value)
    else:
        raise ValueError(
            f"{op}: `{name}` must be an int or a tuple of {n} ints, received {name}={value!r}."
        )
    low = 0 if allow_zero else 1
    if any(v < low for v in values):
        raise ValueError(
            f"{op}: every entry of `{name}` must be >= {low}, received {name}={value!r}."
        )
    return values


def check_rank(x, ranks, name, op, hint=""):
    """Raises unless `x.ndim` is one of `ranks` (an int or a tuple of ints)."""
    ranks = (ranks,) if isinstance(ranks, int) else tuple(ranks)
    if x.ndim not in ranks:
        expected = " or ".join(str(r) for r in ranks)
        raise ValueError(
            f"{op}: `{name}` must have rank {expected}, received a tensor of shape "
            f"{tuple(x.shape)} (rank {x.ndim}).{(' ' + hint) if hint else ''}"
        )


def check_choice(value, choices, name, op):
    if value not in choices:
        raise ValueError(
            f"{op}: `{name}` must be one of {', '.join(repr(c) for c in choices)}, "
            f"received {name}={value!r}."
        )
    return value


def canonical_axis(axis, ndim, op, name="axis"):
    """A possibly negative int axis as a non-negative one, with a clear range error."""
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise TypeError(f"{op}: `{name}` must be an int, received {name}={axis!r}.")
    if not -max(ndim, 1) <= axis < max(ndim, 1):
        raise ValueError(
            f"{op}: `{name}`={axis} is out of range for an input of rank {ndim} "
            f"(expected {-ndim} <= {name} < {ndim})."
        )
    return axis % max(ndim, 1)

