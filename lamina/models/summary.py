"""The model-walking half of `Model.summary()`: one row per layer.

Output shapes come from the graph nodes for Functional and Sequential models and
from the shapes recorded during `build()`/the first call for subclassed models,
so a subclassed model's summary shows real shapes, never "multiple" or "?".
The layout itself is `summary_table.render_summary`.
"""

import re

from lamina.graph.keras_tensor import KerasTensor
from lamina.layers.layer import Layer
from lamina.models.summary_table import SummaryRow, format_param_footer, render_summary
from lamina.utils import tree

__all__ = ["print_summary"]


def _class_name(layer) -> str:
    name = getattr(layer, "summary_class_name", None)
    if name:
        return name
    cls = type(layer)
    # A functional subclass made by Model.__init__ keeps its user-visible name.
    return cls.__name__


def _layer_name(layer) -> str:
    return getattr(layer, "name", None) if isinstance(layer, Layer) else type(layer).__name__.lower()


def _count(params) -> int:
    return sum(p.numel() for p in params)


def _bytes(params) -> int:
    return sum(p.numel() * p.element_size() for p in params)


def _unique(params):
    seen, out = set(), []
    for p in params:
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    return out


def _is_sequential_like(model) -> bool:
    """Keras's rule: no branching, no multi-input nodes, no shared layers."""
    from lamina.models.functional import Functional

    if not isinstance(model, Functional):
        return True
    nodes = []
    for depth_nodes in model._nodes_by_depth.values():
        real_inputs = lambda n: [t for t in n.input_tensors if t._mask_of is None]  # noqa: E731
        if len(depth_nodes) > 1 or (len(depth_nodes) == 1 and len(real_inputs(depth_nodes[0])) > 1):
            return False
        nodes.extend(depth_nodes)
    node_ids = {id(n) for n in nodes}
    for layer in model.layers:
        if sum(1 for n in layer._inbound_nodes if id(n) in node_ids) > 1:
            return False
    return True


def _relevant_nodes(model):
    nodes = getattr(model, "_graph_nodes", None)
    if nodes is None and getattr(model, "_symbolic_output", None) is not None:
        # Sequential: the nodes along its current stack.
        nodes = []
        tensor = model._symbolic_output
        while tensor is not None and tensor._keras_history is not None:
            history = tensor._keras_history
            node = history.operation._inbound_nodes[history.node_index]
            nodes.append(node)
            tensor = node.input_tensors[0] if node.input_tensors else None
    return {id(n) for n in nodes} if nodes is not None else None


def _node_shapes(layer, relevant):
    nodes = [n for n in getattr(layer, "_inbound_nodes", []) if relevant is None or id(n) in relevant]
    if not nodes:
        return None
    # Keras lists a graph node's outputs flat ("[(None, 5, 9), (None, 3, 5, 7)]"), whatever
    # structure (tuple, dict) the layer returned.
    shapes = [t.shape if isinstance(t, KerasTensor) else t for t in tree.flatten(nodes[-1].outputs)]
    return shapes[0] if len(shapes) == 1 else shapes


def _connections(layer, relevant):
    out = []
    for node in getattr(layer, "_inbound_nodes", []):
        if relevant is not None and id(node) not in relevant:
            continue
        for tensor in node.input_tensors:
            if tensor._mask_of is not None:
                continue
            history = tensor._keras_history
            out.append((history.operation.name, history.node_index, history.tensor_index))
    return out


def _params(layer):
    if isinstance(layer, Layer):
        if not layer.built and not any(True for _ in layer.parameters()):
            return None
        return _count(_unique(layer.weights))
    return _count(_unique(list(layer.parameters())))


def _trainable_flag(layer):
    weights = layer.weights if isinstance(layer, Layer) else list(layer.parameters())
    if not weights:
        return None
    return bool(layer.trainable) if isinstance(layer, Layer) else any(p.requires_grad for p in weights)


def _sub_layers(layer):
    if isinstance(layer, Layer):
        return [m for m in (layer.layers if hasattr(layer, "layers") else layer._sub_layers())]
    return list(layer.children())


def _rows(model, layers, relevant, shape_source, level, expand_nested, connected):
    rows = []
    for layer in layers:
        shape = None
        if relevant is not None:
            shape = _node_shapes(layer, relevant)
        if shape is None:
            shape = shape_source(layer)
        if shape is None and isinstance(layer, Layer):
            shape = _node_shapes(layer, None)
        rows.append(SummaryRow(
            name=_layer_name(layer), class_name=_class_name(layer),
            output_shape=shape if shape is not None else "?",
            params=_params(layer),
            connections=_connections(layer, relevant) if connected else (),
            trainable=_trainable_flag(layer), level=level))
        children = _sub_layers(layer) if expand_nested else []
        if children:
            inner_relevant = _relevant_nodes(layer) if isinstance(layer, Layer) else None
            inner_source = layer._output_shape_of if hasattr(layer, "_output_shape_of") else shape_source
            rows.extend(_rows(layer, children, inner_relevant, lambda l, s=inner_source, o=shape_source: (
                s(l) if s(l) is not None else o(l)), level + 1, expand_nested, connected))
    return rows


def _select_range(layers, layer_range):
    if layer_range is None:
        return layers
    if not (isinstance(layer_range, (list, tuple)) and len(layer_range) == 2):
        raise ValueError(f"layer_range must be a list of 2 layer names (start, end); received {layer_range!r}.")
    names = [_layer_name(layer) for layer in layers]
    start = next((i for i, n in enumerate(names) if re.match(layer_range[0], n)), None)
    end = next((i for i in range(len(names) - 1, -1, -1) if re.match(layer_range[1], names[i])), None)
    if start is None or end is None or end < start:
        raise ValueError(
            f"layer_range {list(layer_range)} does not match the model's layers {names} "
            f"(start must come before end)."
        )
    return layers[start:end + 1]


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Builds the summary rows of `model` and prints them in Keras 3's layout."""
    from lamina.models.sequential import Sequential

    if not model.built:
        kind = "Sequential model" if isinstance(model, Sequential) else "Model"
        raise ValueError(
            f"{kind} '{model.name}' has not been built yet, so its layers have no weights or shapes to "
            f"show. Build it first: model.build(input_shape=(None, ...)), call it on a batch of data, "
            f"or (Sequential) start it with keras.Input(shape=...) or give the first layer input_shape=."
        )
    layers = _select_range(model.layers, layer_range)
    connected = not _is_sequential_like(model)
    relevant = _relevant_nodes(model)
    rows = _rows(model, layers, relevant, model._output_shape_of, 0, expand_nested, connected)
    trainable = _unique(model.trainable_weights)
    non_trainable = _unique(model.non_trainable_weights)
    optimizer = getattr(model, "optimizer", None)
    optimizer_count = optimizer_bytes = None
    # As Keras: the optimizer's variables count once it is built (first step), not right after compile()
    # (its iteration counter and learning rate exist from the start but are not shown before that).
    built = optimizer is not None and getattr(optimizer, "built", True)
    optimizer_vars = list(getattr(optimizer, "variables", []) or []) if built else []
    if optimizer_vars:
        optimizer_count = _count(optimizer_vars)
        optimizer_bytes = _bytes(optimizer_vars)
    footer = format_param_footer(
        trainable_count=_count(trainable), non_trainable_count=_count(non_trainable),
        trainable_bytes=_bytes(trainable), non_trainable_bytes=_bytes(non_trainable),
        optimizer_count=optimizer_count, optimizer_bytes=optimizer_bytes or 0)
    return render_summary(model.name, rows, footer_lines=footer, connected_to=connected,
                          show_trainable=show_trainable, line_length=line_length, positions=positions,
                          print_fn=print_fn)
