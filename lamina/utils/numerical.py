"""NumPy helpers of `keras.utils` for preparing labels."""

import numpy as np

__all__ = ["normalize", "to_categorical"]


def to_categorical(x, num_classes=None):
    """Class ids to one-hot rows, as `keras.utils.to_categorical`.

    Args:
        x: integer class ids, any shape (a trailing axis of size 1 is dropped, as Keras does).
        num_classes: number of classes (default `max(x) + 1`).

    Returns:
        float32 array of shape `x.shape + (num_classes,)`.

    Example:
        >>> to_categorical([0, 2], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    x = np.asarray(x)
    if x.dtype.kind not in "iub" and not (x.dtype.kind == "f" and np.all(np.mod(x, 1) == 0)):
        raise ValueError(f"to_categorical expects integer class ids; received dtype {x.dtype}.")
    x = x.astype("int64")
    if x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(f"to_categorical: class ids must lie in [0, {num_classes}); received ids from "
                         f"{int(x.min())} to {int(x.max())}. Pass a larger num_classes or fix the labels.")
    out = np.zeros(x.shape + (num_classes,), dtype="float32")
    np.put_along_axis(out, x[..., None], 1.0, axis=-1)
    return out


def normalize(x, axis=-1, order=2):
    """`x` divided by its `order`-norm along `axis` (zero vectors stay zero), as `keras.utils.normalize`.

    Example:
        >>> normalize(np.array([[3.0, 4.0]]))
        array([[0.6, 0.8]])
    """
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
