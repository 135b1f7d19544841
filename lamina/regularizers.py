"""Weight regularizers with the Keras 3 names, arguments, configs and numerics.

A regularizer maps a weight (or an activation) tensor to a scalar penalty
tensor that the layer adds to the training loss. Weights are in the Keras
layout (a Dense kernel is `(in, out)`), which matters for
`OrthogonalRegularizer`'s rows/columns.

Example:
    >>> from lamina import regularizers
    >>> regularizers.L2(0.5)(torch.ones(2, 2))
    tensor(2.)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import torch
import torch.nn.functional as F

from lamina.utils.serialization import (
    deserialize_from_registry,
    is_plain_function,
    serialize_function,
    serialize_keras_object,
)
from lamina.backend.config import epsilon  # keras.config.epsilon(), read at call time as in Keras

__all__ = [
    "Regularizer",
    "L1",
    "L2",
    "L1L2",
    "OrthogonalRegularizer",
    "l1",
    "l2",
    "l1_l2",
    "orthogonal_regularizer",
    "ALL_REGULARIZERS",
    "get",
    "serialize",
    "deserialize",
]

_MODULE = "keras.regularizers"


def _validate_factor(value, name: str, cls: str) -> float:
    """A penalty factor must be a finite, non-negative number (as Keras checks)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or math.isinf(value)
        or math.isnan(value)
        or value < 0
    ):
        raise ValueError(
            f"{cls}: `{name}` must be a non-negative finite float, received {name}={value!r}."
        )
    return float(value)


class Regularizer:
    """Base class of regularizers: a callable `weight -> scalar penalty tensor`.

    Subclasses implement `__call__` and `get_config`; the default
    `from_config` passes the config to the constructor. Any plain function
    `weight -> scalar` works as a regularizer too.

    Example:
        >>> class Sum(Regularizer):
        ...     def __call__(self, x):
        ...         return x.sum()
        ...     def get_config(self):
        ...         return {}
        >>> Sum()(torch.ones(3))
        tensor(3.)
    """

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """The penalty for `x` (the base class penalizes nothing)."""
        return x.new_zeros(())

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"{type(self).__name__} does not implement `get_config()`; return its constructor "
            "arguments as a dict so the regularizer can be saved."
        )

    @classmethod
    def from_config(cls, config: dict):
        """Rebuilds a regularizer from `get_config()` output."""
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """`l1 * sum(abs(x)) + l2 * sum(x**2)`.

    Both factors default to 0 (so `L1L2(l2=0.1)` has no L1 part), as in Keras.

    Args:
        l1: L1 factor.
        l2: L2 factor.

    Example:
        >>> L1L2(l1=1.0, l2=1.0)(torch.tensor([-2.0]))
        tensor(6.)
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _validate_factor(0.0 if l1 is None else l1, "l1", "L1L2")
        self.l2 = _validate_factor(0.0 if l2 is None else l2, "l2", "L1L2")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        penalty = x.new_zeros(())
        if self.l1:
            penalty = penalty + self.l1 * x.abs().sum()
        if self.l2:
            penalty = penalty + self.l2 * x.square().sum()
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """`l1 * sum(abs(x))`.

    Args:
        l1: L1 factor.

    Example:
        >>> L1(0.5)(torch.tensor([-2.0, 2.0]))
        tensor(2.)
    """

    def __init__(self, l1=0.01):
        self.l1 = _validate_factor(0.01 if l1 is None else l1, "l1", "L1")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.l1 * x.abs().sum()

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """`l2 * sum(x**2)` (no factor 1/2, as in Keras).

    Args:
        l2: L2 factor.

    Example:
        >>> L2(2.0)(torch.ones(5, 5))
        tensor(50.)
    """

    def __init__(self, l2=0.01):
        self.l2 = _validate_factor(0.01 if l2 is None else l2, "l2", "L2")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.l2 * x.square().sum()

    def get_config(self) -> dict:
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Encourages the rows (or columns) of a 2-D weight to be orthogonal.

    The penalty is `factor * 0.5 * sum(|P - diag(P)|) / (n * (n - 1) / 2)`,
    where `P` holds the dot products of the L2-normalized rows (`mode="rows"`)
    or columns (`mode="columns"`) and `n` is their number: `factor` times the
    mean absolute cosine between distinct pairs.

    Args:
        factor: Penalty factor.
        mode: `"rows"` or `"columns"`.

    Example:
        >>> OrthogonalRegularizer(factor=1.0)(torch.eye(3))
        tensor(0.)
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _validate_factor(factor, "factor", "OrthogonalRegularizer")
        if mode not in ("rows", "columns"):
            raise ValueError(
                f"OrthogonalRegularizer: `mode` must be 'rows' or 'columns', received mode={mode!r}."
            )
        self.mode = mode

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2:
            raise ValueError(
                f"OrthogonalRegularizer needs a 2-D weight (a matrix), received shape "
                f"{tuple(x.shape)}. Apply it to Dense-style kernels, or reshape the weight first."
            )
        if self.mode == "rows":
            vectors = F.normalize(x, p=2.0, dim=1, eps=epsilon())
        else:
            vectors = F.normalize(x, p=2.0, dim=0, eps=epsilon()).T
        n = vectors.shape[0]
        if n < 2:
            # No distinct pairs: nothing to decorrelate (Keras would divide 0 by 0 here).
            return x.new_zeros(())
        product = vectors @ vectors.T
        off_diagonal = product - torch.diag_embed(torch.diagonal(product))
        num_pairs = n * (n - 1) / 2.0
        return self.factor * 0.5 * off_diagonal.abs().sum() / num_pairs

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}


# Keras exports the classes under snake_case names too.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

_CLASSES = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)

#: Every name `get` accepts, mapped to its class.
ALL_REGULARIZERS: dict[str, type] = {cls.__name__: cls for cls in _CLASSES}
ALL_REGULARIZERS.update(
    {
        "regularizer": Regularizer,
        "l1": L1,
        "l2": L2,
        # Keras's to_snake_case("L1L2") is "l1l2"; "l1_l2" is its public alias.
        "l1l2": L1L2,
        "l1_l2": L1L2,
        "orthogonal_regularizer": OrthogonalRegularizer,
    }
)


def get(identifier):
    """Returns a regularizer for an identifier.

    Args:
        identifier: `None` (returned as is), a name (`"l2"`, `"L1L2"`), a
            Keras config dict, a class (instantiated with defaults) or a
            callable (returned as is).

    Example:
        >>> get("l2")
        L2(l2=0.01)
    """
    return deserialize_from_registry(identifier, ALL_REGULARIZERS, "regularizer")


def serialize(regularizer):
    """Returns the Keras config dict of a regularizer (or a function dict for a function).

    Example:
        >>> serialize(L1(0.1))
        {'module': 'keras.regularizers', 'class_name': 'L1', 'config': {'l1': 0.1}, 'registered_name': None}
    """
    if regularizer is None:
        return None
    if type(regularizer) in _CLASSES:
        return serialize_keras_object(regularizer, module=_MODULE)
    if callable(getattr(regularizer, "get_config", None)):
        return serialize_keras_object(regularizer)
    if is_plain_function(regularizer):
        return serialize_function(regularizer)
    raise ValueError(
        f"Cannot serialize regularizer {regularizer!r}: expected a Regularizer with "
        "`get_config()` or a named function."
    )


def deserialize(config, custom_objects: Mapping | None = None):
    """Returns the regularizer for a Keras config dict or name.

    Example:
        >>> deserialize({"class_name": "L2", "config": {"l2": 0.1}})
        L2(l2=0.1)
    """
    return deserialize_from_registry(config, ALL_REGULARIZERS, "regularizer", custom_objects)
