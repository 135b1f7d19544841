"""plot_model: layered layout unit tests and PNG/SVG output for the main model kinds."""

import pytest
import torch

import lamina
from lamina import layers as L
from lamina.visualization import layout as lay
from lamina.visualization import model_to_graph, plot_model


# ---------------------------------------------------------------- layout

def _layout(nodes, edges, rankdir="TB"):
    sizes = {n: (40.0 + 5 * len(str(n)), 20.0) for n in nodes}
    return lay.layout_graph(nodes, edges, sizes, rankdir=rankdir), sizes


def test_layers_respect_edge_direction():
    nodes = ["a", "b", "c", "d", "e"]
    edges = [("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"), ("a", "e"), ("e", "d")]
    ranks = lay.assign_layers(nodes, edges)
    assert all(ranks[t] > ranks[s] for s, t in edges)
    assert ranks == {"a": 0, "b": 1, "e": 1, "c": 2, "d": 3}
    result, _ = _layout(nodes, edges)
    for s, t in edges:
        assert result.boxes[t][1] > result.boxes[s][1]  # y grows downwards in TB
    result, _ = _layout(nodes, edges, rankdir="LR")
    for s, t in edges:
        assert result.boxes[t][0] > result.boxes[s][0]


def test_no_overlapping_boxes_in_a_layer():
    nodes = [f"n{i}" for i in range(9)]
    edges = [("n0", f"n{i}") for i in range(1, 8)] + [(f"n{i}", "n8") for i in range(1, 8)]
    result, _ = _layout(nodes, edges)
    row = sorted((result.boxes[f"n{i}"] for i in range(1, 8)), key=lambda b: b[0])
    for (x1, y1, w1, _), (x2, y2, w2, _) in zip(row, row[1:]):
        assert y1 == y2
        assert x1 + w1 / 2 <= x2 - w2 / 2 - 1e-6
    for cx, cy, w, h in result.boxes.values():
        assert 0 <= cx - w / 2 and cx + w / 2 <= result.width
        assert 0 <= cy - h / 2 and cy + h / 2 <= result.height


def test_crossings_reduced_vs_naive_order():
    # a->y, b->x, c->z and naive order [a b c] / [x y z]: 1 crossing; also a->z, c->x: more.
    order = [["a", "b", "c"], ["x", "y", "z"]]
    edges = [("a", "z"), ("b", "y"), ("c", "x"), ("a", "y")]
    naive = lay.count_crossings(order, edges)
    better = lay.order_layers(order, edges)
    assert naive >= 3
    assert lay.count_crossings(better, edges) < naive
    assert lay.count_crossings(better, edges) == 0
    assert sorted(better[0]) == ["a", "b", "c"] and sorted(better[1]) == ["x", "y", "z"]


def test_long_edges_get_dummy_routes_and_cycles_fail():
    result, _ = _layout(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")])
    route = next(points for s, t, points in result.edges if (s, t) == ("a", "d"))
    assert len(route) == 4  # border, two dummies, border
    with pytest.raises(ValueError, match="cycle"):
        lay.assign_layers(["a", "b"], [("a", "b"), ("b", "a")])
    with pytest.raises(ValueError, match="rankdir"):
        _layout(["a"], [], rankdir="BT")


# ---------------------------------------------------------------- models

def multi_task_model():
    text = lamina.Input(shape=(100,), name="text_features")
    meta = lamina.Input(shape=(10,), name="metadata")
    merged = L.Concatenate()([L.Dense(64, activation="relu")(text), L.Dense(16, activation="relu")(meta)])
    merged = L.Dense(32, activation="relu")(merged)
    return lamina.Model(
        inputs={"text_features": text, "metadata": meta},
        outputs={"sentiment": L.Dense(1, activation="sigmoid", name="sentiment")(merged),
                 "topic": L.Dense(5, activation="softmax", name="topic")(merged)},
        name="multi_task_classifier")


def residual_model(depth=50):
    inputs = lamina.Input(shape=(16,), name="features")
    x = L.Dense(16, name="stem")(inputs)
    for _ in range(depth // 2):
        y = L.Dense(16, activation="relu")(L.Dense(16, activation="relu")(x))
        x = L.Add()([x, y])
    return lamina.Model(inputs, L.Dense(3, name="predictions")(x), name="resnet_dense")


def siamese_model():
    shared = L.Dense(8, name="shared_encoder")
    a, b = lamina.Input(shape=(4,), name="left"), lamina.Input(shape=(4,), name="right")
    merged = L.Subtract(name="difference")([shared(a), shared(b)])
    return lamina.Model([a, b], L.Dense(1, name="score")(merged), name="siamese")


def _check_image(path, suffix):
    data = open(path, "rb").read()
    if suffix == ".png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert b"<svg" in data[:2000]
    assert len(data) > 1000


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_multi_task_model(tmp_path, suffix):
    model = multi_task_model()
    path = plot_model(model, to_file=tmp_path / f"m{suffix}", show_shapes=True, show_dtype=True,
                      show_layer_activations=True, show_trainable=True)
    assert str(path) == str(tmp_path / f"m{suffix}")
    _check_image(path, suffix)
    graph = model_to_graph(model, show_shapes=True)
    titles = {b.title for b in graph.boxes}
    assert {"text_features (InputLayer)", "metadata (InputLayer)", "sentiment (Dense)", "topic (Dense)"} <= titles
    assert len(graph.boxes) == 8 and len(graph.edges) == 7
    concat = next(b for b in graph.boxes if b.title.startswith("concatenate"))
    assert concat.lines == ["input: [(None, 64), (None, 16)] | output: (None, 80)"]


@pytest.mark.parametrize("suffix,rankdir", [(".png", "TB"), (".svg", "LR")])
def test_fifty_layer_residual_model(tmp_path, suffix, rankdir):
    model = residual_model(50)
    graph = model_to_graph(model)
    assert len(graph.boxes) == 1 + 1 + 75 + 1
    path = plot_model(model, to_file=str(tmp_path / f"r{suffix}"), show_shapes=True, rankdir=rankdir, dpi=50)
    _check_image(path, suffix)


def test_shared_layer_drawn_once(tmp_path):
    model = siamese_model()
    graph = model_to_graph(model, show_shapes=True)
    keys = [b.key for b in graph.boxes]
    assert keys.count("shared_encoder") == 1
    assert sorted(s for s, t in graph.edges if t == "shared_encoder") == ["left", "right"]
    assert [t for s, t in graph.edges if s == "shared_encoder"] == ["difference"]
    _check_image(plot_model(model, to_file=tmp_path / "s.png", dpi=60), ".png")
    _check_image(plot_model(model, to_file=tmp_path / "s.svg"), ".svg")


def test_sequential_is_a_chain(tmp_path):
    model = lamina.Sequential([lamina.Input(shape=(6,)), L.Dense(4, activation="relu"), L.Dense(2)],
                              name="seq")
    graph = model_to_graph(model, show_shapes=True)
    keys = [b.key for b in graph.boxes]
    assert len(keys) == 3 and graph.edges == list(zip(keys[:-1], keys[1:]))
    _check_image(plot_model(model, to_file=tmp_path / "q.png", dpi=60), ".png")
    _check_image(plot_model(model, to_file=tmp_path / "q.svg", rankdir="LR"), ".svg")


class TwoStep(lamina.Model):
    def __init__(self):
        super().__init__(name="two_step")
        self.head = L.Dense(2, name="head")  # defined first, called last
        self.body = L.Dense(4, name="body")

    def call(self, x):
        return self.head(self.body(x))


def test_subclassed_model_chain_in_call_order(tmp_path):
    model = TwoStep()
    graph = model_to_graph(model)
    assert "attribute order" in graph.note and [b.key for b in graph.boxes] == ["head", "body"]
    model(torch.ones(3, 5))
    graph = model_to_graph(model, show_shapes=True)
    assert [b.key for b in graph.boxes] == ["body", "head"] and graph.edges == [("body", "head")]
    assert "call order" in graph.note
    assert graph.boxes[1].lines == ["output: (None, 2)"]
    _check_image(plot_model(model, to_file=tmp_path / "c.png", show_shapes=True, dpi=60), ".png")
    _check_image(plot_model(model, to_file=tmp_path / "c.svg"), ".svg")


def test_expand_nested_draws_a_cluster(tmp_path):
    inner_in = lamina.Input(shape=(4,), name="inner_in")
    inner = lamina.Model(inner_in, L.Dense(3, name="inner_dense")(inner_in), name="encoder")
    x = lamina.Input(shape=(4,), name="outer_in")
    model = lamina.Model(x, L.Dense(1, name="outer_head")(inner(x)), name="outer")
    flat = model_to_graph(model)
    assert [b.key for b in flat.boxes] == ["outer_in", "encoder", "outer_head"] and not flat.clusters
    nested = model_to_graph(model, expand_nested=True)
    assert nested.clusters == {("encoder",): "encoder (Functional)"}
    assert ("outer_in", "encoder/inner_in") in nested.edges
    assert ("encoder/inner_dense", "outer_head") in nested.edges
    _check_image(plot_model(model, to_file=tmp_path / "n.png", expand_nested=True, dpi=60), ".png")


def test_bad_arguments():
    model = siamese_model()
    with pytest.raises(ValueError, match="rankdir must be 'TB'"):
        plot_model(model, to_file="x.png", rankdir="BT")
    with pytest.raises(ValueError, match="unsupported suffix '.jpg'"):
        plot_model(model, to_file="x.jpg")
    with pytest.raises(ValueError, match="unsupported suffix"):
        plot_model(model, to_file="model")


def test_exported_from_utils_and_accepts_keras_extras(tmp_path):
    from lamina.utils import plot_model as exported

    assert exported is plot_model
    _check_image(plot_model(siamese_model(), to_file=tmp_path / "k.png", layer_range=None, subgraph=False,
                            dpi=40), ".png")


# ---------------------------------------------------------------- splines (Keras's argument, Graphviz's names)

def test_orthogonal_routes_are_axis_parallel():
    from lamina.visualization.render import _orthogonal

    for rankdir in ("TB", "LR"):
        route = _orthogonal([(0.0, 0.0), (30.0, 40.0), (10.0, 90.0)], rankdir)
        assert route[0] == (0.0, 0.0) and route[-1] == (10.0, 90.0)
        assert all(a[0] == b[0] or a[1] == b[1] for a, b in zip(route, route[1:]))


@pytest.mark.parametrize("splines", ["ortho", "spline", "curved", "polyline", "line", "false", "none", ""])
def test_plot_model_splines(tmp_path, splines):
    path = plot_model(multi_task_model(), to_file=str(tmp_path / "m.svg"), splines=splines)
    text = open(path).read()
    assert text.startswith("<?xml")
    assert ("<path" in text) or splines in ("none", "")


def test_plot_model_splines_default_and_bad_value(tmp_path):
    import inspect

    assert inspect.signature(plot_model).parameters["splines"].default == "ortho"
    assert lamina.utils.plot_model is plot_model
    with pytest.raises(ValueError, match="splines must be one of.*received splines='wiggly'"):
        plot_model(multi_task_model(), to_file=str(tmp_path / "m.png"), splines="wiggly")
