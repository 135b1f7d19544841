"""`serialize_keras_object` / `deserialize_keras_object`: any lamina object <-> its Keras config.

Custom layers use these in `get_config`/`from_config` to store what they hold (a sub-layer, an
initializer, a loss), as Keras code does:

    def get_config(self):
        return {**super().get_config(), "inner": keras.saving.serialize_keras_object(self.inner)}

    @classmethod
    def from_config(cls, config):
        config["inner"] = keras.saving.deserialize_keras_object(config["inner"])
        return cls(**config)

Each kind of object is handled by its own package (layers by the model config code, losses by
`lamina.losses`, ...); this module only dispatches, by type one way and by the `module` Keras
wrote the other way.
"""

import inspect

from lamina.saving import registration
from lamina.saving.errors import LoadError

__all__ = ["deserialize_keras_object", "serialize_keras_object"]


def _kinds():
    # (base class, package, Keras module prefix); imported late to keep `lamina.saving` light.
    from lamina import activations, constraints, initializers, losses, metrics, optimizers, quantizers, regularizers

    return [
        (quantizers.Quantizer, quantizers, "keras.quantizers"),
        (quantizers.QuantizationConfig, quantizers, "keras.quantizers"),
        (losses.Loss, losses, "keras.losses"),
        (metrics.Metric, metrics, "keras.metrics"),
        (optimizers.Optimizer, optimizers, "keras.optimizers"),
        (initializers.Initializer, initializers, "keras.initializers"),
        (regularizers.Regularizer, regularizers, "keras.regularizers"),
        (constraints.Constraint, constraints, "keras.constraints"),
        (None, activations, "keras.activations"),
    ]


def serialize_keras_object(obj):
    """The Keras config dict of `obj` (plain values, lists and dicts pass through).

    Example:
        >>> serialize_keras_object(lamina.layers.Dense(2))["class_name"]
        'Dense'
    """
    from lamina.layers.layer import Layer
    from lamina.saving.model_config import serialize_layer

    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(item) for item in obj]
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, Layer):
        return serialize_layer(obj)
    for base, package, _ in _kinds():
        if base is not None and isinstance(obj, base):
            return package.serialize(obj)
    if inspect.isfunction(obj):
        from lamina.utils.serialization import serialize_function

        return serialize_function(obj)
    if hasattr(obj, "get_config"):
        return {"module": type(obj).__module__, "class_name": type(obj).__name__, "config": obj.get_config(),
                "registered_name": registration.get_registered_name(type(obj))}
    raise ValueError(f"serialize_keras_object cannot serialize {obj!r} ({type(obj).__name__}): it is not a "
                     f"plain value, a lamina object or an object with get_config().")


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object a config from `serialize_keras_object` (or Keras 3) describes.

    Args:
        config: a Keras config dict; plain values, lists and dicts without `class_name` pass through.
        custom_objects: `{"Name": class_or_function}` for custom classes (registered classes and
            `custom_object_scope` are found too).
        safe_mode: reach only lamina's names, registered objects and `custom_objects` (see
            `lamina.saving.safe_mode`). As in Keras, inside a load in progress (a nested layer's
            `from_config`) the load's own `safe_mode` wins over this argument;
            `keras.config.enable_unsafe_deserialization()` allows everything.
        **kwargs: Keras's legacy `module_objects` (more `{name: object}` to look in) and
            `printable_module_name` (ignored); anything else is a TypeError.

    Example:
        >>> config = lamina.saving.serialize_keras_object(lamina.layers.Dense(2))
        >>> lamina.saving.deserialize_keras_object(config).units
        2
    """
    from lamina.saving.model_config import deserialize_layer
    from lamina.saving.safe_mode import _SCOPE

    module_objects = kwargs.pop("module_objects", None)
    kwargs.pop("printable_module_name", None)
    if kwargs:
        raise TypeError(f"deserialize_keras_object() got unexpected keyword arguments {sorted(kwargs)}; it "
                        f"accepts config, custom_objects, safe_mode, module_objects and printable_module_name.")
    if module_objects:
        custom_objects = {**module_objects, **(custom_objects or {})}
    if _SCOPE.get() is not None:
        safe_mode = None  # the load in progress decides (Keras's SafeModeScope wins over the argument)
    return _deserialize(config, custom_objects, safe_mode)


def _deserialize(config, custom_objects, safe_mode):
    from lamina.saving.model_config import deserialize_layer

    if isinstance(config, list):
        return [_deserialize(item, custom_objects, safe_mode) for item in config]
    if not isinstance(config, dict) or "class_name" not in config:
        return config
    module = config.get("module") if isinstance(config.get("module"), str) else ""
    known = {**registration.get_custom_objects(), **(custom_objects or {})}
    for _, package, prefix in _kinds():
        if module.startswith(prefix):
            return package.deserialize(config, known)
    if config.get("class_name") == "function":
        from lamina.saving.safe_mode import allowed_function

        module = config.get("module") if isinstance(config.get("module"), str) else None
        registered = config.get("registered_name") if isinstance(config.get("registered_name"), str) else None
        return allowed_function(config.get("config"), module, registered, known, safe_mode)
    custom = registration.get_registered_object(config.get("registered_name"), known) \
        or registration.get_registered_object(config.get("class_name"), known)
    if custom is not None and not _is_layer_class(custom):
        if not hasattr(custom, "from_config"):
            raise LoadError(f"{config.get('class_name')!r} resolves to {custom!r}, which has no from_config().")
        return custom.from_config(config.get("config") or {})
    with registration.custom_object_scope(custom_objects or {}):
        return deserialize_layer(config, custom_objects, safe_mode)


def _is_layer_class(obj):
    from lamina.layers.layer import Layer

    return inspect.isclass(obj) and issubclass(obj, Layer)
