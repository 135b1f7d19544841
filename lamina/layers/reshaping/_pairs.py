"""Normalizes Keras's padding/cropping amounts: int, (a, b) per axis, or ((a, b), ...) pairs."""

__all__ = ["normalize_pairs"]


def normalize_pairs(value, rank, arg, owner):
    """`1` -> ((1, 1),)*rank; `(1, 2)` -> per-axis symmetric (rank>1) or (before, after) (rank 1)."""
    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool)

    pairs = None
    if is_int(value):
        pairs = ((value, value),) * rank
    elif isinstance(value, (list, tuple)):
        if rank == 1 and len(value) == 2 and all(is_int(v) for v in value):
            pairs = (tuple(value),)
        elif len(value) == rank and all(is_int(v) for v in value):
            pairs = tuple((v, v) for v in value)
        elif len(value) == rank and all(isinstance(v, (list, tuple)) and len(v) == 2
                                        and all(is_int(x) for x in v) for v in value):
            pairs = tuple(tuple(v) for v in value)
    if pairs is None or any(x < 0 for p in pairs for x in p):
        raise ValueError(f"{owner}: `{arg}` must be a non-negative int, a tuple of {rank} ints, or a tuple of "
                         f"{rank} (before, after) pairs, received {arg}={value!r}.")
    return pairs
