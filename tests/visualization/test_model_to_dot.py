"""`keras.utils.model_to_dot`: the plot_model graph as a pydot graph (Keras's signature)."""

import builtins
import inspect

import pydot
import pytest

import lamina as keras


def _branchy_model():
    inputs = keras.Input((4,), name="x")
    left = keras.layers.Dense(3, name="left")(inputs)
    right = keras.layers.Dense(3, name="right")(inputs)
    return keras.Model(inputs, keras.layers.Add(name="add")([left, right]))


def test_nodes_edges_and_graph_attributes():
    dot = keras.utils.model_to_dot(_branchy_model(), show_shapes=True, rankdir="LR", dpi=96)
    assert isinstance(dot, pydot.Dot)
    assert {n.get_name().strip('"') for n in dot.get_nodes()} >= {"x", "left", "right", "add"}
    edges = {(e.get_source().strip('"'), e.get_destination().strip('"')) for e in dot.get_edges()}
    assert edges == {("x", "left"), ("x", "right"), ("left", "add"), ("right", "add")}
    assert dot.get("rankdir") == "LR" and str(dot.get("dpi")) == "96"
    label = next(n for n in dot.get_nodes() if n.get_name() == '"left"').get("label")
    assert "left (Dense)" in label and "output: (None, 3)" in label
    pydot.graph_from_dot_data(dot.to_string())  # valid DOT text


def test_nested_models_become_clusters_and_subgraph_returns_a_cluster():
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="inner_dense")], name="inner")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), inner])
    dot = keras.utils.model_to_dot(model, expand_nested=True)
    clusters = dot.get_subgraphs()
    assert [c.get_name() for c in clusters] == ["cluster_inner"]
    assert any("inner_dense" in n.get_name() for n in clusters[0].get_nodes())
    assert isinstance(keras.utils.model_to_dot(model, subgraph=True), pydot.Cluster)


def test_signature_is_keras():
    names = list(inspect.signature(keras.utils.model_to_dot).parameters)
    assert names == ["model", "show_shapes", "show_dtype", "show_layer_names", "rankdir", "expand_nested", "dpi",
                     "subgraph", "show_layer_activations", "show_trainable", "splines", "kwargs"]


def test_bad_rankdir_and_missing_pydot_are_named(monkeypatch):
    with pytest.raises(ValueError, match="rankdir must be 'TB' or 'LR'; received 'BT'"):
        keras.utils.model_to_dot(_branchy_model(), rankdir="BT")
    real_import = builtins.__import__

    def no_pydot(name, *args, **kwargs):
        if name == "pydot":
            raise ImportError("no pydot")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pydot)
    with pytest.raises(ImportError, match="pip install pydot.*plot_model"):
        keras.utils.model_to_dot(_branchy_model())
