"""Deterministic initializers: Zeros, Ones, Constant and Identity."""

from __future__ import annotations

import numbers

import numpy as np
import torch

from lamina.initializers.initializer import (
    Initializer,
    resolve_device,
    standardize_dtype,
    standardize_shape,
)

__all__ = ["Zeros", "Ones", "Constant", "Identity"]


class Zeros(Initializer):
    """Fills the tensor with 0 (the Keras default for biases).

    Example:
        >>> Zeros()((2,)).tolist()
        [0.0, 0.0]
    """

    def __call__(self, shape, dtype=None, device=None) -> torch.Tensor:
        return torch.zeros(
            standardize_shape(shape), dtype=standardize_dtype(dtype), device=resolve_device(device)
        )


class Ones(Initializer):
    """Fills the tensor with 1.

    Example:
        >>> Ones()((2,)).tolist()
        [1.0, 1.0]
    """

    def __call__(self, shape, dtype=None, device=None) -> torch.Tensor:
        return torch.ones(
            standardize_shape(shape), dtype=standardize_dtype(dtype), device=resolve_device(device)
        )


class Constant(Initializer):
    """Fills the tensor with `value`, broadcast to the requested shape (as Keras: `value * ones(shape)`).

    Args:
        value: a number, or an array / tensor / nested list broadcastable to the weight's shape
            (e.g. a full `(in, out)` kernel, or a `(units,)` row repeated over the first axis).
            Arrays are kept as NumPy and saved as Keras writes them (`{"class_name": "__numpy__"}`).

    Example:
        >>> Constant(3.0)((2,)).tolist()
        [3.0, 3.0]
        >>> Constant(np.array([1.0, 2.0]))((2, 2)).tolist()
        [[1.0, 2.0], [1.0, 2.0]]
    """

    def __init__(self, value=0.0):
        if isinstance(value, dict):
            # Keras writes arrays as {"class_name": "__numpy__" or "__tensor__", "config": {"value", "dtype"}}.
            config = value.get("config", {})
            value = np.asarray(config.get("value"), dtype=config.get("dtype")) \
                if value.get("class_name") in ("__numpy__", "__tensor__") else config.get("value", value)
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
        if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
            value = value.item()
        self._given_as_list = isinstance(value, (list, tuple))  # Keras writes a list back as a list
        if self._given_as_list:
            value = np.asarray(value)
        if isinstance(value, np.ndarray):
            if value.dtype == object or value.dtype.kind not in "biuf":
                raise ValueError(f"Constant: `value` must be numbers (a scalar, array or tensor); received an array "
                                 f"of dtype {value.dtype}: {value!r:.80}.")
        elif not isinstance(value, numbers.Number):
            raise ValueError(
                f"Constant: `value` must be a number, an array or a tensor; received {type(value).__name__} "
                f"{value!r:.80}.")
        self.value = value

    def __call__(self, shape, dtype=None, device=None) -> torch.Tensor:
        shape = standardize_shape(shape)
        dtype = standardize_dtype(dtype)
        device = resolve_device(device)
        if not isinstance(self.value, np.ndarray):
            return torch.full(shape, self.value, dtype=dtype, device=device)
        value = torch.as_tensor(self.value, device=device).to(dtype)
        try:
            return value.expand(shape).clone()
        except RuntimeError:
            raise ValueError(
                f"Constant: the value of shape {tuple(self.value.shape)} cannot be broadcast to the weight's "
                f"shape {tuple(shape)}. Give a value of that shape (or one that broadcasts to it).") from None

    def get_config(self) -> dict:
        if isinstance(self.value, np.ndarray) and getattr(self, "_given_as_list", False):
            return {"value": self.value.tolist()}
        if isinstance(self.value, np.ndarray):
            from lamina.backend.dtypes import dtype_name

            dtype = dtype_name(torch.from_numpy(np.zeros(0, self.value.dtype)).dtype)
            return {"value": {"class_name": "__numpy__", "config": {"value": self.value.tolist(), "dtype": dtype}}}
        return {"value": self.value}


class Identity(Initializer):
    """The identity matrix times `gain`; only for 2-D shapes (rectangular is allowed).

    Args:
        gain: Multiplier of the identity matrix.

    Example:
        >>> Identity(gain=2.0)((2, 3)).tolist()
        [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None, device=None) -> torch.Tensor:
        shape = standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                f"Identity can only initialize 2-D weights (a matrix), received shape={shape} of "
                f"rank {len(shape)}. Use Orthogonal for higher-rank kernels."
            )
        eye = torch.eye(*shape, dtype=standardize_dtype(dtype), device=resolve_device(device))
        return eye * self.gain if self.gain != 1 else eye

    def get_config(self) -> dict:
        return {"gain": self.gain}
