"""Activation names: `get`, `serialize` and `deserialize`.

Keras 3 stores a built-in activation in a layer config as its plain name
(`"activation": "relu"`), and a custom function as a function dict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from lamina.activations import normalizing, rectifiers, shrinkage, squashing
from lamina.activations.torch_names import torch_activation_name
from lamina.utils.serialization import (
    deserialize_from_registry,
    is_plain_function,
    serialize_function,
    serialize_keras_object,
    unknown_name_message,
)

__all__ = ["ALL_ACTIVATIONS", "get", "serialize", "deserialize"]

# The Keras 3 `keras.activations` set (names from ALL_OBJECTS in its __init__).
_BUILTINS = [
    rectifiers.relu, rectifiers.relu6, rectifiers.leaky_relu, rectifiers.elu, rectifiers.selu,
    rectifiers.celu, rectifiers.gelu, rectifiers.silu, rectifiers.hard_silu, rectifiers.mish,
    rectifiers.softplus, rectifiers.squareplus, rectifiers.sparse_plus, rectifiers.threshold,
    squashing.sigmoid, squashing.hard_sigmoid, squashing.sparse_sigmoid, squashing.log_sigmoid,
    squashing.tanh, squashing.hard_tanh, squashing.softsign, squashing.exponential,
    squashing.linear,
    shrinkage.soft_shrink, shrinkage.hard_shrink, shrinkage.tanh_shrink,
    normalizing.softmax, normalizing.log_softmax, normalizing.sparsemax, normalizing.glu,
]

#: Every name `get` accepts, mapped to its function (aliases included).
ALL_ACTIVATIONS: dict[str, Callable] = {fn.__name__: fn for fn in _BUILTINS}
ALL_ACTIVATIONS["swish"] = rectifiers.silu
ALL_ACTIVATIONS["hard_swish"] = rectifiers.hard_silu

# Function -> the name serialization writes (aliases resolve to the canonical name).
_NAME_OF = {fn: fn.__name__ for fn in _BUILTINS}


def get(identifier) -> Callable:
    """Returns the activation function for an identifier.

    Args:
        identifier: `None` (the identity, `linear`), a name such as `"relu"`,
            a config dict, a class (instantiated, e.g. `torch.nn.ReLU`), or any
            callable (returned as is).

    Returns:
        A callable taking and returning a tensor.

    Raises:
        ValueError: the name is unknown; the message lists the valid names.

    Example:
        >>> get("relu") is relu
        True
    """
    if identifier is None:
        return squashing.linear
    if isinstance(identifier, str):
        fn = ALL_ACTIVATIONS.get(identifier)
        if fn is None:
            raise ValueError(unknown_name_message("activation", identifier, ALL_ACTIVATIONS))
        return fn
    obj = deserialize_from_registry(identifier, ALL_ACTIVATIONS, "activation")
    if not callable(obj):
        raise ValueError(
            f"Could not interpret activation identifier {identifier!r}: it resolved to "
            f"{obj!r}, which is not callable. Pass a name such as 'relu' or a function."
        )
    return obj


def serialize(activation):
    """Returns what a layer config stores for an activation.

    Built-ins (and torch functions/modules equal to one) give their Keras name;
    other named functions give a Keras function dict; objects with `get_config`
    give a Keras object dict.

    Args:
        activation: The activation callable.

    Example:
        >>> serialize(swish)
        'silu'
    """
    try:
        name = _NAME_OF.get(activation)
    except TypeError:  # unhashable callable
        name = None
    if name is None:
        name = torch_activation_name(activation)
    if name is not None:
        return name
    if callable(getattr(activation, "get_config", None)):
        return serialize_keras_object(activation)
    if is_plain_function(activation):
        return serialize_function(activation)
    raise ValueError(
        f"Cannot serialize activation {activation!r}: expected a built-in activation, a "
        "function defined with `def`, or an object with `get_config()`. Lambdas and "
        "partials have no name to be saved by; define a named function instead."
    )


def deserialize(config, custom_objects: Mapping | None = None) -> Callable:
    """Returns the activation for a stored config (a name or a dict).

    Args:
        config: What `serialize` returned.
        custom_objects: Extra names for custom activations.

    Example:
        >>> deserialize("gelu") is gelu
        True
    """
    return deserialize_from_registry(config, ALL_ACTIVATIONS, "activation", custom_objects)


def fast_callable(fn):
    """The cheapest callable computing `fn` with its default arguments, for a layer's hot path.

    `relu` and `tanh` with Keras's defaults are exactly `torch.relu` / `torch.tanh`; calling
    those directly skips the Keras argument handling on every call. `linear` becomes None
    (nothing to apply). Everything else (e.g. `softmax`, `sigmoid`, which record their
    logits for a stable crossentropy) is returned unchanged.
    """
    import torch

    from lamina.activations.rectifiers import relu
    from lamina.activations.squashing import linear, tanh

    return {relu: torch.relu, tanh: torch.tanh, linear: None}.get(fn, fn)
