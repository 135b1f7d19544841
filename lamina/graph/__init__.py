"""The symbolic graph behind the Functional API.

`KerasTensor` (a shape-and-dtype placeholder with a history), `Node` (one call
of a layer on symbolic tensors), shape inference on shape-only tensors, and the
walk from outputs back to inputs that a Functional model turns into a plan.
"""

from lamina.graph.keras_tensor import KerasTensor, KerasHistory, is_keras_tensor
from lamina.graph.node import Node

__all__ = ["KerasTensor", "KerasHistory", "Node", "is_keras_tensor"]
