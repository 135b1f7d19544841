"""Weight constraints with the Keras 3 names, arguments, configs and numerics.

A constraint maps a weight tensor to its projection (clipped norms, no negative
entries...); layers apply it after each optimizer step. `axis` refers to the
Keras weight layout: for a Dense kernel `(in, out)`, `axis=0` constrains each
output unit's incoming weight vector; for a Conv2D kernel `(kh, kw, in, out)`,
`axis=[0, 1, 2]` constrains each filter.

Example:
    >>> from lamina import constraints
    >>> constraints.NonNeg()(torch.tensor([-1.0, 2.0]))
    tensor([0., 2.])
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from lamina.utils.serialization import (
    deserialize_from_registry,
    is_plain_function,
    serialize_function,
    serialize_keras_object,
)
from lamina.backend.config import epsilon  # keras.config.epsilon(), read at call time as in Keras

__all__ = [
    "Constraint",
    "MaxNorm",
    "NonNeg",
    "UnitNorm",
    "MinMaxNorm",
    "max_norm",
    "non_neg",
    "unit_norm",
    "min_max_norm",
    "ALL_CONSTRAINTS",
    "get",
    "serialize",
    "deserialize",
]

_MODULE = "keras.constraints"


def _dims(axis):
    """Keras accepts an int or a list of axes; torch reductions want an int or a tuple."""
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _norms(w: torch.Tensor, axis) -> torch.Tensor:
    return torch.sqrt(torch.sum(torch.square(w), dim=_dims(axis), keepdim=True))


class Constraint:
    """Base class of constraints: a callable `weight -> projected weight`.

    Subclasses implement `__call__` and, when they take arguments,
    `get_config`. The base class returns the weight unchanged.

    Example:
        >>> class Clip(Constraint):
        ...     def __call__(self, w):
        ...         return w.clamp(-1, 1)
        >>> Clip()(torch.tensor([3.0])).tolist()
        [1.0]
    """

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        return w

    def get_config(self) -> dict:
        """The constructor arguments as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuilds a constraint from `get_config()` output."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescales weight vectors whose L2 norm along `axis` exceeds `max_value`.

    Args:
        max_value: Largest allowed norm.
        axis: Axis or list of axes the norm is taken over (Keras layout).

    Example:
        >>> MaxNorm(1.0)(torch.tensor([[3.0], [4.0]])).flatten()
        tensor([0.6000, 0.8000])
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0, self.max_value)
        return w * (desired / (epsilon() + norms))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero.

    Example:
        >>> NonNeg()(torch.tensor([-1.0, 1.0]))
        tensor([0., 1.])
    """

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        return torch.clamp(w, min=0)


class UnitNorm(Constraint):
    """Rescales weight vectors to unit L2 norm along `axis`.

    Args:
        axis: Axis or list of axes the norm is taken over (Keras layout).

    Example:
        >>> UnitNorm()(torch.tensor([[3.0], [4.0]])).flatten()
        tensor([0.6000, 0.8000])
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        return w / (epsilon() + _norms(w, self.axis))

    def get_config(self) -> dict:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves the L2 norm of weight vectors along `axis` into `[min_value, max_value]`.

    The new norm is `rate * clip(norm, min_value, max_value) + (1 - rate) * norm`:
    `rate=1` enforces the bounds strictly, smaller rates move towards them.

    Args:
        min_value: Smallest allowed norm.
        max_value: Largest allowed norm.
        rate: How far to move towards the bounds per application, in `[0, 1]`.
        axis: Axis or list of axes the norm is taken over (Keras layout).

    Example:
        >>> MinMaxNorm(1.0, 2.0)(torch.tensor([[0.3], [0.4]])).flatten()
        tensor([0.6000, 0.8000])
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        if min_value > max_value:
            raise ValueError(
                f"MinMaxNorm: `min_value` must not exceed `max_value`, received "
                f"min_value={min_value}, max_value={max_value}."
            )
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        norms = _norms(w, self.axis)
        desired = self.rate * torch.clamp(norms, self.min_value, self.max_value) + (
            1 - self.rate
        ) * norms
        return w * (desired / (epsilon() + norms))

    def get_config(self) -> dict:
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


# Keras exports the classes under snake_case names too.
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

_CLASSES = (Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm)

#: Every name `get` accepts, mapped to its class.
ALL_CONSTRAINTS: dict[str, type] = {cls.__name__: cls for cls in _CLASSES}
ALL_CONSTRAINTS.update(
    {
        "constraint": Constraint,
        "max_norm": MaxNorm,
        "non_neg": NonNeg,
        "unit_norm": UnitNorm,
        "min_max_norm": MinMaxNorm,
    }
)


def get(identifier):
    """Returns a constraint for an identifier.

    Args:
        identifier: `None` (returned as is), a name (`"non_neg"`, `"MaxNorm"`),
            a Keras config dict, a class (instantiated with defaults) or a
            callable (returned as is).

    Example:
        >>> get("max_norm")
        MaxNorm(max_value=2, axis=0)
    """
    return deserialize_from_registry(identifier, ALL_CONSTRAINTS, "constraint")


def serialize(constraint):
    """Returns the Keras config dict of a constraint (or a function dict for a function).

    Example:
        >>> serialize(NonNeg())
        {'module': 'keras.constraints', 'class_name': 'NonNeg', 'config': {}, 'registered_name': None}
    """
    if constraint is None:
        return None
    if type(constraint) in _CLASSES:
        return serialize_keras_object(constraint, module=_MODULE)
    if callable(getattr(constraint, "get_config", None)):
        return serialize_keras_object(constraint)
    if is_plain_function(constraint):
        return serialize_function(constraint)
    raise ValueError(
        f"Cannot serialize constraint {constraint!r}: expected a Constraint with "
        "`get_config()` or a named function."
    )


def deserialize(config, custom_objects: Mapping | None = None):
    """Returns the constraint for a Keras config dict or name.

    Example:
        >>> deserialize({"class_name": "UnitNorm", "config": {"axis": 0}})
        UnitNorm(axis=0)
    """
    return deserialize_from_registry(config, ALL_CONSTRAINTS, "constraint", custom_objects)
