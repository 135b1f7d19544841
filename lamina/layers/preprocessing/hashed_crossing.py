"""`HashedCrossing`: crosses of categorical features with TensorFlow's hashed-cross function.

Keras's layer calls `tf.sparse.cross_hashed`; its bins come from this recipe (TensorFlow's
`sparse_cross_op` `HashCrosser`), reproduced here so lamina gives the same bins without TF:

    h = 0xDECAFCAFFE                                  # the op's default hash key
    for value in features:                            # in input order
        v = Fingerprint64(utf8(value)) if value is a string else int64(value) as uint64
        h = FingerprintCat64(h, v)
    bin = h % num_bins

Integers are crossed by value (not by their decimal text), strings by FarmHash Fingerprint64.
Hashing runs in Python per element on the CPU; outputs go to the input's device.
"""

import numpy as np
import torch

from lamina import backend
from lamina.layers.layer import Layer
from lamina.layers.preprocessing._farmhash import fingerprint64
from lamina.layers.preprocessing._strings import (as_string_array, is_string_array, output_device,
                                                  pop_integer_dtype)
from lamina.layers.preprocessing.index_lookup import encode_categorical

__all__ = ["HashedCrossing", "fingerprint_cat64", "cross_hash"]

_MASK64 = (1 << 64) - 1
_MUL = 0xC6A4A7935BD1E995
_DEFAULT_HASH_KEY = 0xDECAFCAFFE


def _shift_mix(value):
    return value ^ (value >> 47)


def fingerprint_cat64(first, second):
    """TensorFlow's `FingerprintCat64`: combines two uint64 fingerprints (order matters)."""
    result = (first ^ _MUL) & _MASK64
    result ^= (_shift_mix((second * _MUL) & _MASK64) * _MUL) & _MASK64
    result = (result * _MUL) & _MASK64
    result = (_shift_mix(result) * _MUL) & _MASK64
    return _shift_mix(result)


def cross_hash(values, num_bins, hash_key=_DEFAULT_HASH_KEY):
    """The bin of one cross of `values` (Python str or int), as `tf.sparse.cross_hashed`.

    Example:
        >>> cross_hash(["A", 101], 5)
        1
    """
    hashed = hash_key
    for value in values:
        part = fingerprint64(value) if isinstance(value, str) else int(value) & _MASK64
        hashed = fingerprint_cat64(hashed, part)
    return hashed % num_bins if num_bins > 0 else hashed % ((1 << 63) - 1)


class HashedCrossing(Layer):
    """Crosses two or more scalar categorical features into `num_bins` bins ("hashing trick").

    Each input is a batch of scalars: shape `()`, `(batch,)` or `(batch, 1)`, all the same, of
    strings (NumPy str/object arrays or lists) or integers (arrays or integer tensors).

    Args:
        num_bins: number of hash bins.
        output_mode: "int" (default: the bin index) or "one_hot".
        sparse: must be False in lamina (Keras allows True only with TensorFlow).
        name, dtype: as for every layer (dtype defaults to "int64" in "int" mode).

    Example:
        >>> layer = HashedCrossing(num_bins=5)
        >>> layer((np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102])))
        tensor([1, 4, 1, 1, 3])
    """

    _accepts_strings = True

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None, **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        kwargs["dtype"] = dtype
        self._int_dtype = pop_integer_dtype(kwargs)
        super().__init__(name=name, **kwargs)
        owner = f"HashedCrossing layer '{self.name}'"
        if output_mode not in ("int", "one_hot"):
            raise ValueError(f"{owner}: invalid value for argument `output_mode`. Expected one of "
                             f"('int', 'one_hot'). Received: output_mode={output_mode!r}.")
        if not isinstance(num_bins, int) or isinstance(num_bins, bool) or num_bins <= 0:
            raise ValueError(f"{owner}: `num_bins` must be a positive integer. Received: num_bins={num_bins!r}.")
        if sparse:
            raise ValueError(f"{owner}: `sparse=True` can only be used with the TensorFlow backend; "
                             "lamina has dense outputs only. Use sparse=False.")
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = sparse
        self._owner = owner
        self.built = True

    def _column(self, value, position):
        """One input as a flat list of Python str/int values, with its shape."""
        if is_string_array(value):
            array = as_string_array(value, self.name)
            return list(array.reshape(-1)), array.shape
        if isinstance(value, torch.Tensor):
            array = value.detach().cpu().numpy()
        else:
            array = np.asarray(value)
        if array.dtype.kind not in "iu":
            raise ValueError(f"{self._owner}: all inputs should have an integer or string dtype. Input "
                             f"{position} has dtype {array.dtype}. Cast float features to integers (or "
                             "bucket them with Discretization) before crossing.")
        return [int(v) for v in array.reshape(-1)], array.shape

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{self._owner} should be called on a list or tuple of inputs. "
                             f"Received: inputs of type {type(inputs).__name__}.")
        if len(inputs) < 2:
            raise ValueError(f"{self._owner} should be called on at least two inputs. "
                             f"Received: {len(inputs)} input(s).")
        device = next((x.device for x in inputs if isinstance(x, torch.Tensor)), None) or output_device(self)
        columns = [self._column(x, i) for i, x in enumerate(inputs)]
        shape = tuple(columns[0][1])
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(f"{self._owner}: all inputs should have shape `()`, `(batch_size)` or "
                             f"`(batch_size, 1)`. Received: shape {shape} for input 0.")
        for i, (_, other) in enumerate(columns[1:], start=1):
            if tuple(other) != shape:
                raise ValueError(f"{self._owner}: all inputs should have equal shape. Received: shape "
                                 f"{shape} for input 0 and {tuple(other)} for input {i}.")
        bins = [cross_hash(values, self.num_bins) for values in zip(*(c[0] for c in columns))]
        indices = torch.tensor(bins, dtype=torch.int64, device=device).reshape(shape)
        dtype = backend.to_torch_dtype(self._int_dtype or self.compute_dtype)
        if self.output_mode == "int":
            return indices.to(dtype)
        return encode_categorical(indices, "one_hot", self.num_bins).to(dtype)

    def compute_output_dtype(self, input_dtype=None):
        return self._int_dtype or self.compute_dtype

    def compute_output_shape(self, input_shape):
        if (not isinstance(input_shape, (list, tuple)) or len(input_shape) < 2
                or not all(isinstance(s, (list, tuple)) for s in input_shape)):
            raise ValueError(f"{self._owner}: expected as input a list/tuple of at least 2 tensors. "
                             f"Received input_shape={input_shape}.")
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if len(first) == 0:
            return (self.num_bins,)
        if first[-1] != 1:
            return first + (self.num_bins,)
        return first[:-1] + (self.num_bins,)

    def get_config(self):
        # Keras writes this layer's dtype as a plain name ("int64", "float32").
        dtype = self._int_dtype or backend.standardize_dtype(self.compute_dtype)
        return {"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": self.sparse,
                "name": self.name, "dtype": dtype}
