"""`Hashing`: strings or integers to `num_bins` buckets with TensorFlow's hash functions.

The bins equal Keras's: values are turned into strings as `tf.as_string` does (floats truncated
to int64 first, integers in decimal), then hashed with FarmHash Fingerprint64
(`tf.strings.to_hash_bucket_fast`), or with SipHash-2-4 keyed by `salt`
(`tf.strings.to_hash_bucket_strong`). Hashing runs in Python per element on the CPU; the output
is an int64 tensor (float32 for one_hot/multi_hot/count) on the input's device.
"""

import numpy as np
import torch

from lamina import backend
from lamina.layers.layer import Layer
from lamina.layers.preprocessing._farmhash import fingerprint64, siphash24
from lamina.layers.preprocessing._strings import (as_string_array, is_string_array, output_device,
                                                  pop_integer_dtype, serialize_dtype)
from lamina.layers.preprocessing.index_lookup import encode_categorical

__all__ = ["Hashing"]


class Hashing(Layer):
    """Hashes each value into one of `num_bins` bins, as Keras's `Hashing`.

    Args:
        num_bins: number of bins (the mask bin, if any, included).
        mask_value: value that goes to bin 0 (the others then use bins 1..num_bins-1).
        salt: int or pair of ints: use the keyed SipHash ("strong") hash with this key.
        output_mode: "int" (default), "one_hot", "multi_hot" or "count".
        sparse: must be False in lamina.

    Example:
        >>> Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]])
        tensor([[1], [0], [1], [1], [2]])
    """

    _accepts_strings = True

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else backend.floatx()
        self._int_dtype = pop_integer_dtype(kwargs)
        super().__init__(**kwargs)
        owner = f"Hashing layer '{self.name}'"
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"{owner}: the `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins}.")
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"{owner}: invalid value for argument `output_mode`. Expected one of "
                             f"('int', 'one_hot', 'multi_hot', 'count'). Received: output_mode={output_mode}")
        if output_mode == "int" and self._int_dtype not in ("int32", "int64"):
            raise ValueError(f"{owner}: when output_mode='int', dtype should be 'int32' or 'int64'; "
                             f"received dtype={kwargs['dtype']}.")
        if sparse:
            raise ValueError(f"{owner}: sparse=True is not supported by lamina; use sparse=False.")
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                self.salt = [int(s) for s in salt]
            elif isinstance(salt, int):
                self.salt = [salt, salt]
            else:
                raise ValueError(f"{owner}: the `salt` argument for `Hashing` can only be a tuple of size 2 "
                                 f"integers, or a single integer. Received: salt={salt}.")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = sparse
        self._owner = owner
        self.built = True

    def _as_strings(self, inputs):
        """(NumPy object array of str, original values as an array) as `tf.as_string` writes them."""
        if is_string_array(inputs):
            strings = as_string_array(inputs, self.name)
            return strings, strings
        if isinstance(inputs, torch.Tensor):
            values = inputs.detach().cpu().numpy()
        else:
            values = np.asarray(inputs)
        if values.dtype.kind == "f":
            numbers = values.astype(np.int64)
        elif values.dtype.kind in "iu":
            numbers = values
        elif values.dtype.kind == "b":
            strings = np.where(values, "true", "false").astype(object)
            return strings, values
        else:
            raise TypeError(f"{self._owner} expects strings, integers or floats; received an array of "
                            f"dtype {values.dtype}.")
        strings = np.empty(numbers.shape, dtype=object)
        strings.reshape(-1)[:] = [str(int(v)) for v in numbers.reshape(-1)]
        return strings, values

    def _hash(self, strings, values):
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = values == self.mask_value
        flat = strings.reshape(-1)
        if self.strong_hash:
            key0, key1 = self.salt
            hashed = [siphash24(key0, key1, s) % bins for s in flat]
        else:
            hashed = [fingerprint64(s) % bins for s in flat]
        out = np.asarray(hashed, dtype=np.int64).reshape(strings.shape)
        if mask is not None:
            out = np.where(np.asarray(mask, dtype=bool), 0, out + 1)
        return out

    def call(self, inputs):
        device = output_device(self, inputs)
        strings, values = self._as_strings(inputs)
        if self.output_mode == "one_hot" and strings.ndim and strings.shape[-1] == 1:
            strings, values = strings.squeeze(-1), np.asarray(values).squeeze(-1)
        indices = torch.from_numpy(self._hash(strings, values)).to(device)
        dtype = backend.to_torch_dtype(self._int_dtype or self.compute_dtype)
        if self.output_mode == "int":
            return indices.to(dtype)
        return encode_categorical(indices, self.output_mode, self.num_bins).to(dtype)

    def compute_output_dtype(self, input_dtype):
        return self._int_dtype or self.compute_dtype

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        if len(input_shape) == 0:
            return (self.num_bins,)
        return input_shape[:-1] + (self.num_bins,)

    def get_config(self):
        config = super().get_config()
        if self._int_dtype is not None:
            config["dtype"] = serialize_dtype(self._int_dtype)
        return {**config, "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode, "sparse": self.sparse}
