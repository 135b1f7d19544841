"""`InputLayer` and `Input()`: where a Functional graph starts."""

from lamina import backend
from lamina.graph.keras_tensor import KerasTensor
from lamina.graph.node import Node
from lamina.layers.layer import Layer

__all__ = ["InputLayer", "Input"]


class InputLayer(Layer):
    """The layer behind `keras.Input`: holds the symbolic input tensor of a model.

    Args:
        shape: shape without the batch dimension, e.g. `(20,)`; `None` entries
            are unknown sizes.
        batch_size: fixed batch size, or None.
        dtype: input dtype name (default float32).
        sparse: accepted for Keras compatibility; sparse inputs are not supported.
        ragged: accepted for Keras compatibility; ragged inputs (a TensorFlow
            type) are not supported, `ragged=True` is refused.
        batch_shape: full shape including the batch dimension (instead of
            `shape` + `batch_size`).
        input_tensor: an existing KerasTensor to wrap (rarely needed).
        optional: the input may be None at call time.
        name: layer name (defaults to `input_layer`, `input_layer_1`, ...).
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, **kwargs):
        if "input_shape" in kwargs and shape is None:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs and batch_shape is None:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=kwargs.pop("dtype_policy", None), **kwargs)
        if sparse:
            raise ValueError(f"InputLayer '{self.name}': sparse inputs are not supported by lamina.")
        if ragged:
            raise ValueError(
                f"InputLayer '{self.name}': ragged=True is not supported: ragged tensors are a TensorFlow "
                f"type with no torch equivalent. Pad the sequences to one length (e.g. with "
                f"keras.utils.pad_sequences) and mask them (Masking or Embedding(mask_zero=True)) instead."
            )
        if shape is not None and batch_shape is not None:
            raise ValueError(
                f"InputLayer '{self.name}': pass either shape= (without the batch dimension) or "
                f"batch_shape= (with it), not both. Received shape={shape}, batch_shape={batch_shape}."
            )
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise TypeError(f"InputLayer '{self.name}': input_tensor must be a KerasTensor, "
                                f"received {type(input_tensor).__name__}.")
            batch_shape = input_tensor.shape
            dtype = dtype or input_tensor.dtype
        if batch_shape is None:
            if shape is None:
                raise ValueError(
                    f"InputLayer '{self.name}' needs a shape: call keras.Input(shape=(...)) with the "
                    f"shape of one sample, e.g. Input(shape=(20,))."
                )
            if isinstance(shape, int):
                shape = (shape,)
            try:
                batch_shape = (batch_size,) + tuple(shape)
            except TypeError:
                raise ValueError(f"InputLayer '{self.name}': shape must be a tuple of ints or None, "
                                 f"received {shape!r}.") from None
        for dim in batch_shape:
            if dim is not None and (not isinstance(dim, int) or dim < 0):
                raise ValueError(
                    f"InputLayer '{self.name}': every dimension must be a non-negative int or None; "
                    f"received shape {tuple(batch_shape)}."
                )
        self._batch_shape = tuple(batch_shape)
        if dtype in ("string", str):
            self._input_dtype = "string"  # fed NumPy arrays of str (lamina.layers.preprocessing._strings)
        else:
            self._input_dtype = backend.dtype_name(dtype) if dtype is not None else backend.floatx()
        self.optional = optional
        self.built = True
        tensor = input_tensor if input_tensor is not None else KerasTensor(
            self._batch_shape, dtype=self._input_dtype, name=self.name)
        Node(self, (), {}, tensor)
        self._input_tensor = tensor

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def dtype(self):
        return self._input_dtype

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return self._batch_shape

    def get_config(self):
        return {"batch_shape": list(self._batch_shape), "dtype": self._input_dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("ragged", None)
        return cls(**config)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """Creates a symbolic input tensor, the start of a Functional model.

    Args:
        shape: shape of one sample (without batch dimension), e.g. `(32, 32, 3)`;
            use `None` for unknown sizes such as sequence length.
        batch_size: optional fixed batch size.
        dtype: input dtype name, e.g. `"int32"` for token ids (default float32).
        sparse: not supported (Keras compatibility).
        ragged: not supported: `ragged=True` is refused (ragged tensors are a
            TensorFlow type); pad and mask instead.
        batch_shape: full shape including the batch dimension.
        name: name of the input (also the key for dict inputs).
        tensor: optional existing KerasTensor to wrap.
        optional: the input may be None at call time.

    Returns:
        A `KerasTensor` of shape `(batch_size, *shape)`.

    Example:
        >>> x = Input(shape=(20,), name="features")
        >>> x.shape
        (None, 20)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, ragged=ragged,
                       batch_shape=batch_shape, name=name, input_tensor=tensor, optional=optional)
    return layer._input_tensor
