"""Errors raised while saving or loading models.

Every problem found in a file (truncated archive, bad JSON, unknown class,
wrong weight shape...) surfaces as a `LoadError` (a `ValueError`) whose message
says what is wrong, where, and how to fix it; never as a raw `KeyError`,
`OSError` or a half-loaded model.
"""

import reprlib

__all__ = ["SavingError", "LoadError", "CorruptFileError", "MissingClassError", "WeightMismatchError",
           "UnsafeObjectError", "short_repr"]

_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxtuple, _SHORT.maxdict = 3, 6, 6, 6
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong = 80, 80, 40


def short_repr(value) -> str:
    """A bounded repr for error messages: a value read from a file may hold millions of items."""
    return _SHORT.repr(value)


class SavingError(ValueError):
    """A model could not be saved (the previous file, if any, is left intact)."""


class LoadError(ValueError):
    """A model, config or weights file could not be loaded."""


class CorruptFileError(LoadError):
    """The file is not a well-formed `.keras` archive / weights file."""


class MissingClassError(LoadError):
    """Classes named in a config cannot be found; the message lists every one."""


class WeightMismatchError(LoadError):
    """Stored weights do not match the model (count or shape)."""


class UnsafeObjectError(LoadError):
    """A file names a class or function that safe mode does not let it reach (`lamina.saving.safe_mode`)."""
