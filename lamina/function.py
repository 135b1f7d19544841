"""`Function`: Keras's graph of operations from symbolic inputs to outputs, callable on tensors.

In Keras it is the base of the Functional model; lamina's Functional model already is such a
graph with a precomputed execution plan, so `Function` is a Functional model made from
`inputs` and `outputs` (it is also an `nn.Module`).
"""

from lamina.models.functional import Functional

__all__ = ["Function"]


class Function(Functional):
    """A callable graph from `inputs` to `outputs` (KerasTensors), as Keras's `keras.Function`.

    Args:
        inputs: a KerasTensor or a list/dict of them (`keras.Input(...)`).
        outputs: KerasTensors computed from `inputs`.
        name: optional name.

    Example:
        >>> x = lamina.Input((3,))
        >>> f = lamina.Function(x, x * 2 + 1)
        >>> f(torch.ones(1, 3))
        tensor([[3., 3., 3.]])
    """

    def __init__(self, inputs, outputs, name=None):
        super().__init__(inputs, outputs, name=name)
