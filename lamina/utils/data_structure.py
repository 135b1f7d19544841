"""`pack_x_y_sample_weight` / `unpack_x_y_sample_weight`: the batch format of `train_step(data)`.

`fit` hands `train_step` the batch as the data gives it: `(x, y)` for `fit(x, y)`,
`(x, y, sample_weight)` only when weights exist, `x` alone without targets. These two
functions go between that format and the three parts, with Keras's rules.
"""

__all__ = ["pack_x_y_sample_weight", "unpack_x_y_sample_weight"]


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Packs the parts of a batch as `fit` passes them to `train_step`.

    Args:
        x: the inputs.
        y: the targets, or None.
        sample_weight: per-sample weights, or None.

    Returns:
        `x` alone when there are no targets (`(x,)` if `x` is itself a tuple or list, so it
        is not read as `(x, y)`), `(x, y)` without weights, else `(x, y, sample_weight)`.

    Example:
        >>> pack_x_y_sample_weight(1, 2)
        (1, 2)
        >>> pack_x_y_sample_weight((1, 2))
        ((1, 2),)
    """
    if y is None:
        # Keras means to wrap a tuple *or list* here (its check, `tuple or list`, only catches tuples):
        # wrapped, several inputs `[x1, x2]` are never read back as `(x, y)`.
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """Splits a batch into `(x, y, sample_weight)`, missing parts as None.

    Args:
        data: a batch: `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)` (a list counts as a tuple,
            as data loaders give lists).

    Returns:
        The tuple `(x, y, sample_weight)`.

    Example:
        >>> unpack_x_y_sample_weight((1, 2))
        (1, 2, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple) or hasattr(data, "_fields"):  # a namedtuple is one structured x
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError(
        f"unpack_x_y_sample_weight: data must be x, (x,), (x, y) or (x, y, sample_weight); received a "
        f"{type(data).__name__} of {len(data)} elements. Wrap several inputs in one element, e.g. "
        f"((x1, x2), y)."
    )
