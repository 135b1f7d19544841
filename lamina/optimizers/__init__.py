"""Keras 3 optimizers running on `torch.optim` kernels.

Example:
    >>> import torch, lamina.optimizers as optimizers
    >>> model = torch.nn.Linear(3, 1)
    >>> opt = optimizers.get("adam")
    >>> opt.build(model.parameters())
    >>> model(torch.randn(4, 3)).pow(2).mean().backward()
    >>> opt.step(); opt.zero_grad()
"""

import inspect

from lamina.optimizers import legacy, schedules
from lamina.optimizers.adadelta import Adadelta
from lamina.optimizers.adafactor import Adafactor
from lamina.optimizers.adagrad import Adagrad
from lamina.optimizers.adam import Adam, AdamW
from lamina.optimizers.adamax import Adamax
from lamina.optimizers.ftrl import Ftrl
from lamina.optimizers.lamb import Lamb
from lamina.optimizers.lion import Lion
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer
from lamina.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from lamina.optimizers.muon import Muon
from lamina.optimizers.nadam import Nadam
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.rmsprop import RMSprop
from lamina.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from lamina.optimizers.sgd import SGD
from lamina.utils.serialization import serialize_public_object

__all__ = [
    "ALL_OBJECTS_DICT",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lamb",
    "Lion",
    "LossScaleOptimizer",
    "MultiOptimizer",
    "Muon",
    "Nadam",
    "Optimizer",
    "OptimizerMap",
    "RMSprop",
    "SGD",
    "ScheduleFreeAdamW",
    "deserialize",
    "get",
    "legacy",
    "schedules",
    "serialize",
]

# Keras looks optimizers up by lower-cased class name ("adam", "sgd", "rmsprop").
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in (Adam, AdamW, SGD, RMSprop, Adagrad, Adamax, Nadam, Lion,
                                                       Adadelta, Lamb, Ftrl, Adafactor, Muon, ScheduleFreeAdamW,
                                                       LossScaleOptimizer, MultiOptimizer, OptimizerMap)}


def serialize(optimizer):
    """Serializes an optimizer to a Keras config dict.

    Example:
        >>> serialize(Adam())["class_name"]
        'Adam'
    """
    return serialize_public_object(optimizer, "keras.optimizers")


def deserialize(config, custom_objects=None):
    """Rebuilds an optimizer from `serialize`'s output; class names are case-insensitive.

    Args:
        config: dict with "class_name" and "config" (Keras format).
        custom_objects: optional dict of names to custom optimizer classes.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "Could not deserialize optimizer: expected a dict with keys 'class_name' and "
            f"'config', but received {config!r}."
        )
    custom_objects = custom_objects or {}
    name = config["class_name"]
    cls = custom_objects.get(config.get("registered_name") or name) or custom_objects.get(name)
    cls = cls or ALL_OBJECTS_DICT.get(str(name).lower())
    if cls is None:
        raise _unknown(name)
    return cls.from_config(dict(config.get("config") or {}), custom_objects=custom_objects)


def _unknown(identifier):
    return ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}. Valid names are "
        f"{sorted(ALL_OBJECTS_DICT)} (case-insensitive); an Optimizer instance or a "
        "serialized dict also works."
    )


def get(identifier):
    """Retrieves an optimizer instance (Keras `optimizers.get`).

    Args:
        identifier: `None`, a name ("adam", "SGD", ...; case-insensitive) giving an
            instance with default arguments, a serialized dict, an `Optimizer`
            instance (returned as is) or class.

    Raises:
        ValueError: for anything else; the message lists the valid names.

    Example:
        >>> get("rmsprop").name
        'rmsprop'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = ALL_OBJECTS_DICT.get(identifier.lower())
        if cls is None:
            raise _unknown(identifier)
        return cls()
    if inspect.isclass(identifier) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, Optimizer):
        return identifier
    raise _unknown(identifier)
