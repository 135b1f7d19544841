"""Initializer names: `get`, `serialize` and `deserialize` in the Keras 3 config format."""

from __future__ import annotations

from collections.abc import Mapping

from lamina.initializers.deterministic import Constant, Identity, Ones, Zeros
from lamina.initializers.fan_scaling import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    VarianceScaling,
)
from lamina.initializers.initializer import Initializer
from lamina.initializers.orthogonal_init import Orthogonal
from lamina.initializers.random import RandomNormal, RandomUniform, TruncatedNormal
from lamina.initializers.stft import STFT
from lamina.utils.serialization import (
    deserialize_from_registry,
    is_plain_function,
    serialize_function,
    serialize_keras_object,
)

__all__ = ["ALL_INITIALIZERS", "get", "serialize", "deserialize"]

_MODULE = "keras.initializers"

_CLASSES = [
    Initializer,
    Constant,
    Identity,
    Ones,
    Zeros,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    Orthogonal,
    STFT,
]

# Keras's snake_case spelling of each class name (`GlorotUniform` -> `glorot_uniform`).
_SNAKE = {
    "Initializer": "initializer",
    "Constant": "constant",
    "Identity": "identity",
    "Ones": "ones",
    "Zeros": "zeros",
    "GlorotNormal": "glorot_normal",
    "GlorotUniform": "glorot_uniform",
    "HeNormal": "he_normal",
    "HeUniform": "he_uniform",
    "LecunNormal": "lecun_normal",
    "LecunUniform": "lecun_uniform",
    "RandomNormal": "random_normal",
    "RandomUniform": "random_uniform",
    "TruncatedNormal": "truncated_normal",
    "VarianceScaling": "variance_scaling",
    "Orthogonal": "orthogonal",
    "STFT": "stft",
}

#: Every name `get` accepts, mapped to its class (Keras's names and aliases).
ALL_INITIALIZERS: dict[str, type] = {cls.__name__: cls for cls in _CLASSES}
ALL_INITIALIZERS.update({_SNAKE[cls.__name__]: cls for cls in _CLASSES})
ALL_INITIALIZERS.update(
    {
        "uniform": RandomUniform,
        "normal": RandomNormal,
        "one": Ones,
        "zero": Zeros,
        "OrthogonalInitializer": Orthogonal,
        "IdentityInitializer": Identity,
        "STFTInitializer": STFT,
    }
)

_BUILTIN_CLASSES = frozenset(_CLASSES)


def get(identifier):
    """Returns an initializer for an identifier.

    Args:
        identifier: `None` (returned as is), a name (`"glorot_uniform"`,
            `"GlorotUniform"`), a Keras config dict, a class (instantiated
            with defaults), or an initializer instance / callable (returned as is).

    Raises:
        ValueError: the name is unknown; the message lists the valid names.

    Example:
        >>> get("he_normal")
        HeNormal(seed=None, input_axes=None, output_axes=None)
    """
    return deserialize_from_registry(identifier, ALL_INITIALIZERS, "initializer")


def serialize(initializer):
    """Returns the Keras config dict of an initializer.

    Built-ins are recorded under `module="keras.initializers"` so Keras can
    load them; custom classes under their own module and class name.

    Example:
        >>> serialize(Zeros())
        {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}
    """
    if initializer is None:
        return None
    if type(initializer) in _BUILTIN_CLASSES:
        return serialize_keras_object(initializer, module=_MODULE)
    if callable(getattr(initializer, "get_config", None)):
        return serialize_keras_object(initializer)
    if is_plain_function(initializer):
        return serialize_function(initializer)
    raise ValueError(
        f"Cannot serialize initializer {initializer!r}: expected an Initializer (or an object "
        "with `get_config()`) or a named function."
    )


def deserialize(config, custom_objects: Mapping | None = None):
    """Returns the initializer for a Keras config dict or name.

    Args:
        config: What `serialize` returned (the older `{"class_name", "config"}`
            form is accepted too).
        custom_objects: Extra names for custom initializer classes.

    Example:
        >>> deserialize({"class_name": "Ones", "config": {}})
        Ones()
    """
    return deserialize_from_registry(config, ALL_INITIALIZERS, "initializer", custom_objects)
