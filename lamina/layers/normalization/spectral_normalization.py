"""`SpectralNormalization`: divides a wrapped layer's kernel by its largest singular value."""

import numpy as np
import torch
from torch.func import functional_call

from lamina import initializers
from lamina.layers.core.wrapper import Wrapper
from lamina.layers.input_spec import InputSpec

__all__ = ["SpectralNormalization"]


def _normalize(x):
    # Keras's numerical_utils.normalize(axis=None): x / max(||x||_2, 1e-12) over all entries.
    return x / torch.clamp(torch.linalg.vector_norm(x), min=1e-12)


class SpectralNormalization(Wrapper):
    """Spectral normalization of a layer's `kernel` (or `embeddings`), by power iteration.

    In training calls the kernel is replaced by `kernel / sigma`, `sigma` estimated with
    `power_iterations` steps from the persistent vector `vector_u` (shape `(1, kernel.shape[-1])`,
    non-trainable, as Keras); the normalized kernel is written back into the wrapped layer, as
    Keras does. Gradients flow through `kernel / sigma`, not through the power iteration.
    Inference calls use the stored kernel as is.

    Args:
        layer: a layer with a `kernel` or `embeddings` weight (Dense, Conv2D, Embedding, ...).
        power_iterations: power-iteration steps per training call (default 1).

    Example:
        >>> sn = SpectralNormalization(Dense(4))
        >>> sn(torch.ones(2, 3), training=True).shape
        torch.Size([2, 4])
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if not isinstance(power_iterations, int) or isinstance(power_iterations, bool) or power_iterations <= 0:
            raise ValueError(f"SpectralNormalization layer '{self.name}': `power_iterations` should be an int "
                             f"greater than zero. Received: power_iterations={power_iterations!r}.")
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        for attr in ("kernel", "embeddings"):
            if getattr(self.layer, attr, None) is not None:
                self._kernel_attr = attr
                break
        else:
            raise ValueError(f"SpectralNormalization layer '{self.name}': {type(self.layer).__name__} object has "
                             "no attribute 'kernel' nor 'embeddings'; wrap a layer with a kernel (Dense, Conv2D, "
                             "Embedding, ...).")
        kernel = getattr(self.layer, self._kernel_attr)
        self.kernel_shape = tuple(kernel.keras_shape)
        self.vector_u = self.add_weight(shape=(1, self.kernel_shape[-1]),
                                        initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False,
                                        name="vector_u", dtype=kernel.dtype)
        self.built = True

    def normalized_weights(self):
        """`(new vector_u, kernel / sigma)`, the kernel in Keras layout (differentiable in the kernel)."""
        kernel = getattr(self.layer, self._kernel_attr)
        weights = kernel.keras_view().reshape(-1, self.kernel_shape[-1])
        with torch.no_grad():
            u = self.vector_u
            for _ in range(self.power_iterations):
                v = _normalize(u @ weights.t())
                u = _normalize(v @ weights)
        sigma = (v @ weights) @ u.t()
        return u, (weights / sigma).reshape(self.kernel_shape)

    def call(self, inputs, training=False):
        kernel = getattr(self.layer, self._kernel_attr)
        if not training or not bool(torch.any(kernel != 0)):
            return self.layer(inputs).to(inputs.dtype)
        u, normalized = self.normalized_weights()
        stored = normalized if kernel._keras_perm is None else normalized.permute(*kernel._keras_perm)
        output = functional_call(self.layer, {self._kernel_attr: stored}, (inputs,))
        with torch.no_grad():
            self.vector_u.copy_(u)
            kernel.copy_(stored)
        return output.to(inputs.dtype)

    # Keras tracks the wrapped kernel as this layer's own variable too: its file holds
    # `vars/0` = kernel (Keras layout), `vars/1` = vector_u, besides the wrapped layer's own group.
    def save_own_variables(self, store):
        if not self.built:
            return
        store["0"] = getattr(self.layer, self._kernel_attr).numpy()
        store["1"] = self.vector_u.numpy()

    def load_own_variables(self, store):
        if not self.built:
            return
        kernel = getattr(self.layer, self._kernel_attr)
        expected = {"0": tuple(kernel.keras_shape), "1": tuple(self.vector_u.shape)}
        found = {k: tuple(np.shape(v)) for k, v in store.items()}
        if found != expected:
            raise ValueError(f"SpectralNormalization layer '{self.name}': the file holds weights {found}, expected "
                             f"{expected} (kernel, vector_u). The file was saved from a different architecture.")
        kernel.assign(np.asarray(store["0"]))
        self.vector_u.assign(np.asarray(store["1"]))

    def get_config(self):
        config = super().get_config()
        config["power_iterations"] = self.power_iterations
        return config
