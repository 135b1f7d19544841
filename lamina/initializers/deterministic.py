"""Deterministic initializers: Zeros, Ones, Constant and Identity."""

from __future__ import annotations

import numbers

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
    """Fills the tensor with one scalar value.

    Args:
        value: A Python number (a 0-d tensor or numpy scalar is accepted and
            stored as a number, so the config stays JSON).

    Example:
        >>> Constant(3.0)((2,)).tolist()
        [3.0, 3.0]
    """

    def __init__(self, value=0.0):
        if isinstance(value, dict):
            # Keras writes numpy values as {"class_name": "__numpy__", "config": {"value": ...}}.
            value = value.get("config", {}).get("value", value)
        if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
            value = value.item()
        if not isinstance(value, numbers.Number):
            raise ValueError(
                f"Constant: `value` must be a scalar number, received {value!r}. To start a "
                "weight from an array, create it with any initializer and copy the array in."
            )
        self.value = value

    def __call__(self, shape, dtype=None, device=None) -> torch.Tensor:
        return torch.full(
            standardize_shape(shape),
            self.value,
            dtype=standardize_dtype(dtype),
            device=resolve_device(device),
        )

    def get_config(self) -> dict:
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
