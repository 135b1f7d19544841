"""`CategoryEncoding`: integer category ids to one-hot, multi-hot or count vectors."""

import numpy as np
import torch

from lamina import backend
from lamina.layers.layer import Layer
from lamina.layers.preprocessing._strings import is_string_array, output_device
from lamina.layers.preprocessing.index_lookup import encode_categorical

__all__ = ["CategoryEncoding"]


class CategoryEncoding(Layer):
    """Encodes integer features as one-hot, multi-hot or count vectors, as Keras's layer.

    Args:
        num_tokens: number of categories; inputs must be in `[0, num_tokens)`.
        output_mode: "multi_hot" (default), "one_hot" or "count".
        sparse: must be False in lamina.

    Call arguments:
        inputs: integer tensor of rank 0, 1 or 2 (a rank-1 input is one sample for multi_hot and
            count, a batch of ids for one_hot).
        count_weights: optional weights shaped like `inputs`, summed in "count" mode.

    Shapes:
        `(batch, n)` -> `(batch, num_tokens)`; one_hot on `(batch,)` or `(batch, 1)` ->
        `(batch, num_tokens)`. Output dtype: the layer's compute dtype (float32).

    Example:
        >>> CategoryEncoding(num_tokens=4, output_mode="one_hot")(torch.tensor([3, 2, 0, 1]))
        tensor([[0., 0., 0., 1.], ...])
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"CategoryEncoding layer '{self.name}': unknown output_mode={output_mode!r}; "
                             f"expected 'count', 'one_hot' or 'multi_hot'.")
        if num_tokens is None:
            raise ValueError(f"CategoryEncoding layer '{self.name}': num_tokens must be set to use this "
                             f"layer. If the number of tokens is not known beforehand, use the "
                             f"IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"CategoryEncoding layer '{self.name}': num_tokens must be >= 1; received "
                             f"num_tokens={num_tokens}.")
        if sparse:
            raise ValueError(f"CategoryEncoding layer '{self.name}': sparse=True is not supported by "
                             f"lamina; use sparse=False.")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse
        self.built = True

    def call(self, inputs, count_weights=None):
        if is_string_array(inputs):
            raise TypeError(f"CategoryEncoding layer '{self.name}' expects integer category ids; received "
                            f"strings. Map them to ids first with StringLookup (or Hashing).")
        if not isinstance(inputs, torch.Tensor):
            inputs = torch.as_tensor(np.asarray(inputs), device=output_device(self))
        if inputs.is_floating_point():
            inputs = inputs.to(torch.int64)
        dtype = backend.to_torch_dtype(self.compute_dtype)
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f"CategoryEncoding layer '{self.name}': `count_weights` is not used when "
                                 f"output_mode is not 'count'; received output_mode={self.output_mode!r}.")
            count_weights = torch.as_tensor(count_weights, dtype=dtype, device=inputs.device)
        return encode_categorical(inputs, self.output_mode, self.num_tokens, count_weights).to(dtype)

    def compute_output_dtype(self, input_dtype):
        return self.compute_dtype

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_tokens,)
        if self.output_mode == "one_hot":
            if input_shape[-1] != 1 or len(input_shape) == 1:
                return input_shape + (self.num_tokens,)
            return input_shape[:-1] + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode,
                "sparse": self.sparse}
