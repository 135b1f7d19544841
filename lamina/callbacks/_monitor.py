"""Shared "is this value an improvement?" logic of EarlyStopping, ModelCheckpoint, ReduceLROnPlateau."""

import math
import warnings

__all__ = ["Monitor"]

_MAX_HINTS = ("acc", "auc", "precision", "recall", "f1", "iou")


class Monitor:
    """Tracks one log key and says whether a new value beats the best so far.

    Args:
        key: log key such as `"val_loss"`.
        mode: `"min"`, `"max"` or `"auto"` (max for accuracy-like keys, else min).
        min_delta: smallest change counted as an improvement.
        owner: callback name used in warnings.

    Example:
        >>> m = Monitor("val_loss", "auto", 0.0, "EarlyStopping")
        >>> m.improves(0.5, m.initial_best())
        True
    """

    def __init__(self, key, mode="auto", min_delta=0.0, owner="callback"):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max'; received {mode!r}.")
        self.key = key
        self.owner = owner
        if mode == "auto":
            mode = "max" if any(h in key.lower() for h in _MAX_HINTS) else "min"
        self.mode = mode
        self.min_delta = abs(float(min_delta))

    def initial_best(self):
        return math.inf if self.mode == "min" else -math.inf

    def improves(self, current, reference):
        if self.mode == "min":
            return current + self.min_delta < reference if self.min_delta else current < reference
        return current - self.min_delta > reference if self.min_delta else current > reference

    def value(self, logs):
        """The monitored value from `logs`, or None (with a warning naming the available keys)."""
        logs = logs or {}
        value = logs.get(self.key)
        if value is None:
            warnings.warn(
                f"{self.owner} is monitoring '{self.key}', which is not in the logs. Available keys: "
                f"{sorted(logs)}.", stacklevel=3)
            return None
        return float(value)
