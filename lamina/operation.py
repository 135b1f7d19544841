"""`Operation`: Keras's base class for a computation usable eagerly and on symbolic tensors.

Keras users subclass it with a `call` (and a `compute_output_spec` for symbolic shapes).
lamina's graph nodes are layers, and a layer's symbolic output shape is found by tracing `call`
on shape-only tensors, so `Operation` is a `Layer` with Keras's `Operation(name=None)`
signature: a subclass's `call` runs eagerly and inside Functional models (`compute_output_spec`
is not needed, and is not consulted).
"""

from lamina.layers.layer import Layer

__all__ = ["Operation"]


class Operation(Layer):
    """Base class for custom operations (Keras's `keras.Operation`).

    Args:
        name: optional name (default: snake_case of the class name).

    Example:
        >>> class AddOne(lamina.Operation):
        ...     def call(self, x):
        ...         return x + 1
        >>> AddOne()(torch.zeros(2))
        tensor([1., 1.])
    """

    def __init__(self, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
