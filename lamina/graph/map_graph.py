"""From output tensors back to input tensors: the nodes and layers of a graph.

Follows Keras's `map_graph`: a depth-first walk from the outputs collects the
nodes, each node's depth is its longest distance to an output, and layers are
ordered by decreasing depth (ties broken by walk order). This reproduces
Keras's `model.layers` order, and therefore its summary rows and weight order.
"""

import collections

from lamina.graph.keras_tensor import KerasTensor

__all__ = ["GraphMap", "map_graph"]

GraphMap = collections.namedtuple("GraphMap", ["nodes", "nodes_by_depth", "layers"])


def _producer(tensor):
    history = tensor._keras_history
    if history is None:
        return None
    return history.operation._inbound_nodes[history.node_index]


def map_graph(inputs, outputs) -> GraphMap:
    """Walks the graph between `inputs` and `outputs` (flat lists of KerasTensors).

    Raises:
        ValueError: a cycle, a tensor that needs an input missing from `inputs`
            ("Graph disconnected"), or two layers with the same name.
    """
    input_ids = {id(t) for t in inputs}
    finished, in_progress = set(), set()
    nodes_in_decreasing_depth = []
    layer_indices = {}

    def visit(tensor, consumer):
        if tensor._mask_of is not None:  # a mask is computed along with the tensor it masks
            visit(tensor._mask_of, consumer)
            return
        node = _producer(tensor)
        if node is None:
            raise ValueError(
                f"A tensor used by layer '{consumer}' was not produced by a lamina layer or Input: "
                f"{tensor!r}. Every tensor in a Functional model must come from keras.Input() "
                f"through layer calls."
            )
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f"The graph has a cycle through layer '{node.operation.name}'.")
        layer = node.operation
        layer_indices.setdefault(layer, len(layer_indices))
        if node.is_input and id(tensor) not in input_ids:
            raise ValueError(
                f"Graph disconnected: layer '{consumer}' needs the input '{layer.name}' "
                f"(shape {tensor.shape}), which is not in the model's inputs. Add it to "
                f"Model(inputs=...), or build '{consumer}' from the given inputs."
            )
        in_progress.add(id(node))
        if id(tensor) not in input_ids:
            for parent_tensor in node.input_tensors:
                visit(parent_tensor, layer.name)
        in_progress.discard(id(node))
        finished.add(id(node))
        nodes_in_decreasing_depth.append(node)

    for tensor in outputs:
        if not isinstance(tensor, KerasTensor):
            raise TypeError(
                f"Model outputs must be symbolic tensors produced by layers; received "
                f"{type(tensor).__name__}: {tensor!r}."
            )
        visit(tensor, "(model output)")

    node_depths, layer_depths = {}, {}
    node_by_id = {id(n): n for n in nodes_in_decreasing_depth}
    for node in reversed(nodes_in_decreasing_depth):
        depth = node_depths.setdefault(id(node), 0)
        depth = max(depth, layer_depths.get(node.operation, 0))
        layer_depths[node.operation] = depth
        node_depths[id(node)] = depth
        for parent in node.parent_nodes:
            node_depths[id(parent)] = max(depth + 1, node_depths.get(id(parent), 0))
            node_by_id.setdefault(id(parent), parent)

    # Inputs that no output depends on still belong to the model.
    for tensor in inputs:
        node = _producer(tensor)
        if node is not None and node.operation not in layer_depths:
            layer_depths[node.operation] = 0
            layer_indices[node.operation] = -1
            node_depths[id(node)] = 0
            node_by_id[id(node)] = node

    nodes_by_depth = collections.defaultdict(list)
    for node_id, depth in node_depths.items():
        nodes_by_depth[depth].append(node_by_id[node_id])
    layers_by_depth = collections.defaultdict(list)
    for layer, depth in layer_depths.items():
        layers_by_depth[depth].append(layer)
    layers = []
    for depth in sorted(layers_by_depth, reverse=True):
        layers.extend(sorted(layers_by_depth[depth], key=lambda layer: layer_indices[layer]))

    names = collections.Counter(layer.name for layer in layers)
    duplicates = [name for name, count in names.items() if count > 1]
    if duplicates:
        name = duplicates[0]
        raise ValueError(
            f'The name "{name}" is used {names[name]} times in the model. All layer names in a model '
            f"must be unique; pass name=... to the layers (or let lamina name them)."
        )
    return GraphMap(nodes=[node_by_id[i] for i in node_depths], nodes_by_depth=dict(nodes_by_depth),
                    layers=layers)
