"""Process-wide settings and small primitives shared by every part of lamina.

Mirrors `keras.backend` for the pieces users touch (`floatx`, `clear_session`,
`epsilon`); everything here is cheap and free of model logic.
"""

from lamina.backend.dtypes import floatx, set_floatx, standardize_dtype, dtype_name, is_float_dtype
from lamina.backend.naming import clear_session, unique_name, to_snake_case

__all__ = [
    "floatx",
    "set_floatx",
    "standardize_dtype",
    "dtype_name",
    "is_float_dtype",
    "clear_session",
    "unique_name",
    "to_snake_case",
    "epsilon",
]


def epsilon() -> float:
    """The fuzz factor Keras uses in numeric expressions (1e-7)."""
    return 1e-7
