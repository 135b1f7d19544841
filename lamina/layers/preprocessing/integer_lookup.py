"""`IntegerLookup`: integer tokens to contiguous indices (or back, with `invert=True`).

Inputs are integer tensors, NumPy integer arrays or lists; lookups run in torch on the input's
device (a sorted-key `searchsorted`). See `index_lookup` for the index layout.
"""

import numpy as np
import torch

from lamina.layers.preprocessing._strings import is_string_array, output_device
from lamina.layers.preprocessing.index_lookup import IndexLookup

__all__ = ["IntegerLookup"]


class IntegerLookup(IndexLookup):
    """Maps integers from a vocabulary to integer indices, as Keras's `IntegerLookup`.

    Args:
        max_tokens: maximum vocabulary size including mask and OOV indices (None: unbounded).
        num_oov_indices: number of OOV indices (default 1); OOV values go to `value % num_oov_indices`.
        mask_token: integer standing for masked values (index 0 in "int" mode). Default None.
        oov_token: value returned for OOV indices when `invert=True`. Default -1.
        vocabulary: list/array of integers or a text file path (one token per line).
        vocabulary_dtype: "int64" (default) or "int32".
        idf_weights: with output_mode "tf_idf", one weight per vocabulary entry.
        invert: map indices back to the vocabulary's integers.
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        sparse: must be False in lamina.
        pad_to_max_tokens: encode to `max_tokens` bins.
        oov_method: with `num_oov_indices > 1`, "floormod" (`value % n`) or "farmhash" (hash of the
            decimal string, spreading structured ids evenly).
        salt: with "farmhash", int or pair of ints keying a SipHash instead.

    Example:
        >>> layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
        >>> layer(torch.tensor([[12, 1138, 42], [42, 1000, 36]]))
        tensor([[1, 3, 4],
                [4, 0, 2]])
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype not in ("int64", "int32"):
            raise ValueError(f"IntegerLookup: vocabulary_dtype must be 'int64' or 'int32'; received "
                             f"vocabulary_dtype={vocabulary_dtype!r}.")
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"IntegerLookup: if set, max_tokens must be greater than 1; received "
                             f"max_tokens={max_tokens}.")
        if num_oov_indices < 0:
            raise ValueError(f"IntegerLookup: num_oov_indices must be >= 0; received "
                             f"num_oov_indices={num_oov_indices}.")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, vocabulary_dtype=vocabulary_dtype,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, oov_method=oov_method,
                         salt=salt, name=name, **kwargs)

    def _normalize_token(self, token):
        if isinstance(token, str):
            try:
                return int(token.strip())
            except ValueError:
                raise ValueError(f"{self._owner}: vocabulary entries must be integers; received "
                                 f"{token!r}.") from None
        if isinstance(token, (bool, np.bool_)) or not isinstance(token, (int, np.integer)):
            if isinstance(token, (float, np.floating)) and float(token).is_integer():
                return int(token)
            raise TypeError(f"{self._owner}: vocabulary and inputs must be integers; received "
                            f"{type(token).__name__} {token!r}.")
        return int(token)

    def _as_int_tensor(self, inputs):
        if is_string_array(inputs):
            raise TypeError(f"{self._owner} expects integer inputs; received strings. Use StringLookup "
                            f"for string data.")
        if not isinstance(inputs, torch.Tensor):
            inputs = torch.as_tensor(np.asarray(inputs), device=output_device(self))
        if inputs.is_floating_point() or inputs.dtype == torch.bool or inputs.is_complex():
            raise TypeError(f"{self._owner} expects integer inputs; received a tensor of dtype "
                            f"{inputs.dtype}. Cast it to an integer dtype first.")
        return inputs.to(torch.int64)

    def _lookup(self, inputs):
        values = self._as_int_tensor(inputs)
        device = values.device
        if self._sorted_keys is None or not len(self._tokens):
            found = torch.zeros_like(values, dtype=torch.bool)
            indices = torch.zeros_like(values)
        else:
            keys = self._sorted_keys.to(device)
            position = torch.searchsorted(keys, values).clamp(max=keys.numel() - 1)
            found = keys[position] == values
            indices = self._sorted_values.to(device)[position]
        if self.num_oov_indices == 0:
            self._check_no_oov(found.reshape(-1), values.reshape(-1).tolist())
            oov = torch.full_like(values, -1)
        elif self.num_oov_indices == 1:
            oov = torch.full_like(values, self._oov_start_index())
        elif self.oov_method == "floormod":
            oov = torch.remainder(values, self.num_oov_indices) + self._oov_start_index()
        else:  # "farmhash": hash the decimal string, as tf.strings.as_string + to_hash_bucket_*
            flat = values.reshape(-1).tolist()
            buckets = [self._oov_bucket(str(v)) for v in flat]
            oov = torch.as_tensor(buckets, dtype=torch.int64, device=device).reshape(values.shape) + \
                self._oov_start_index()
        indices = torch.where(found, indices, oov)
        if self.mask_token is not None:
            mask_value = 0 if self.output_mode == "int" else torch.iinfo(torch.int64).max
            indices = torch.where(values == int(self.mask_token), torch.full_like(indices, mask_value), indices)
        return indices

    def _invert(self, inputs):
        indices = self._as_int_tensor(inputs)
        vocab = torch.as_tensor([int(v) for v in self.get_vocabulary()], dtype=torch.int64,
                                device=indices.device)
        start = self._token_start_index()
        valid = (indices >= start) & (indices < vocab.numel())
        out = torch.where(valid, vocab[indices.clamp(0, max(vocab.numel() - 1, 0))],
                          torch.full_like(indices, int(self.oov_token)))
        if self.mask_token is not None:
            out = torch.where(indices == 0, torch.full_like(out, int(self.mask_token)), out)
        return out
