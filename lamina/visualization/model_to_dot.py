"""`model_to_dot`: a model's layer graph as a `pydot.Dot` (Keras's `keras.utils.model_to_dot`).

lamina draws `plot_model` pictures itself (no Graphviz); this function is for code that wants the
Graphviz description Keras builds, e.g. to render it with Graphviz or inspect it. It reuses the
graph `plot_model` draws (`model_to_graph`), so boxes, labels, nesting and edges are the same.
Needs the optional `pydot` package (`pip install pydot`, the `dot` extra).
"""

from lamina.visualization.plot_model import model_to_graph

__all__ = ["model_to_dot"]


def _pydot():
    try:
        import pydot
    except ImportError:
        raise ImportError("model_to_dot needs pydot: install it with `pip install pydot` (lamina's `dot` extra). "
                          "To draw a picture without it, use keras.utils.plot_model, which needs no Graphviz.") from None
    return pydot


def _quoted(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho", **kwargs):
    """The model's layer graph as a `pydot.Dot` (or a `pydot.Cluster` with `subgraph=True`).

    Args:
        model: a built Functional, Sequential or subclassed model.
        show_shapes: add the input and output shapes of each layer.
        show_dtype: add each layer's output dtype.
        show_layer_names: show layer names beside their classes.
        rankdir: Graphviz's direction, "TB" (top to bottom) or "LR" (left to right).
        expand_nested: draw nested models as clusters of their layers.
        dpi: the graph's resolution attribute.
        subgraph: return a `pydot.Cluster` (to embed in another graph) instead of a `pydot.Dot`.
        show_layer_activations: add the activation of layers that have one.
        show_trainable: add whether each layer is trainable.
        splines: Graphviz's edge style ("ortho", "spline", "polyline", "line", ...).
        **kwargs: Keras's other arguments (`layer_range`) are accepted and ignored.

    Returns:
        The `pydot` graph; one node per layer box (named by a stable key), one edge per connection.

    Example:
        >>> dot = keras.utils.model_to_dot(model, show_shapes=True)
        >>> dot.to_string()[:7]
        'digraph'
    """
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"model_to_dot: rankdir must be 'TB' or 'LR'; received {rankdir!r}.")
    pydot = _pydot()
    graph = model_to_graph(model, show_shapes=show_shapes, show_dtype=show_dtype,
                           show_layer_names=show_layer_names, expand_nested=expand_nested,
                           show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name, label=_quoted(model.name))
    else:
        dot = pydot.Dot(graph_type="digraph")
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    parents = {(): dot}

    def parent_of(path):
        if path not in parents:
            cluster = pydot.Cluster("_".join(path).replace(".", "_"), style="dashed",
                                    label=_quoted(graph.clusters.get(path, path[-1])))
            parent_of(path[:-1]).add_subgraph(cluster)
            parents[path] = cluster
        return parents[path]

    for box in graph.boxes:
        label = "\n".join([box.title, *box.lines])
        parent_of(tuple(box.cluster)).add_node(pydot.Node(_quoted(box.key), label=_quoted(label)))
    for source, target in graph.edges:
        dot.add_edge(pydot.Edge(_quoted(source), _quoted(target)))
    return dot
