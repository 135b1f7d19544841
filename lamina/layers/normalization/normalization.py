"""`Normalization` (preprocessing): `(x - mean) / sqrt(variance)` with stats given or `adapt`ed."""

import numpy as np
import torch

from lamina.layers.layer import Layer
from lamina.backend.config import epsilon  # keras.config.epsilon(), read at call time

__all__ = ["Normalization"]


class Normalization(Layer):
    """Feature-wise standardization with a fixed mean and variance.

    Either pass `mean` and `variance` (kept in the config, as Keras does), or call `adapt(data)`
    to compute them; adapted statistics live in the non-trainable weights `mean` and
    `variance`, so they are saved with the weights (state_dict / .keras h5).

    Args:
        axis: the axis (int or tuple) that keeps separate statistics (default -1, the features);
            None computes one scalar mean and variance.
        mean, variance: optional statistics, broadcastable to the kept axes.
        invert: apply the inverse transform `mean + x * sqrt(variance)`.

    Example:
        >>> layer = Normalization()
        >>> layer.adapt(np.array([[0.0, 10.0], [2.0, 30.0]], dtype="float32"))
        >>> layer(torch.tensor([[1.0, 20.0]]))
        tensor([[0., 0.]])
    """

    supports_masking = True

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        owner = f"Normalization layer '{self.name}'"
        if axis is None:
            axis = ()
        elif isinstance(axis, int) and not isinstance(axis, bool):
            axis = (axis,)
        else:
            try:
                axis = tuple(int(a) for a in axis)
            except (TypeError, ValueError):
                raise ValueError(f"{owner}: `axis` must be an int, a tuple of ints or None, "
                                 f"received axis={axis!r}.") from None
        if 0 in axis:
            raise ValueError(f"{owner}: the batch axis 0 cannot be a normalization axis, received axis={axis}.")
        if (mean is None) != (variance is None):
            raise ValueError(f"{owner}: pass both `mean` and `variance` or neither, received mean={mean!r}, "
                             f"variance={variance!r}.")
        self.axis = axis
        self.invert = bool(invert)
        self.input_mean = mean
        self.input_variance = variance

    def build(self, input_shape):
        ndim = len(input_shape)
        keep = tuple(sorted(a % ndim for a in self.axis))
        if any(input_shape[a] is None for a in keep):
            raise ValueError(f"Normalization layer '{self.name}': the kept axes {self.axis} must have known "
                             f"sizes, received input shape {tuple(input_shape)}.")
        self._keep_axes = keep
        self._reduce_axes = tuple(a for a in range(ndim) if a not in keep)
        self._broadcast_shape = [input_shape[a] if a in keep else 1 for a in range(ndim)]
        stats_shape = tuple(input_shape[a] for a in keep)
        if self.input_mean is None:
            self.mean = self.add_weight(shape=stats_shape, initializer="zeros", trainable=False, name="mean")
            self.variance = self.add_weight(shape=stats_shape, initializer="ones", trainable=False,
                                            name="variance")
            # Keras 3 keeps an int `count` weight (int32 outside TensorFlow) for compatibility with
            # older saves; so do we, so that the h5 weight lists and summary byte counts line up.
            self.count = self.add_weight(shape=(), dtype="int32", initializer="zeros", trainable=False,
                                         name="count")
        else:
            # Given statistics are constants (in the config, not in the weights), as in Keras.
            dtype = getattr(torch, self.compute_dtype)
            mean = torch.as_tensor(np.asarray(self.input_mean), dtype=dtype)
            variance = torch.as_tensor(np.asarray(self.input_variance), dtype=dtype)
            self.register_buffer("_mean_const", torch.broadcast_to(mean, self._broadcast_shape).clone(),
                                 persistent=False)
            self.register_buffer("_variance_const", torch.broadcast_to(variance, self._broadcast_shape).clone(),
                                 persistent=False)
        self.built = True

    def _stats(self):
        if self.input_mean is None:
            return self.mean.reshape(self._broadcast_shape), self.variance.reshape(self._broadcast_shape)
        return self._mean_const, self._variance_const

    def call(self, inputs):
        mean, variance = self._stats()
        std = torch.clamp(torch.sqrt(variance), min=epsilon()).to(inputs.dtype)
        mean = mean.to(inputs.dtype)
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def adapt(self, data):
        """Computes the mean and variance of `data` over the non-kept axes.

        Args:
            data: a NumPy array, a tensor, or an iterable of batches (arrays/tensors, or
                `(x, y)` tuples whose first element is used).
        """
        if self.input_mean is not None:
            raise ValueError(f"Normalization layer '{self.name}' was given `mean` and `variance`; "
                             f"adapt() cannot change them.")
        batches = [data] if isinstance(data, (np.ndarray, torch.Tensor)) else data
        count, total, total_sq = 0, None, None
        for batch in batches:
            if isinstance(batch, (tuple, list)):
                batch = batch[0]
            array = batch.detach().cpu().numpy() if isinstance(batch, torch.Tensor) else np.asarray(batch)
            array = array.astype(np.float64)
            if array.ndim == 1 and self.axis:
                array = array[:, None]  # a flat list of samples with one feature
            if not self.built:
                self._run_build([(None,) + array.shape[1:]])
            reduce = self._reduce_axes
            n = int(np.prod([array.shape[a] for a in reduce])) if reduce else 1
            s, sq = array.sum(axis=reduce), (array * array).sum(axis=reduce)
            count += n
            total = s if total is None else total + s
            total_sq = sq if total_sq is None else total_sq + sq
        if count == 0:
            raise ValueError(f"Normalization layer '{self.name}': adapt() received no data.")
        mean = total / count
        variance = np.maximum(total_sq / count - mean * mean, 0.0)
        with torch.no_grad():
            self.mean.copy_(torch.as_tensor(mean, dtype=self.mean.dtype).reshape(self.mean.shape))
            self.variance.copy_(torch.as_tensor(variance, dtype=self.variance.dtype).reshape(self.variance.shape))
            self.count.fill_(count)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        as_list = lambda v: None if v is None else np.asarray(v).tolist()
        config.update({"axis": list(self.axis),
                       "invert": self.invert, "mean": as_list(self.input_mean),
                       "variance": as_list(self.input_variance)})
        return config
