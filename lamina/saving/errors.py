"""Errors raised while saving or loading models.

Every problem found in a file (truncated archive, bad JSON, unknown class,
wrong weight shape...) surfaces as a `LoadError` (a `ValueError`) whose message
says what is wrong, where, and how to fix it; never as a raw `KeyError`,
`OSError` or a half-loaded model.
"""

__all__ = ["SavingError", "LoadError", "CorruptFileError", "MissingClassError", "WeightMismatchError"]


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
