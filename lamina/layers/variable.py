"""The parameter type that `Layer.add_weight` returns.

A `torch.nn.Parameter` subclass, so optimizers, `state_dict`, DDP and
`torch.compile` see an ordinary parameter, with the few Keras `Variable`
conveniences people call on weights (`numpy()`, `assign()`, `path`, `trainable`).
"""

import numpy as np
import torch
from torch import nn

__all__ = ["Variable"]


class Variable(nn.Parameter):
    """A layer weight: a `torch.nn.Parameter` with Keras `Variable` helpers.

    Keras code reads weights with `w.numpy()` and writes them with `w.assign(v)`;
    both work here. Arithmetic on a `Variable` returns plain tensors.
    """

    # Set by Layer.add_weight; class-level defaults keep unpickled copies valid.
    _keras_name = None
    _owner_path = None
    # Set for weights stored in a torch layout (Dense/conv/RNN kernels): the permutation that maps
    # the Keras layout to the stored one. `numpy()`/`assign()` speak Keras layout, torch ops see
    # the stored tensor.
    _keras_perm = None

    @property
    def name(self) -> str:
        return self._keras_name or "variable"

    @property
    def path(self) -> str:
        """`"<layer name>/<weight name>"`, as Keras reports it."""
        return f"{self._owner_path}/{self.name}" if self._owner_path else self.name

    @property
    def trainable(self) -> bool:
        return self.requires_grad

    @property
    def keras_shape(self) -> tuple:
        """The shape in Keras layout (`(in, out)` for a Dense kernel stored as `(out, in)`)."""
        if self._keras_perm is None:
            return tuple(self.shape)
        return tuple(self.shape[i] for i in np.argsort(self._keras_perm))

    def keras_view(self, value=None) -> torch.Tensor:
        """`value` (default: this weight) seen in Keras layout: a view, no copy."""
        value = self if value is None else value
        if self._keras_perm is None:
            return value
        return value.permute(*np.argsort(self._keras_perm).tolist())

    def numpy(self, *, force=False) -> np.ndarray:  # noqa: D401 - Keras name
        """A NumPy copy of the value in Keras layout (detached, on the CPU).

        `force` matches `torch.Tensor.numpy`'s signature (the ONNX exporter passes it).
        """
        return self.keras_view(self.detach()).cpu().numpy().copy()

    def assign(self, value) -> "Variable":
        """Copies `value` (array-like, Keras layout and shape) into this weight in place."""
        value = torch.as_tensor(np.asarray(value) if not isinstance(value, torch.Tensor) else value)
        if tuple(value.shape) != self.keras_shape:
            raise ValueError(
                f"Cannot assign a value of shape {tuple(value.shape)} to weight "
                f"'{self.path}' of shape {self.keras_shape} (Keras layout)."
            )
        if self._keras_perm is not None:
            value = value.permute(*self._keras_perm)
        with torch.no_grad():
            self.copy_(value)
        return self

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={tuple(self.shape)}, dtype={str(self.dtype).replace('torch.', '')}>"
