"""Model plotting without Graphviz: `plot_model` (layered DAG layout drawn with matplotlib)."""

from lamina.visualization.plot_model import model_to_graph, plot_model

__all__ = ["model_to_graph", "plot_model"]
