"""`TimeDistributed`: applies a layer to every temporal slice of its input."""

from lamina.layers.layer import Layer
from lamina.layers.rnn._serialization import deserialize_layer, serialize_layer

__all__ = ["TimeDistributed"]


class TimeDistributed(Layer):
    """Applies `layer` to each timestep: the batch and time axes are merged into one batch.

    Args:
        layer: the layer applied to every slice `inputs[:, t]`.

    Shapes:
        `(batch, timesteps, *slice)` -> `(batch, timesteps, *layer_output[1:])`.

    Example:
        >>> TimeDistributed(Dense(3))(torch.ones(2, 4, 5)).shape
        torch.Size([2, 4, 3])
    """

    supports_masking = True

    def __init__(self, layer, **kwargs):
        if isinstance(layer, dict):
            layer = deserialize_layer(layer, "TimeDistributed")
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(
                f"TimeDistributed layer '{self.name}': please initialize `TimeDistributed` with a "
                f"`keras.layers.Layer` instance; received {layer!r}."
            )
        self.layer = layer

    def _check(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(
                f"TimeDistributed layer '{self.name}': `TimeDistributed` requires an input with at least 3 "
                f"dimensions (batch, timesteps, ...); received input shape {tuple(input_shape)}."
            )

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self._check(input_shape)
        if not self.layer.built:
            if self.layer._build_is_overridden():
                self.layer._run_build([(input_shape[0],) + input_shape[2:]])
            else:
                self.layer.built = True
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check(input_shape)
        child = tuple(self.layer.compute_output_shape((input_shape[0],) + input_shape[2:]))
        return (child[0], input_shape[1]) + child[1:]

    def call(self, inputs, training=None, mask=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        kwargs = {}
        if self.layer._call_has_training_arg:
            kwargs["training"] = training
        if mask is not None and self.layer._call_has_mask_arg:
            kwargs["mask"] = mask.reshape((batch * steps,) + tuple(mask.shape[2:]))
        outputs = self.layer(inputs.reshape((batch * steps,) + tuple(inputs.shape[2:])), **kwargs)
        return outputs.reshape((batch, steps) + tuple(outputs.shape[1:]))

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_layer(self.layer)
        return config
