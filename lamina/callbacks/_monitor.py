"""Shared "is this value an improvement?" logic of EarlyStopping, ModelCheckpoint, ReduceLROnPlateau."""

import math
import warnings

__all__ = ["Monitor"]

_MAX_HINTS = ("acc", "auc", "precision", "recall", "f1", "iou")


class Monitor:
    """Tracks one log key and says whether a new value beats the best so far.

    Args:
        key: log key such as `"val_loss"`.
        mode: `"min"`, `"max"` or `"auto"`. With `"auto"`, `refine(model)` (called at train begin)
            takes the direction of the model's metric of that name, as Keras does (its
            `_direction`, "up" or "down"), looked up at the first value of a fit (`settle`) when
            the compiled metrics exist; for a key no metric names, accuracy-like keys are maximized
            and the rest minimized.
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
        self._auto = mode == "auto"
        self._settled = False
        if mode == "auto":
            mode = "max" if any(h in key.lower() for h in _MAX_HINTS) else "min"
        self.mode = mode
        self.min_delta = abs(float(min_delta))

    def settle(self, model, best):
        """At the first value: lets mode "auto" learn the metric's direction (`refine`).

        Returns:
            `best`, or the new initial best when the mode changed and `best` was the old one.
        """
        if self._settled:
            return best
        self._settled = True
        if self.refine(model) and best in (math.inf, -math.inf):
            return self.initial_best()
        return best

    def refine(self, model):
        """With mode "auto", takes the direction from the model's metric named by the key.

        Returns:
            True when the mode changed (callers holding an initial best recompute it).
        """
        if not self._auto or model is None:
            return False
        name = self.key[4:] if self.key.startswith("val_") else self.key
        direction = "down" if name == "loss" else _metric_direction(model, name)
        if direction is None:
            return False
        mode = "max" if direction == "up" else "min"
        changed, self.mode = mode != self.mode, mode
        return changed

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


def _metric_direction(model, name):
    """`_direction` of the metric called `name` among the model's metrics (compiled ones included)."""
    try:
        listed = list(model.metrics)
    except Exception:  # a model not compiled yet, or a custom `metrics` property that fails
        return None
    found = []
    for metric in listed:
        inner = getattr(metric, "metrics", None)
        found.extend(inner if isinstance(inner, (list, tuple)) else [metric])
    for metric in found:
        if getattr(metric, "name", None) == name and getattr(metric, "_direction", None) in ("up", "down"):
            return metric._direction
    return None
