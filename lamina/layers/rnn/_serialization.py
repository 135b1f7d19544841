"""Nested-layer configs for wrappers (`RNN(cell)`, `Bidirectional`, `TimeDistributed`)."""

from lamina.utils.serialization import serialize_keras_object

__all__ = []


def serialize_layer(layer):
    """Keras's `{"module", "class_name", "config", "registered_name"}` of a layer."""
    module = "keras.layers" if type(layer).__module__.startswith("lamina.layers") else None
    # No "build_config": the wrapper builds its nested layers itself, and a config must not
    # depend on whether the layer was called yet (configs round-trip through from_config).
    return serialize_keras_object(layer, module=module)


def deserialize_layer(config, owner):
    """A layer from its Keras config dict (built-in lamina layers, or a class in `module`)."""
    from lamina import layers

    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{owner}: expected a layer or a layer config dict with a 'class_name' key, "
                         f"received {config!r}.")
    from lamina.saving.class_registry import resolve_class
    from lamina.saving.model_config import _call_from_config

    name = config["class_name"]
    module, registered = config.get("module"), config.get("registered_name")
    # Safe mode decides (lamina.saving.safe_mode): a module the file names is never imported
    # unless the load in progress allows unsafe loading.
    cls = resolve_class(module if isinstance(module, str) else None, name,
                        registered if isinstance(registered, str) else None)
    if cls is None or not isinstance(cls, type) or not issubclass(cls, layers.Layer):
        from lamina.saving.safe_mode import how_to_allow

        raise ValueError(f"{owner}: unknown layer class {name!r} (module {module!r}) in the nested layer "
                         f"config. " + how_to_allow(registered or name))
    inner = config.get("config", {})
    if not isinstance(inner, dict):
        raise ValueError(f"{owner}: the nested layer config of {name!r} must be a dict, received "
                         f"{type(inner).__name__}.")
    layer = _call_from_config(cls, dict(inner), None, None)
    if config.get("build_config"):
        layer.build_from_config(config["build_config"])
    return layer
