"""`Pipeline`: preprocessing layers applied one after the other, as Keras's `layers.Pipeline`.

Unlike `Sequential`, a Pipeline is a plain layer (no Model machinery), so it can run on data
outside a model, e.g. on string arrays before `TextVectorization` or on image batches.
"""

from torch import nn

from lamina.layers.layer import Layer

__all__ = ["Pipeline"]


class Pipeline(Layer):
    """Applies `layers` in order; masks travel from one layer's output to the next.

    Args:
        layers: list of layers (any callables taking one input).
        name: layer name.

    Example:
        >>> pipeline = Pipeline([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)])
        >>> augmented = pipeline(images, training=True)
    """

    _accepts_strings = True

    def __init__(self, layers, name=None, **kwargs):
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        if not isinstance(layers, (list, tuple)) or not all(callable(layer) for layer in layers):
            raise TypeError(f"Pipeline '{self.name}': `layers` must be a list of layers; received {layers!r}.")
        self._pipeline_layers = nn.ModuleList([layer for layer in layers if isinstance(layer, nn.Module)])
        self._pipeline_order = list(layers)
        self.built = True

    @property
    def layers(self):
        return list(self._pipeline_order)

    def call(self, inputs, training=True, mask=None):
        for layer in self._pipeline_order:
            kwargs = {}
            if isinstance(layer, Layer):
                if layer._call_has_mask_arg and mask is not None:
                    kwargs["mask"] = mask
                if layer._call_has_training_arg and training is not None:
                    kwargs["training"] = training
            inputs = layer(inputs, **kwargs)
            mask = getattr(inputs, "_keras_mask", None)
        return inputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_order:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def compute_output_dtype(self, input_dtype):
        for layer in self._pipeline_order:
            input_dtype = layer.compute_output_dtype(input_dtype)
        return input_dtype

    def _saveable_children(self):
        # Keras visits the `layers` property (each layer named by its snake-case class)
        return [("layers", self.layers)]

    def get_config(self):
        from lamina.saving.model_config import serialize_layer

        return {"layers": [serialize_layer(layer) for layer in self._pipeline_order], "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=True):
        from lamina.saving.model_config import deserialize_layer

        config = dict(config)
        config["layers"] = [deserialize_layer(entry, custom_objects, safe_mode) for entry in config["layers"]]
        return cls(**config)
