"""`StringLookup`: strings to integer indices (or back, with `invert=True`).

String inputs are NumPy arrays of `str`/`bytes`/`object` or (nested) lists of `str`; see
`lamina.layers.preprocessing.index_lookup` for the index layout and outputs.
"""

import numpy as np
import torch

from lamina.layers.preprocessing._farmhash import fingerprint64
from lamina.layers.preprocessing._strings import as_string_array, output_device
from lamina.layers.preprocessing.index_lookup import IndexLookup

__all__ = ["StringLookup"]


class StringLookup(IndexLookup):
    """Maps strings from a vocabulary to integer indices, as Keras's `StringLookup`.

    Args:
        max_tokens: maximum vocabulary size including mask and OOV indices (None: unbounded).
        num_oov_indices: number of OOV indices (default 1); OOV strings hash among them.
        mask_token: string standing for masked values (index 0 in "int" mode). Default None.
        oov_token: string returned for OOV indices when `invert=True`. Default "[UNK]".
        vocabulary: list/array of strings or a text file path (one token per line).
        idf_weights: with output_mode "tf_idf", one weight per vocabulary entry.
        invert: map indices back to strings (returns a NumPy object array of `str`).
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        pad_to_max_tokens: encode to `max_tokens` bins.
        sparse: must be False in lamina.
        encoding: text encoding of `bytes` inputs (default "utf-8").
        salt: int or pair of ints: with `num_oov_indices > 1`, hash OOV strings with keyed SipHash.

    Shapes:
        "int": output shape = input shape (int64); other modes: `(batch, vocabulary_size)`
        (`one_hot` adds a last axis unless it is 1).

    Example:
        >>> layer = StringLookup(vocabulary=["a", "b", "c", "d"])
        >>> layer([["a", "c", "d"], ["d", "z", "b"]])
        tensor([[1, 3, 4],
                [4, 0, 2]])
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None, **kwargs):
        kwargs.pop("vocabulary_dtype", None)
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights,
                         invert=invert, output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens,
                         sparse=sparse, name=name, vocabulary_dtype="string", salt=salt, **kwargs)

    def _normalize_token(self, token):
        if isinstance(token, bytes):
            return token.decode(self.encoding)
        if isinstance(token, np.str_):
            return str(token)
        if not isinstance(token, str):
            raise TypeError(f"{self._owner}: vocabulary and inputs must be strings; received "
                            f"{type(token).__name__} {token!r}.")
        return token

    def _lookup(self, inputs):
        if isinstance(inputs, torch.Tensor):
            raise TypeError(f"{self._owner} expects strings (a NumPy array of str or a list of str); "
                            f"received a torch.Tensor of dtype {inputs.dtype}. For integer inputs use "
                            f"IntegerLookup.")
        strings = as_string_array(inputs, self.name)
        indices = self._indices_of(strings.reshape(-1))
        return torch.from_numpy(indices.reshape(strings.shape)).to(output_device(self))

    def _indices_of(self, flat):
        """int64 NumPy indices of a flat sequence of `str` tokens (mask and OOV rules applied)."""
        flat = np.asarray(flat, dtype=object).reshape(-1)
        default = -1 if self.num_oov_indices != 1 else self._oov_start_index()
        table = self._table
        indices = np.fromiter((table.get(t, default) for t in flat), dtype=np.int64, count=flat.size)
        if self.mask_token is not None:
            mask_value = 0 if self.output_mode == "int" else np.iinfo(np.int64).max
            indices[flat == self.mask_token] = mask_value
        if self.num_oov_indices == 0:
            self._check_no_oov(torch.from_numpy(indices != -1), flat)
        elif self.num_oov_indices > 1:
            for i in np.nonzero(indices == -1)[0]:
                indices[i] = self._oov_bucket(flat[i]) + self._oov_start_index()
        return indices

    def _invert(self, inputs):
        if isinstance(inputs, torch.Tensor):
            values = inputs.detach().cpu().numpy()
        else:
            values = np.asarray(inputs)
        if values.dtype.kind not in "iu":
            raise TypeError(f"{self._owner} with invert=True expects integer indices; received an "
                            f"array of dtype {values.dtype}.")
        vocab = self.get_vocabulary()
        out = np.empty(values.shape, dtype=object)
        flat_out, flat_in = out.reshape(-1), values.reshape(-1)
        start = self._token_start_index()
        for i, index in enumerate(flat_in):
            index = int(index)
            if self.mask_token is not None and index == 0:
                flat_out[i] = self.mask_token
            elif start <= index < len(vocab):
                flat_out[i] = vocab[index]
            else:
                flat_out[i] = self.oov_token
        return out

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]  # strings are the only choice, as in Keras
        config["encoding"] = self.encoding
        return config
