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
        if callable(self.mask):
            config["mask"] = serialize_function(self.mask)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuilds the layer; every function it names is resolved under safe mode.

        `safe_mode=None` follows the load in progress (safe outside one). In safe mode a function
        named by module path (`os.system`, `builtins.print`) or stored as bytecode is refused here,
        before the layer exists, so it is never called by shape inference or `predict`.
        """
        from lamina.saving.errors import short_repr
        from lamina.saving.lambda_serialization import deserialize_function

        config = dict(config)
        name = config.get("name", "lambda")
        for key in ("function", "output_shape", "mask"):
            value = config.get(key)
            if isinstance(value, dict):
                config[key] = deserialize_function(value, custom_objects, safe_mode,
                                                   what=f"the {key} of Lambda layer {name!r}")
            elif key == "output_shape" and value is not None:
                config[key] = tuple(value)
        if not callable(config.get("function")):
            raise TypeError(f"Lambda layer {name!r}: the config's 'function' must name a function, received "
                            f"{short_repr(config.get('function'))}.")
        if config.get("mask") is not None and not callable(config["mask"]):
            raise TypeError(f"Lambda layer {name!r}: the config's 'mask' must name a function, received "
                            f"{short_repr(config.get('mask'))}.")
        arguments = config.get("arguments")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"Lambda layer {name!r}: 'arguments' must be a dict of keyword arguments, received "
                            f"{type(arguments).__name__}.")
        return cls(**config)
