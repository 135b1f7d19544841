"""`ActivityRegularization`: the identity, plus an L1/L2 penalty on its outputs."""

from lamina import regularizers
from lamina.layers.layer import Layer

__all__ = ["ActivityRegularization"]


class ActivityRegularization(Layer):
    """Adds `l1 * sum(|x|) + l2 * sum(x**2)` of its inputs to `layer.losses`; returns the inputs.

    Args:
        l1: L1 factor (default 0).
        l2: L2 factor (default 0).

    Example:
        >>> layer = ActivityRegularization(l1=0.1)
        >>> _ = layer(torch.ones(2, 3))
        >>> float(layer.losses[0])
        0.6000000238418579
    """

    supports_masking = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)  # implied by l1/l2 (a saved config may carry it)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
