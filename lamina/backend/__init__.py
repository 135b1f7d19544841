"""Process-wide settings and small primitives shared by every part of lamina.

As a namespace this is Keras's `keras.backend` (its 14 names: `backend()` answers `"torch"`,
`floatx`, `epsilon`, `image_data_format` and their setters, `standardize_dtype` (names, as
Keras), `result_type`, `is_float_dtype`, `is_int_dtype`, `is_keras_tensor`, `get_uid`,
`clear_session`), plus lamina's own helpers (`to_torch_dtype`, `dtype_name`, `unique_name`,
`to_snake_case`).
"""

from lamina.backend.config import (backend, epsilon, get_uid, image_data_format, set_epsilon,
                                   set_image_data_format)
from lamina.backend.dtypes import (dtype_name, floatx, is_int_dtype, set_floatx, to_torch_dtype,
                                   standardize_dtype_name as standardize_dtype)
from lamina.backend.dtypes import is_float_dtype as _is_float_torch_dtype
from lamina.backend.naming import clear_session, unique_name, to_snake_case

__all__ = [
    "backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format", "is_float_dtype",
    "is_int_dtype", "is_keras_tensor", "result_type", "set_epsilon", "set_floatx", "set_image_data_format",
    "standardize_dtype", "to_torch_dtype", "dtype_name", "unique_name", "to_snake_case",
]


def is_float_dtype(dtype) -> bool:
    """True for the floating-point dtypes (any spelling: name, torch or NumPy dtype)."""
    return _is_float_torch_dtype(dtype)


def is_keras_tensor(x) -> bool:
    """True if `x` is a symbolic `KerasTensor` (an `Input` or a layer's output on one).

    Example:
        >>> lamina.backend.is_keras_tensor(lamina.Input((3,)))
        True
    """
    from lamina.graph.keras_tensor import KerasTensor

    return isinstance(x, KerasTensor)


def result_type(*dtypes):
    """Keras's dtype promotion of `dtypes` (names, torch/NumPy dtypes or values) to one name.

    Example:
        >>> lamina.backend.result_type("int32", "float16")
        'float16'
    """
    from lamina.ops._dtypes import result_type as _result_type

    return _result_type(*dtypes)
