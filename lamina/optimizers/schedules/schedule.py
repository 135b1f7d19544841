"""The `LearningRateSchedule` base class and schedule (de)serialization."""

import math

import torch

from lamina.utils.serialization import serialize_public_object

__all__ = ["LearningRateSchedule", "deserialize", "serialize"]


class _PyOps:
    """Scalar math for Python-number steps: the optimizer's hot path, no tensors."""

    floor = staticmethod(math.floor)
    ceil = staticmethod(math.ceil)
    cos = staticmethod(math.cos)
    log = staticmethod(math.log)
    minimum = staticmethod(min)

    @staticmethod
    def where(cond, a, b):
        return a if cond else b


class _TorchOps:
    """The same operations on tensor steps (e.g. inside a compiled graph)."""

    floor = staticmethod(torch.floor)
    ceil = staticmethod(torch.ceil)
    cos = staticmethod(torch.cos)

    @staticmethod
    def log(x):
        return torch.log(torch.as_tensor(x, dtype=torch.float32))

    @staticmethod
    def minimum(a, b):
        return torch.clamp(a, max=b)

    @staticmethod
    def where(cond, a, b):
        return torch.where(cond, a, b)


class LearningRateSchedule:
    """A learning rate as a function of the optimizer step.

    Subclasses implement `_compute(step, ops)` once, written with the helpers in
    `ops` (`floor`, `ceil`, `cos`, `log`, `minimum`, `where`); `__call__` runs it
    on a Python number (returning a float, cheap for the per-step hot path) or on
    a tensor (returning a float32 tensor).

    Example:
        >>> class Halving(LearningRateSchedule):
        ...     def __init__(self, lr):
        ...         self.lr = lr
        ...     def _compute(self, step, ops):
        ...         return self.lr * 0.5 ** ops.floor(step / 10)
        ...     def get_config(self):
        ...         return {"lr": self.lr}
        >>> Halving(0.1)(25)
        0.025
    """

    def __call__(self, step):
        if isinstance(step, torch.Tensor):
            return self._compute(step.to(torch.float32), _TorchOps)
        return float(self._compute(float(step), _PyOps))

    def _compute(self, step, ops):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `_compute(step, ops)` (or `__call__(step)`)."
        )

    def get_config(self):
        """Returns the constructor arguments as a JSON-friendly dict."""
        raise NotImplementedError(f"{type(self).__name__} must implement `get_config()`.")

    @classmethod
    def from_config(cls, config):
        """Creates a schedule from the output of `get_config`."""
        return cls(**config)


def _check_positive(value, arg, cls_name):
    if value is None or value <= 0:
        raise ValueError(
            f"Argument `{arg}` of {cls_name} must be > 0, but received {arg}={value!r}."
        )


def serialize(learning_rate_schedule):
    """Serializes a schedule to a Keras config dict.

    Args:
        learning_rate_schedule: a `LearningRateSchedule` instance.

    Example:
        >>> from lamina.optimizers.schedules import ExponentialDecay
        >>> serialize(ExponentialDecay(0.1, 10, 0.5))["class_name"]
        'ExponentialDecay'
    """
    return serialize_public_object(learning_rate_schedule, "keras.optimizers.schedules")


def deserialize(config, custom_objects=None):
    """Rebuilds a schedule from `serialize`'s output (or a Keras config dict).

    Args:
        config: dict with "class_name" and "config".
        custom_objects: optional dict of names to custom schedule classes.
    """
    from lamina.optimizers.schedules import ALL_OBJECTS_DICT

    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "Could not deserialize learning rate schedule: expected a dict with keys "
            f"'class_name' and 'config', but received {config!r}."
        )
    custom_objects = custom_objects or {}
    name = config["class_name"]
    cls = custom_objects.get(config.get("registered_name") or name) or custom_objects.get(name)
    cls = cls or ALL_OBJECTS_DICT.get(name)
    if cls is None:
        raise ValueError(
            f"Unknown learning rate schedule class {name!r}. Built-in schedules are "
            f"{sorted(ALL_OBJECTS_DICT)}; pass custom ones through `custom_objects`."
        )
    return cls.from_config(dict(config.get("config") or {}))
