"""`Lambda`: wraps an arbitrary Python function as a layer."""

from lamina.layers.layer import Layer

__all__ = ["Lambda"]


class Lambda(Layer):
    """Wraps a function of tensors as a layer.

    Prefer a subclassed layer for anything with weights or state. A Lambda's
    function is saved as Python bytecode, which loading refuses in safe mode.

    Args:
        function: callable `function(inputs, **arguments)`.
        output_shape: the output shape (tuple, without or with batch dim) or a
            callable `input_shape -> output_shape`; inferred by tracing if None.
        mask: a mask tensor or callable `(inputs, mask) -> mask`.
        arguments: extra keyword arguments for `function`.

    Example:
        >>> Lambda(lambda x: x * 2)(torch.ones(2)).tolist()
        [2.0, 2.0]
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda layer '{self.name}': `function` must be callable, received "
                            f"{type(function).__name__}.")
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None
        # Without a declared output_shape the shape (and dtype) come from tracing the function.
        self._overrides_compute_output_shape = output_shape is not None
        self.built = True

    def call(self, inputs, mask=None, training=None):
        return self.function(inputs, **self.arguments)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        spec = tuple(self._output_shape)
        # Keras accepts the shape with or without the batch dimension.
        if isinstance(input_shape, tuple) and len(spec) == len(input_shape):
            return spec
        batch = input_shape[0] if isinstance(input_shape, tuple) and input_shape else None
        return (batch,) + spec

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        from lamina.saving.lambda_serialization import serialize_function

        config = super().get_config()
        config.update({
            "function": serialize_function(self.function),
            "output_shape": serialize_function(self._output_shape) if callable(self._output_shape)
            else (list(self._output_shape) if self._output_shape is not None else None),
            "arguments": self.arguments,
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=True):
        from lamina.saving.lambda_serialization import deserialize_function

        config = dict(config)
        config["function"] = deserialize_function(config["function"], custom_objects, safe_mode)
        if isinstance(config.get("output_shape"), dict):
            config["output_shape"] = deserialize_function(config["output_shape"], custom_objects, safe_mode)
        elif config.get("output_shape") is not None:
            config["output_shape"] = tuple(config["output_shape"])
        return cls(**config)

