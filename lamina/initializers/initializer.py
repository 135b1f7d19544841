"""The `Initializer` base class and the shape/dtype/device handling every initializer shares."""

from __future__ import annotations

import math

import numpy as np
import torch

from lamina.backend.dtypes import _NAME_TO_DTYPE as _DTYPE_NAMES
from lamina.backend.dtypes import standardize_dtype as _backend_standardize_dtype

__all__ = [
    "Initializer",
    "standardize_shape",
    "standardize_dtype",
    "resolve_device",
    "require_floating",
    "product",
]


class Initializer:
    """Base class of all initializers: a stateless recipe for a new tensor.

    Subclasses implement `__call__(shape, dtype=None, device=None)` and, when
    they take arguments, `get_config()` returning those arguments, so that
    `from_config(get_config())` rebuilds an equal initializer (the default
    `from_config` passes the config to the constructor).

    Shapes are in the Keras weight layout (a Dense kernel is `(in, out)`, a
    Conv2D kernel `(kh, kw, in, out)`); fan-based initializers depend on it.

    Example:
        >>> class Halves(Initializer):
        ...     def __call__(self, shape, dtype=None, device=None):
        ...         return torch.full(standardize_shape(shape), 0.5,
        ...                           dtype=standardize_dtype(dtype), device=device)
        >>> Halves()((2,)).tolist()
        [0.5, 0.5]
    """

    def __call__(self, shape, dtype=None, device=None) -> torch.Tensor:
        """Returns a new tensor of exactly `shape`.

        Args:
            shape: Tuple of non-negative ints (an int means a 1-D shape).
            dtype: A `torch.dtype` or Keras dtype name; `None` means
                `torch.get_default_dtype()` (float32 unless changed).
            device: Where to create the tensor; `None` means torch's default device.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__call__(self, shape, dtype=None, "
            "device=None)` returning a tensor of that shape."
        )

    def get_config(self) -> dict:
        """The constructor arguments as a JSON-serializable dict (empty by default)."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuilds an initializer from `get_config()` output.

        Example:
            >>> RandomUniform.from_config({"minval": -1.0, "maxval": 1.0, "seed": None})
            RandomUniform(seed=None, minval=-1.0, maxval=1.0)
        """
        return cls(**config)

    def clone(self):
        """A new initializer with the same configuration."""
        return self.__class__.from_config(self.get_config())

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except Exception:  # a custom get_config may fail; repr must not
            args = "..."
        return f"{type(self).__name__}({args})"


def standardize_shape(shape) -> tuple[int, ...]:
    """Turns `shape` (int, tuple, list or `torch.Size`) into a tuple of ints, or raises."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(
            f"`shape` must be a tuple of non-negative ints, received {shape!r} "
            f"(a `{type(shape).__name__}`)."
        ) from None
    out = []
    for dim in dims:
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 0:
            raise ValueError(
                f"`shape` must be a tuple of non-negative ints, received {shape!r}. An "
                "initializer needs the full weight shape; unknown (None) dimensions are not allowed."
            )
        out.append(int(dim))
    return tuple(out)


def standardize_dtype(dtype) -> torch.dtype:
    """Turns `None` (torch's default dtype), a Keras dtype name, a numpy dtype or scalar type, or a
    `torch.dtype` into a `torch.dtype` (names as `lamina.backend.to_torch_dtype` reads them)."""
    if dtype is None:
        return torch.get_default_dtype()
    name = np.dtype(dtype) if isinstance(dtype, type) and issubclass(dtype, np.generic) else dtype
    try:
        return _backend_standardize_dtype(name)
    except ValueError:
        raise ValueError(
            f"`dtype` must be a torch.dtype or one of {sorted(_DTYPE_NAMES)}, received {dtype!r}."
        ) from None


def resolve_device(device) -> torch.device:
    """`None` -> torch's current default device; anything else -> `torch.device(device)`."""
    if device is None:
        get_default = getattr(torch, "get_default_device", None)
        return get_default() if get_default is not None else torch.empty(0).device
    return torch.device(device)


def require_floating(dtype: torch.dtype, who: str) -> None:
    """Random initializers only produce floating-point tensors, as in Keras."""
    if not dtype.is_floating_point:
        raise ValueError(
            f"{who} draws random floats and cannot produce dtype={dtype}. Pass a floating "
            "dtype such as torch.float32, or use Zeros/Ones/Constant for integer weights."
        )


def product(dims) -> int:
    return int(math.prod(dims))
