"""`Node`: one call of a layer on symbolic tensors.

A layer called n times in a graph (a shared layer) has n nodes; a tensor's
history `(layer, node_index, tensor_index)` points at the node that made it.
"""

from lamina.graph.keras_tensor import KerasHistory, KerasTensor
from lamina.utils import tree

__all__ = ["Node"]


class Node:
    """Records `outputs = operation(*call_args, **call_kwargs)` on symbolic tensors.

    Args:
        operation: the layer that was called.
        call_args: positional arguments, KerasTensors included, as given.
        call_kwargs: keyword arguments, as given.
        outputs: the KerasTensor structure the call returned.
    """

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.outputs = outputs
        self.flat_outputs = [t for t in tree.flatten(outputs) if isinstance(t, KerasTensor)]
        self.input_tensors = [t for t in tree.flatten([list(self.call_args), self.call_kwargs])
                              if isinstance(t, KerasTensor)]
        self.is_input = not self.input_tensors and not self.call_args
        # The symbolic mask the layer receives as `mask=` without the user passing it.
        self.implicit_mask = None
        # The first input's symbolic mask (structure): what `compute_mask` receives at run time,
        # also for layers whose `call` takes no `mask=` (e.g. MultiHeadAttention's query mask).
        self.input_mask = None
        operation._inbound_nodes.append(self)
        self.node_index = len(operation._inbound_nodes) - 1
        for index, tensor in enumerate(self.flat_outputs):
            tensor._keras_history = KerasHistory(operation, self.node_index, index)

    @property
    def parent_nodes(self) -> list:
        """The nodes that produced this node's inputs."""
        out = []
        for tensor in self.input_tensors:
            history = tensor._keras_history
            if history is not None:
                out.append(history.operation._inbound_nodes[history.node_index])
        return out

    @property
    def input_structure(self):
        """What `layer.input` returns: the first positional argument, as given."""
        if len(self.call_args) == 1:
            return self.call_args[0]
        return self.input_tensors[0] if len(self.input_tensors) == 1 else list(self.input_tensors)

    def __repr__(self):
        return f"<Node {self.operation.name}[{self.node_index}] inputs={len(self.input_tensors)}>"
