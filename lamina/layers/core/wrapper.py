"""`Wrapper`: the public base class of layers that wrap another layer."""

from lamina.layers.layer import Layer
from lamina.layers.rnn._serialization import deserialize_layer, serialize_layer

__all__ = ["Wrapper"]


class Wrapper(Layer):
    """Base class for layers that wrap another layer (`SpectralNormalization`, custom wrappers).

    Subclasses implement `call`; `build` builds the wrapped layer on the same input shape, and the
    config carries the wrapped layer's config under `"layer"` as Keras writes it.

    Args:
        layer: the wrapped `keras.layers.Layer` (or its config dict, as found in files).

    Example:
        >>> class Twice(Wrapper):
        ...     def call(self, x):
        ...         return 2 * self.layer(x)
        >>> Twice(Dense(3))(torch.ones(2, 4)).shape
        torch.Size([2, 3])
    """

    def __init__(self, layer, **kwargs):
        if isinstance(layer, dict):
            layer = deserialize_layer(layer, type(self).__name__)
        if not isinstance(layer, Layer):
            raise ValueError(f"{type(self).__name__}: the wrapped `layer` must be a keras.layers.Layer instance, "
                             f"received {layer!r}. Wrap a Keras layer, e.g. {type(self).__name__}(Dense(4)).")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            if self.layer._build_is_overridden():
                self.layer._run_build([input_shape])
            self.layer.built = True
        self.built = True

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_layer(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = config.pop("layer")
        if isinstance(layer, dict):
            from lamina.saving import deserialize_keras_object

            layer = deserialize_keras_object(layer, custom_objects=custom_objects)
        return cls(layer, **config)
