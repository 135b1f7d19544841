"""`plot_model`: draws a model's layer graph to a PNG or SVG file, without Graphviz.

The model is walked into boxes (one per layer; a shared layer is one box with
several incoming/outgoing edges) and edges, laid out by `layout.layout_graph`
and drawn by `render.render` with matplotlib.
"""

import collections
import os

# No lamina imports at module level: `lamina.utils` re-exports `plot_model`, and lamina.utils is
# imported very early (by the graph code itself).

__all__ = ["plot_model", "model_to_graph", "Box", "Graph"]

SUFFIXES = (".png", ".svg")

Box = collections.namedtuple("Box", ["key", "title", "lines", "cluster"])
Box.__doc__ = "One drawn box: a unique key, a title line, detail lines and its cluster path (tuple of names)."

Graph = collections.namedtuple("Graph", ["boxes", "edges", "clusters", "note"])
Graph.__doc__ = ("Boxes (list of `Box`), edges (list of (key, key)), clusters (dict path -> label) and an "
                 "optional note drawn under the title.")


def _class_name(layer):
    return getattr(layer, "summary_class_name", None) or type(layer).__name__


def _format_shape(shape):
    if shape is None:
        return "?"
    if isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape):
        return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {_format_shape(v)}" for k, v in shape.items()) + "}"
    if isinstance(shape, (list, tuple)):
        return "[" + ", ".join(_format_shape(s) for s in shape) + "]"
    return str(shape)


def _tensor_shapes(structure):
    from lamina.graph.keras_tensor import KerasTensor
    from lamina.utils import tree

    shapes = tree.map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else None, structure)
    return shapes


def _node_io(nodes):
    """(input shape text, output shape text, dtype text) over a layer's nodes; differing -> "multiple"."""
    ins = {_format_shape(_tensor_shapes(n.input_structure)) for n in nodes if n.input_tensors}
    outs = {_format_shape(_tensor_shapes(n.outputs)) for n in nodes}
    dtypes = {str(t.dtype) for n in nodes for t in n.flat_outputs}
    pick = lambda s: None if not s else (next(iter(s)) if len(s) == 1 else "multiple")  # noqa: E731
    return pick(ins), pick(outs), pick(dtypes)


def _details(layer, in_shape, out_shape, dtype, options):
    lines = []
    if options["show_shapes"]:
        parts = []
        if in_shape is not None:
            parts.append(f"input: {in_shape}")
        parts.append(f"output: {out_shape if out_shape is not None else '?'}")
        lines.append(" | ".join(parts))
    if options["show_dtype"]:
        layer_dtype = getattr(layer, "dtype", None)
        lines.append(f"dtype: {dtype or layer_dtype or '?'}")
    if options["show_layer_activations"]:
        activation = getattr(layer, "activation", None)
        if activation is not None:
            name = getattr(activation, "__name__", None) or type(activation).__name__
            lines.append(f"activation: {name}")
    if options["show_trainable"]:
        lines.append(f"trainable: {bool(getattr(layer, 'trainable', True))}")
    return lines


def _title(layer, options):
    cls = _class_name(layer)
    name = getattr(layer, "name", None) or type(layer).__name__.lower()
    return f"{name} ({cls})" if options["show_layer_names"] else cls


def _graph_nodes(model):
    """The nodes of a Functional or (built) Sequential model's graph, or None."""
    nodes = getattr(model, "_graph_nodes", None)
    if nodes is not None:
        return list(nodes)
    tensor = getattr(model, "_symbolic_output", None)
    if tensor is None:
        return None
    out = []
    while tensor is not None and tensor._keras_history is not None:
        history = tensor._keras_history
        node = history.operation._inbound_nodes[history.node_index]
        out.append(node)
        tensor = node.input_tensors[0] if node.input_tensors else None
    return out[::-1]


def _is_expandable(layer):
    return _graph_nodes(layer) is not None and hasattr(layer, "layers")


def _drawing_order(nodes, outputs):
    """Layers in a depth-first post-order from the outputs (parents in argument order), so that the
    initial left-to-right order follows the model's inputs and outputs as written."""
    ids = {id(n) for n in nodes}
    order, done = [], set()

    def visit(node):
        if id(node) in done or id(node) not in ids:
            return
        done.add(id(node))
        for tensor in node.input_tensors:
            if tensor._mask_of is None and tensor._keras_history is not None:
                history = tensor._keras_history
                visit(history.operation._inbound_nodes[history.node_index])
        order.append(node.operation)

    for tensor in outputs:
        history = tensor._keras_history
        visit(history.operation._inbound_nodes[history.node_index])
    for node in nodes:
        visit(node)
    return list(dict.fromkeys(order))


class _Walker:
    def __init__(self, options):
        self.options = options
        self.boxes, self.edges, self.clusters = [], [], {}

    def key(self, path, layer):
        return "/".join(path + (layer.name,))

    def graph(self, model, path):
        """Adds a graph model's layers; returns (input keys per flat input, output keys per flat output)."""
        nodes = _graph_nodes(model)
        ids = {id(n) for n in nodes}
        inputs = getattr(model, "_flat_inputs", None) or [nodes[0].flat_outputs[0]]
        outputs = getattr(model, "_flat_outputs", None) or [nodes[-1].flat_outputs[0]]
        layers = _drawing_order(nodes, outputs)
        entry, exit_ = {}, {}  # layer -> keys where edges into / out of it attach
        for layer in layers:
            layer_nodes = [n for n in layer._inbound_nodes if id(n) in ids]
            if self.options["expand_nested"] and _is_expandable(layer):
                sub_path = path + (layer.name,)
                self.clusters[sub_path] = f"{layer.name} ({_class_name(layer)})"
                entry[layer], exit_[layer] = self.graph(layer, sub_path)
            else:
                key = self.key(path, layer)
                in_shape, out_shape, dtype = _node_io(layer_nodes)
                self.boxes.append(Box(key, _title(layer, self.options),
                                      _details(layer, in_shape, out_shape, dtype, self.options), path))
                entry[layer], exit_[layer] = [key], [key]
        for node in nodes:
            layer = node.operation
            for position, tensor in enumerate(t for t in node.input_tensors if t._mask_of is None):
                history = tensor._keras_history
                sources = exit_.get(history.operation)
                if sources is None:
                    continue
                source = sources[history.tensor_index] if len(sources) > 1 and \
                    history.tensor_index < len(sources) else sources[0]
                targets = entry[layer]
                targets = [targets[position]] if len(targets) > 1 and position < len(targets) else targets
                for target in targets:
                    self.edges.append((source, target))
        in_keys = [self.key(path, t._keras_history.operation) for t in inputs]
        out_keys = []
        for t in outputs:
            out_keys.extend(exit_[t._keras_history.operation][:1] if t._keras_history.operation in exit_
                            else [])
        return in_keys, out_keys

    def chain(self, model, path):
        """A subclassed model: its direct sub-layers as a chain (call order if recorded)."""
        children = list(model.layers)
        records = getattr(model, "_output_shape_records", None)
        called = [m for m in (list(records.keys()) if records is not None else []) if m in set(children)]
        if called:
            rest = [c for c in children if c not in set(called)]
            ordered, note = called + rest, "subclassed model: sub-layers in call order"
        else:
            ordered, note = children, ("subclassed model: call order not recorded; sub-layers shown in "
                                       "attribute order")
        previous = None
        for layer in ordered:
            key = self.key(path, layer) if hasattr(layer, "name") else "/".join(path + (type(layer).__name__,))
            shape = model._output_shape_of(layer) if hasattr(model, "_output_shape_of") else None
            out_shape = _format_shape(shape) if shape is not None else None
            lines = _details(layer, None, out_shape, None, self.options)
            self.boxes.append(Box(key, _title(layer, self.options), lines, path))
            if previous is not None:
                self.edges.append((previous, key))
            previous = key
        return note


def model_to_graph(model, show_shapes=False, show_dtype=False, show_layer_names=True, expand_nested=False,
                   show_layer_activations=False, show_trainable=False):
    """Walks `model` into a `Graph` of boxes and edges (see `plot_model` for the arguments)."""
    options = dict(show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                   expand_nested=expand_nested, show_layer_activations=show_layer_activations,
                   show_trainable=show_trainable)
    walker = _Walker(options)
    note = None
    if _graph_nodes(model) is not None:
        walker.graph(model, ())
    else:
        note = walker.chain(model, ())
    return Graph(walker.boxes, list(dict.fromkeys(walker.edges)), walker.clusters, note)


class PlotResult(str):
    """The written file's path (a `str`), with `_repr_png_` so notebooks show PNG plots inline."""

    def _repr_png_(self):
        if self.lower().endswith(".png") and os.path.exists(self):
            with open(self, "rb") as handle:
                return handle.read()
        return None


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False,
               show_trainable=False, splines="ortho", **kwargs):
    """Draws a model's layer graph to a PNG or SVG file (no Graphviz or pydot needed).

    Args:
        model: a Functional, Sequential (built) or subclassed model.
        to_file: output path; the suffix `.png` or `.svg` picks the format.
        show_shapes: add "input: ... | output: ..." shape lines.
        show_dtype: add the layers' output dtypes.
        show_layer_names: titles are "name (Class)" instead of "Class".
        rankdir: "TB" (top to bottom) or "LR" (left to right).
        expand_nested: draw nested Functional/Sequential models as labelled clusters of their layers.
        dpi: image resolution (lowered automatically for very large graphs).
        show_layer_activations: add the activation of layers that have one.
        show_trainable: add whether each layer is trainable.
        splines: how edges are drawn, with Graphviz's names as in Keras: "ortho" (right angles, the
            default), "spline"/"curved"/"true" (smooth curves), "polyline" (straight segments through
            the layout's bends), "line"/"false" (one straight line), "none"/"" (no edges).
        **kwargs: other Keras arguments (e.g. `layer_range`, `subgraph`) are accepted and ignored.

    Returns:
        The path written, as a `PlotResult` (a `str` that notebooks display as an image).

    Raises:
        ValueError: unsupported suffix or rankdir, or a model that has not been built.
    """
    from lamina.visualization.layout import RANKDIRS
    from lamina.visualization.render import render

    to_file = os.fspath(to_file)
    suffix = os.path.splitext(to_file)[1].lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"plot_model writes PNG or SVG files; to_file={to_file!r} has the unsupported suffix "
                         f"{suffix or '(none)'!r}. Use a path ending in '.png' or '.svg'.")
    from lamina.visualization.render import SPLINES

    if not isinstance(splines, str) or splines.lower() not in SPLINES:
        raise ValueError(f"plot_model: splines must be one of {sorted(k for k in SPLINES if k)} or ''; received "
                         f"splines={splines!r}.")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be 'TB' (top to bottom) or 'LR' (left to right); received {rankdir!r}.")
    if not getattr(model, "built", True):
        raise ValueError(f"Model '{getattr(model, 'name', model)}' has not been built yet, so it has no graph to "
                         f"plot. Build it first (call it on data, model.build(...), or start it with Input()).")
    graph = model_to_graph(model, show_shapes=show_shapes, show_dtype=show_dtype,
                           show_layer_names=show_layer_names, expand_nested=expand_nested,
                           show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    render(graph, to_file, rankdir=rankdir, dpi=dpi, title=getattr(model, "name", None), splines=splines.lower())
    return PlotResult(to_file)
