"""`pad_sequences`: lists of variable-length sequences to one rectangular NumPy array, as Keras pads them."""

import numpy as np

__all__ = ["pad_sequences"]


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pads (and truncates) sequences to a common length.

    Args:
        sequences: a list of sequences (lists or arrays; items may themselves be arrays of one shape).
        maxlen: the output length; the longest sequence's length when None.
        dtype: the output dtype (`"int32"` by default; `object` or a str dtype for strings).
        padding: `"pre"` or `"post"`: where padding goes.
        truncating: `"pre"` or `"post"`: which end is cut from longer sequences.
        value: the padding value.

    Returns:
        A NumPy array of shape `(len(sequences), maxlen) + item_shape`.

    Example:
        >>> pad_sequences([[1], [2, 3], [4, 5, 6]])
        array([[0, 0, 1],
               [0, 2, 3],
               [4, 5, 6]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"pad_sequences: `sequences` must be a list of sequences; received a "
                         f"{type(sequences).__name__}.")
    for name, choice in (("padding", padding), ("truncating", truncating)):
        if choice not in ("pre", "post"):
            raise ValueError(f'pad_sequences: {name}={choice!r} is not understood; expected "pre" or "post".')
    lengths = []
    sample_shape = ()
    found_shape = False
    for i, sequence in enumerate(sequences):
        try:
            lengths.append(len(sequence))
        except TypeError:
            raise ValueError(f"pad_sequences: `sequences` must be a list of iterables; item {i} is a "
                             f"non-iterable {type(sequence).__name__}: {sequence!r}.") from None
        if not found_shape and len(sequence):
            sample_shape = np.asarray(sequence).shape[1:]
            found_shape = True
    if maxlen is None:
        maxlen = max(lengths, default=0)
    if maxlen < 0:
        raise ValueError(f"pad_sequences: maxlen must be >= 0; received {maxlen}.")
    is_str_dtype = np.issubdtype(np.dtype(dtype), np.str_)
    if isinstance(value, str) and np.dtype(dtype) != object and not is_str_dtype:
        raise ValueError(f"pad_sequences: dtype {dtype!r} cannot hold the string padding value {value!r}; pass "
                         f"dtype=object or a str dtype.")
    out = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    if maxlen == 0:
        return out
    for i, sequence in enumerate(sequences):
        if not len(sequence):
            continue
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"pad_sequences: sequence {i} has items of shape {kept.shape[1:]}, different from the "
                             f"first sequence's {sample_shape}; all items must share one shape.")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, -len(kept):] = kept
    return out
