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
    name = config["class_name"]
    cls = getattr(layers, name, None)
    if cls is None and config.get("module"):
        import importlib

        try:
            cls = getattr(importlib.import_module(config["module"]), name, None)
        except ImportError:
            cls = None
    if cls is None:
        raise ValueError(f"{owner}: unknown layer class {name!r} in the nested layer config.")
    layer = cls.from_config(dict(config.get("config", {})))
    if config.get("build_config"):
        layer.build_from_config(config["build_config"])
    return layer
