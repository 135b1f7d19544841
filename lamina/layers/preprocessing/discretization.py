"""`Discretization`: buckets continuous values by boundaries given or learned with `adapt`.

`adapt` keeps Keras's approximate quantile summary (sorted values with weights, compressed to
`1/epsilon` points), so the learned `bin_boundaries` equal Keras's for the same data.
"""

import numpy as np
import torch

from lamina import backend
from lamina.layers.layer import Layer
from lamina.layers.preprocessing._strings import is_string_array, output_device
from lamina.layers.preprocessing.index_lookup import encode_categorical

__all__ = ["Discretization"]


def _summarize(values, epsilon):
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def _compress(summary, epsilon):
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_percents, summary[0])
    cum_weights = np.interp(percents, cum_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")


def _merge(previous, new, epsilon):
    merged = np.concatenate((previous, new), axis=1)
    return _compress(np.take(merged, np.argsort(merged[0]), axis=1), epsilon)


class Discretization(Layer):
    """Maps each value to the index of its bin (`boundaries[i-1] <= x < boundaries[i]`).

    Args:
        bin_boundaries: sorted list of boundaries; n boundaries make n + 1 bins.
        num_bins: number of bins to learn with `adapt` (instead of `bin_boundaries`).
        epsilon: precision of the quantile summary used by `adapt` (default 0.01).
        output_mode: "int" (int32 bin ids), "one_hot", "multi_hot" or "count".
        sparse: must be False in lamina.

    Example:
        >>> Discretization(bin_boundaries=[0.0, 1.0, 2.0])(torch.tensor([[-1.0, 0.0, 0.5, 1.0, 3.0]]))
        tensor([[0, 1, 1, 2, 3]], dtype=torch.int32)
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        owner = f"Discretization layer '{self.name}'"
        if sparse:
            raise ValueError(f"{owner}: sparse=True is not supported by lamina; use sparse=False.")
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"{owner}: unknown output_mode={output_mode!r}; expected 'int', 'one_hot', "
                             f"'multi_hot' or 'count'.")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"{owner}: `num_bins` must be greater than or equal to 0. Received: "
                             f"`num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"{owner}: both `num_bins` and `bin_boundaries` should not be set. "
                             f"Received: `num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError(f"{owner}: you need to set either `num_bins` or `bin_boundaries`.")
        if bin_boundaries is not None:
            bin_boundaries = [float(b) for b in bin_boundaries]
            if any(b > a for a, b in zip(bin_boundaries[1:], bin_boundaries[:-1])):
                raise ValueError(f"{owner}: bin_boundaries must be sorted in increasing order; received "
                                 f"{bin_boundaries}.")
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self._owner = owner
        self.summary = None if bin_boundaries else np.array([[], []], dtype="float32")
        self.built = True

    def adapt(self, data, steps=None):
        """Learns `num_bins - 1` boundaries at the data's quantiles (Keras's approximate summary).

        Args:
            data: array, tensor, list, or an iterable of batches.
            steps: with an iterable, the number of batches to read.
        """
        if self.num_bins is None:
            raise ValueError(f"{self._owner}: cannot adapt a Discretization layer that has been "
                             f"initialized with `bin_boundaries`, use `num_bins` instead.")
        self.summary = np.array([[], []], dtype="float32")
        if isinstance(data, (np.ndarray, torch.Tensor)) or not hasattr(data, "__iter__"):
            batches = [data]
        else:
            batches = data
        for index, batch in enumerate(batches):
            if steps is not None and index >= steps:
                break
            if isinstance(batch, torch.Tensor):
                batch = batch.detach().cpu().numpy()
            if is_string_array(batch):
                raise TypeError(f"{self._owner}.adapt() expects numbers; received strings.")
            batch = np.array(batch).astype("float32")
            self.summary = _merge(_summarize(batch, self.epsilon), self.summary, self.epsilon)
        self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    @property
    def output_dtype(self):
        return self.compute_dtype if self.output_mode != "int" else "int32"

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(f"{self._owner}: you need to either pass the `bin_boundaries` argument at "
                             f"construction time or call `adapt(dataset)` before you can start using "
                             f"the Discretization layer.")
        if is_string_array(inputs):
            raise TypeError(f"{self._owner} expects numeric inputs; received strings.")
        if not isinstance(inputs, torch.Tensor):
            inputs = torch.as_tensor(np.asarray(inputs), device=output_device(self))
        inputs = inputs.to(torch.float32)
        boundaries = torch.as_tensor(self.bin_boundaries, dtype=torch.float32, device=inputs.device)
        indices = torch.bucketize(inputs, boundaries, right=True)
        dtype = backend.to_torch_dtype(self.output_dtype)
        if self.output_mode == "int":
            return indices.to(dtype)
        return encode_categorical(indices, self.output_mode, len(self.bin_boundaries) + 1).to(dtype)

    def compute_output_dtype(self, input_dtype):
        return self.output_dtype

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        if self.output_mode == "one_hot":
            if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        if len(input_shape) >= 2:
            return (input_shape[0],) + input_shape[2:] + (depth,)
        return (depth,)

    def get_config(self):
        # Keras's exact key set: its __init__ takes no `trainable`, so the key must stay out
        base = super().get_config()
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse, "name": base["name"],
                "dtype": base["dtype"]}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("trainable", None)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            # after adapt both are set; __init__ refuses both, so the boundaries go on afterwards
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = list(boundaries)
            return layer
        return cls(**config)

    def load_own_variables(self, store):
        return  # Keras stores no variables for this layer (legacy files hold a summary)
