"""`IndexLookup`: the shared engine of `StringLookup` and `IntegerLookup` (as in Keras 3).

A vocabulary maps each token to an index. The index space is laid out as Keras lays it out:

* `output_mode="int"` with a `mask_token`: index 0 is the mask, then `num_oov_indices` OOV
  indices, then the vocabulary;
* otherwise the OOV indices come first (the mask token, if set, is dropped from encodings).

Tokens outside the vocabulary go to the single OOV index, or with `num_oov_indices > 1` to
`hash(token) % num_oov_indices` (FarmHash Fingerprint64 for strings, as
`tf.strings.to_hash_bucket_fast`; `token % num_oov_indices` for integers).

Strings have no torch tensor: string tokens come in as NumPy arrays or lists of `str`, and
inverted `StringLookup` layers return NumPy `object` arrays of `str` (Keras returns bytes).
Integer indices and encodings are `torch.Tensor`s (`int64` for `int`, `one_hot`, `multi_hot`
and `count` as Keras; float32 for `tf_idf`).

State: the vocabulary is written into `get_config()` (`vocabulary`), so a `.keras` file and
`from_config` carry it; `idf_weights` (tf_idf) is a buffer saved with the weights as Keras's
`idf_weights` variable.
"""

import collections
import os

import numpy as np
import torch

from lamina.layers.layer import Layer
from lamina.layers.preprocessing._farmhash import fingerprint64, siphash24
from lamina.layers.preprocessing._strings import as_string_array, is_string_array, output_device

__all__ = ["IndexLookup", "encode_categorical"]

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def encode_categorical(lookups, output_mode, depth, count_weights=None):
    """Keras's `encode_categorical_inputs` on an integer tensor of indices.

    Out-of-range indices (e.g. a dropped mask) encode to zeros. A scalar is one sample; `one_hot`
    drops a last axis of size 1; `multi_hot`/`count` reduce axis 1 of a rank >= 2 input (axis 0
    of a rank-1 input, which is one sample), as Keras's backends other than TensorFlow do.

    Args:
        lookups: integer tensor of indices.
        output_mode: "one_hot", "multi_hot" or "count".
        depth: number of output bins.
        count_weights: optional float tensor shaped like `lookups`, summed in "count" mode.

    Returns:
        int64 encodings (float, of the weights' dtype, with `count_weights`).
    """
    lookups = lookups.to(torch.int64)
    if lookups.dim() == 0:
        lookups = lookups.reshape(1)
        if count_weights is not None:
            count_weights = count_weights.reshape(1)
    if output_mode == "one_hot" and lookups.dim() > 1 and lookups.shape[-1] == 1:
        lookups = lookups.squeeze(-1)
    valid = (lookups >= 0) & (lookups < depth)
    safe = torch.where(valid, lookups, torch.zeros_like(lookups))
    one_hot = torch.nn.functional.one_hot(safe, depth) * valid.unsqueeze(-1).to(torch.int64)
    if output_mode == "one_hot":
        return one_hot
    axis = 1 if lookups.dim() > 1 else 0
    if output_mode == "multi_hot":
        return one_hot.amax(dim=axis)
    if count_weights is not None:
        return (one_hot.to(count_weights.dtype) * count_weights.unsqueeze(-1)).sum(dim=axis)
    return one_hot.sum(dim=axis)


class IndexLookup(Layer):
    """Maps tokens to indices (or indices back to tokens); see `StringLookup`/`IntegerLookup`.

    Args:
        max_tokens: upper bound on the vocabulary size, special indices included (None: no bound).
        num_oov_indices: how many indices out-of-vocabulary tokens share (0: OOV is an error).
        mask_token: token meaning "masked"; index 0 in "int" mode, dropped in other modes.
        oov_token: token returned for OOV indices when `invert=True`.
        vocabulary_dtype: "string" or "int64".
        vocabulary: list/array of tokens, or a path to a text file with one token per line.
        idf_weights: document-frequency weights (only with output_mode "tf_idf").
        invert: map indices back to tokens.
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        sparse: refused (torch sparse outputs are not supported).
        pad_to_max_tokens: encode to `max_tokens` bins rather than the vocabulary size.
    """

    _accepts_strings = True

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        frozen_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        cls = type(self).__name__
        self._owner = f"{cls} layer '{self.name}'"
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in _OUTPUT_MODES:
            raise ValueError(f"{self._owner}: unknown output_mode={output_mode!r}; expected one of "
                             f"{list(_OUTPUT_MODES)}.")
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{self._owner}: if set, max_tokens must be greater than 1; received "
                             f"max_tokens={max_tokens}.")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{self._owner}: pad_to_max_tokens=True needs max_tokens to be set; "
                             f"received max_tokens=None.")
        if not isinstance(num_oov_indices, int) or isinstance(num_oov_indices, bool) or num_oov_indices < 0:
            raise ValueError(f"{self._owner}: num_oov_indices must be an integer >= 0; received "
                             f"num_oov_indices={num_oov_indices!r}.")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"{self._owner}: oov_method must be 'floormod' or 'farmhash'; received "
                             f"oov_method={oov_method!r}.")
        if salt is not None:
            if vocabulary_dtype != "string" and oov_method != "farmhash":
                raise ValueError(f"{self._owner}: `salt` can only be used when `oov_method='farmhash'`. "
                                 f"Received: oov_method={oov_method}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, int) and not isinstance(salt, bool):
                salt = [salt, salt]
            else:
                raise ValueError(f"{self._owner}: the `salt` argument can only be a tuple of 2 integers, or "
                                 f"a single integer. Received: salt={salt}.")
        self.oov_method = oov_method
        self.salt = salt
        if invert and output_mode != "int":
            raise ValueError(f"{self._owner}: output_mode must be 'int' when invert=True; received "
                             f"output_mode={output_mode!r}.")
        if sparse:
            raise ValueError(f"{self._owner}: sparse=True is not supported by lamina (torch has no "
                             f"sparse outputs for this layer; Keras allows it only with TensorFlow). "
                             f"Use sparse=False.")
        if output_mode == "tf_idf" and has_input_vocabulary and idf_weights is None:
            raise ValueError(f"{self._owner}: when specifying the `vocabulary` argument in 'tf_idf' "
                             f"output mode, the `idf_weights` argument must also be provided.")
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.vocabulary_dtype = vocabulary_dtype
        self._frozen_vocab_size = frozen_size
        self._has_input_vocabulary = has_input_vocabulary
        self.input_vocabulary = None if isinstance(vocabulary, str) else vocabulary
        self.input_idf_weights = idf_weights
        self._tokens = []          # the learned/given tokens, in index order (no special tokens)
        self._table = {}           # token -> index
        self._sorted_keys = None   # integer vocabularies: sorted keys and their indices, for torch lookups
        self._sorted_values = None
        self.register_buffer("idf_weights", None)
        self._reset_adapt_state()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.built = True

    # ------------------------------------------------------------------ index layout

    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The vocabulary size including the mask and OOV indices."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary as a list, so that a token's position is its index.

        Args:
            include_special_tokens: include the mask and OOV tokens at the front.
        """
        vocab = [self.oov_token] * self._token_start_index() + list(self._tokens)
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        if not include_special_tokens:
            vocab = vocab[self._token_start_index():]
        return vocab

    # ------------------------------------------------------------------ vocabulary

    def _normalize_token(self, token):
        raise NotImplementedError

    def _read_vocabulary_file(self, path):
        if not os.path.exists(path):
            raise ValueError(f"{self._owner}: vocabulary file {path!r} does not exist.")
        if self.output_mode == "tf_idf":
            raise ValueError(f"{self._owner}: output_mode 'tf_idf' does not support loading a vocabulary "
                             f"from a file; pass the vocabulary and idf_weights as lists.")
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().split("\n")
        if lines and lines[-1] == "":
            lines = lines[:-1]
        return [line.rstrip("\r") for line in lines]

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and, for "tf_idf", the idf weights), replacing any current one.

        Args:
            vocabulary: list, tuple, 1D array or tensor of tokens, or a path to a text file with one
                token per line. It may start with the special tokens (mask, then OOV) in index order.
            idf_weights: 1D weights, one per vocabulary entry; required for output_mode "tf_idf".
        """
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(f"{self._owner}: `idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(f"{self._owner}: `idf_weights` should only be set if output_mode is "
                             f"'tf_idf'; received output_mode={self.output_mode!r} and idf_weights.")
        if isinstance(vocabulary, str):
            vocabulary = self._read_vocabulary_file(vocabulary)
        if isinstance(vocabulary, torch.Tensor):
            vocabulary = vocabulary.detach().cpu().numpy()
        tokens = [self._normalize_token(t) for t in np.asarray(vocabulary, dtype=object).reshape(-1)] \
            if not isinstance(vocabulary, (list, tuple)) else [self._normalize_token(t) for t in vocabulary]
        if not tokens:
            raise ValueError(f"{self._owner}: cannot set an empty vocabulary; received vocabulary={vocabulary!r}.")
        oov_start, token_start = self._oov_start_index(), self._token_start_index()
        special = [self.mask_token] * oov_start + [self.oov_token] * self.num_oov_indices
        found_special = tokens[:token_start] == special
        if found_special:
            tokens = tokens[token_start:]
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"{self._owner}: the passed vocabulary has at least one repeated term. "
                             f"Please uniquify your dataset. The repeated terms are: {repeated}")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(f"{self._owner}: found the reserved mask token {self.mask_token!r} at "
                             f"vocabulary index {tokens.index(self.mask_token)}. The vocabulary does not "
                             f"need the OOV and mask tokens: remove them, or put them only at the start "
                             f"in precisely this order: {special}.")
        if self.oov_token is not None and self.invert and self.oov_token in tokens:
            raise ValueError(f"{self._owner}: found the reserved OOV token {self.oov_token!r} at "
                             f"vocabulary index {tokens.index(self.oov_token)}. Remove it, or put the "
                             f"special tokens only at the start in precisely this order: {special}.")
        new_size = token_start + len(tokens)
        if self.max_tokens is not None and new_size > self.max_tokens:
            raise ValueError(f"{self._owner}: attempted to set a vocabulary larger than the maximum "
                             f"vocab size. Received vocabulary size is {new_size}; `max_tokens` is "
                             f"{self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            weights = np.asarray(idf_weights.detach().cpu() if isinstance(idf_weights, torch.Tensor)
                                 else idf_weights, dtype=np.float64)
            if weights.ndim != 1:
                raise ValueError(f"{self._owner}: TF-IDF data must be a 1D array; received idf_weights "
                                 f"of shape {weights.shape}.")
            if len(weights) != len(vocabulary):
                raise ValueError(f"{self._owner}: `idf_weights` must be the same length as vocabulary. "
                                 f"len(idf_weights) is {len(weights)}; len(vocabulary) is {len(vocabulary)}")
            front, front_value = (0, 0.0) if found_special else (token_start, float(np.average(weights)))
            back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens else 0
            weights = np.pad(weights, (front, back), "constant", constant_values=(front_value, 0.0))
            self._set_idf(weights)

    def _set_idf(self, weights):
        device = output_device(self)
        self.idf_weights = torch.as_tensor(np.asarray(weights, dtype=np.float32), device=device)

    def _set_tokens(self, tokens):
        new_size = self._token_start_index() + len(tokens)
        if self.output_mode != "int" and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is not None and self._called and new_size != self._frozen_vocab_size:
            raise RuntimeError(f"{self._owner}: when using output_mode={self.output_mode!r} and "
                               f"pad_to_max_tokens=False, the vocabulary size cannot be changed after "
                               f"the layer is called. Old vocab size is {self._frozen_vocab_size}, new "
                               f"vocab size is {new_size}")
        start = self._token_start_index()
        self._tokens = list(tokens)
        self._table = {t: start + i for i, t in enumerate(self._tokens)}
        if self.vocabulary_dtype != "string":
            keys = torch.as_tensor(self._tokens, dtype=torch.int64)
            order = torch.argsort(keys)
            self._sorted_keys = keys[order]
            self._sorted_values = order + start
        self._frozen_vocab_size = new_size

    _called = False

    # ------------------------------------------------------------------ adapt

    def _reset_adapt_state(self):
        self._token_counts = collections.Counter()
        self._document_counts = collections.Counter()
        self._num_documents = 0

    def _adapt_batches(self, data, batch_size=None, steps=None):
        """Yields NumPy batches of `data` (array, list, tensor, or an iterable of those)."""
        if isinstance(data, (np.ndarray, torch.Tensor)) or is_string_array(data) or \
                (isinstance(data, (list, tuple)) and data and not isinstance(data[0], (list, tuple, np.ndarray))):
            yield self._adapt_array(data)
            return
        if isinstance(data, (list, tuple)):
            yield self._adapt_array(data)
            return
        try:
            iterator = iter(data)
        except TypeError:
            raise TypeError(f"{self._owner}.adapt(): expected an array, a list, a tensor or an iterable "
                            f"of batches; received {type(data).__name__}.") from None
        for index, batch in enumerate(iterator):
            if steps is not None and index >= steps:
                break
            if isinstance(batch, tuple) and len(batch) in (2, 3):
                batch = batch[0]  # (x, y[, sample_weight]) batches: adapt on x
            yield self._adapt_array(batch)

    def _adapt_array(self, data):
        if isinstance(data, torch.Tensor):
            return data.detach().cpu().numpy()
        if self.vocabulary_dtype == "string":
            return as_string_array(data, self.name)
        return np.asarray(data)

    def adapt(self, data, steps=None):
        """Learns the vocabulary (and document frequencies for "tf_idf") from `data`.

        Tokens are ordered by count, ties broken by the tokens in reverse sort order, then cut to
        `max_tokens`, as in Keras.

        Args:
            data: array, list, tensor, or an iterable of batches (e.g. a `DataLoader` or generator).
            steps: with an iterable, the number of batches to read (None: all).
        """
        if self._has_input_vocabulary:
            raise ValueError(f"{self._owner}: cannot adapt a layer created with a `vocabulary` argument; "
                             f"create it without `vocabulary` to learn one.")
        self._reset_adapt_state()
        for batch in self._adapt_batches(data, steps=steps):
            self._update_state(batch)
        self._finalize_state()

    def _update_state(self, data):
        data = np.asarray(data, dtype=object) if self.vocabulary_dtype == "string" else np.asarray(data)
        if data.ndim == 0:
            data = data.reshape(1)
        rows = data.reshape(-1, 1) if data.ndim == 1 else data.reshape(data.shape[0], -1)
        self._update_rows([[self._normalize_token(t) for t in row] for row in rows])

    def _update_rows(self, rows):
        """Counts tokens; each row is one document (for the tf_idf document frequencies)."""
        for row in rows:
            self._token_counts.update(row)
        if self.output_mode == "tf_idf":
            for row in rows:
                self._document_counts.update(set(row))
            self._num_documents += len(rows)

    def _finalize_state(self):
        counts = self._token_counts
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._normalize_token(special), None)
        # np.lexsort((tokens, counts))[::-1]: count descending, ties by token descending
        tokens = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens:
            tokens = tokens[: max(self.max_tokens - self._token_start_index(), 0)]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            doc_counts = np.asarray([self._document_counts[t] for t in tokens], dtype=np.float64)
            idf = np.log(1 + self._num_documents / (1 + doc_counts)).astype(np.float32)
            mean = float(np.mean(idf)) if len(idf) else float("nan")
            idf = np.pad(idf, (self._token_start_index(), 0), constant_values=mean)
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - len(idf)), constant_values=0)
            self._set_idf(idf)
        self._reset_adapt_state()

    # ------------------------------------------------------------------ calling

    def _ensure_known_vocab_size(self):
        if self.output_mode == "int" or self.pad_to_max_tokens:
            return
        if not self._tokens:
            raise RuntimeError(f"{self._owner}: when using output_mode={self.output_mode!r} and "
                               f"pad_to_max_tokens=False, you must set the layer's vocabulary before "
                               f"calling it. Either pass a `vocabulary` argument to the layer, or call "
                               f"`adapt` with some sample data.")

    def _oov_bucket(self, text):
        """OOV bucket (before the OOV start offset) of a token written as a string: FarmHash
        Fingerprint64, or keyed SipHash with `salt`, as TensorFlow's to_hash_bucket_fast/strong."""
        if self.salt is not None:
            return siphash24(self.salt[0], self.salt[1], text) % self.num_oov_indices
        return fingerprint64(text) % self.num_oov_indices

    def _lookup(self, inputs):
        """int64 tensor of indices for the inputs (string array or integer tensor)."""
        raise NotImplementedError

    def call(self, inputs):
        self._ensure_known_vocab_size()
        object.__setattr__(self, "_called", True)
        if self.invert:
            return self._invert(inputs)
        lookups = self._lookup(inputs)
        if self.output_mode == "int":
            return lookups
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        output = encode_categorical(lookups, mode, depth)
        if self.output_mode == "tf_idf":
            if self.idf_weights is None:
                raise ValueError(f"{self._owner}: when output_mode is 'tf_idf', idf_weights must be provided.")
            output = output.to(torch.float32) * self.idf_weights.to(output.device)
        return output

    def _check_no_oov(self, found, flat_inputs):
        from lamina.graph.shape_inference import is_tracing

        # Shape inference runs string layers on stand-in values (empty strings): no real OOV.
        if self.num_oov_indices == 0 and not is_tracing() and not bool(found.all()):
            missing = [str(flat_inputs[i]) for i in np.nonzero(~np.asarray(found.cpu()))[0][:10]]
            raise ValueError(f"{self._owner}: when `num_oov_indices=0` all inputs should be in the "
                             f"vocabulary; found OOV values {missing}. Consider setting `num_oov_indices=1`.")

    def compute_output_dtype(self, input_dtype):
        if self.invert:
            return "string" if self.vocabulary_dtype == "string" else self.vocabulary_dtype
        return "float32" if self.output_mode == "tf_idf" else "int64"

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        if self.output_mode == "one_hot" and (not input_shape or input_shape[-1] != 1):
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    # ------------------------------------------------------------------ config / state

    def get_config(self):
        # An adapted vocabulary goes, as in Keras, to the archive's assets/vocabulary.txt when a
        # `.keras` file is written (its idf weights to the weights file). Elsewhere (clone_model,
        # to_json) lamina writes it into the config, which Keras reads as a constructor vocabulary.
        from lamina.saving.assets import is_writing_archive

        inline = not is_writing_archive()
        vocabulary = self.input_vocabulary
        if isinstance(vocabulary, (np.ndarray, torch.Tensor)):
            vocabulary = vocabulary.tolist()
        if vocabulary is None and self._tokens and inline:
            vocabulary = self.get_vocabulary(include_special_tokens=True)
        idf = self.input_idf_weights
        if isinstance(idf, (np.ndarray, torch.Tensor)):
            idf = idf.tolist()
        if idf is None and self.output_mode == "tf_idf" and self.idf_weights is not None and self._tokens \
                and inline:
            idf = self.idf_weights[: self.vocabulary_size()].tolist()
        config = {
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": idf,
            "vocabulary": vocabulary,
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        }
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, safe_mode=True):
        from lamina.backend.config import in_safe_mode

        vocabulary = config.get("vocabulary")
        unsafe_allowed = in_safe_mode() is False or (in_safe_mode() is None and not safe_mode)
        if isinstance(vocabulary, str) and not unsafe_allowed:
            raise ValueError(f"{cls.__name__} '{config.get('name')}': the config asks to read the "
                             f"vocabulary file {vocabulary!r} outside of the model archive, which is "
                             f"refused in safe mode. If you trust the file, load with safe_mode=False.")
        return cls(**config)

    def save_own_variables(self, store):
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            store["idf_weights"] = self.idf_weights.detach().cpu().numpy()

    def load_own_variables(self, store):
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self._set_idf(np.asarray(store["idf_weights"]))


    # ------------------------------------------------------------------ `.keras` assets

    def save_assets(self, dir_path):
        """Writes the vocabulary (special tokens first) to `dir_path/vocabulary.txt`, as Keras does
        for a vocabulary not given to the constructor (that one is in the config)."""
        if self.input_vocabulary is not None:
            return
        vocabulary = self.get_vocabulary(include_special_tokens=True)
        with open(os.path.join(dir_path, _VOCABULARY_FILE), "w", encoding="utf-8") as handle:
            handle.write("\n".join(str(token) for token in vocabulary))

    def load_assets(self, dir_path):
        """Reads `dir_path/vocabulary.txt` written by `save_assets` (lamina's or Keras's)."""
        if self.input_vocabulary is not None:
            return
        path = os.path.join(dir_path, _VOCABULARY_FILE)
        if not os.path.isfile(path):
            if not self._frozen_vocab_size:
                return  # never adapted: nothing was saved
            raise ValueError(f"{self._owner}: the file's config says the layer has a vocabulary of "
                             f"{self._frozen_vocab_size} entries, but the archive has no "
                             f"assets/.../{_VOCABULARY_FILE} for it. The file is incomplete; save the model "
                             f"again from the adapted layer.")
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        if self.vocabulary_dtype == "string":
            values = lines
        else:
            try:
                values = [int(line) for line in lines]
            except ValueError as error:
                raise ValueError(f"{self._owner}: {_VOCABULARY_FILE} in the archive's assets should hold one "
                                 f"integer per line for vocabulary_dtype={self.vocabulary_dtype!r}: {error}.") \
                    from None
        if not values:
            return
        if self.output_mode == "tf_idf":
            # The idf weights came with the weights file (loaded first, as Keras does).
            weights = self.idf_weights
            weights = weights[: len(values)].detach().cpu().numpy() if weights is not None \
                else np.zeros(len(values))
            self.set_vocabulary(values, idf_weights=weights)
        else:
            self.set_vocabulary(values)


_VOCABULARY_FILE = "vocabulary.txt"
