"""Draws a laid-out model graph with matplotlib (Agg backend, no display, no Graphviz).

Drawing units are typographic points: the figure is sized so one data unit is
one point, which keeps fonts the same size however large the graph is (the
figure grows instead).
"""

import matplotlib

matplotlib.use("Agg", force=False)

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle  # noqa: E402
from matplotlib.path import Path  # noqa: E402

from lamina.visualization.layout import layout_graph  # noqa: E402

__all__ = ["render", "measure_box"]

TITLE_SIZE = 10.0
DETAIL_SIZE = 8.0
LINE_GAP = 3.0
PAD_X, PAD_Y = 10.0, 7.0
MAX_PIXELS_PER_SIDE = 32000  # Agg's hard limit is 2**16
COLORS = {"InputLayer": "#dbeafe", "model": "#ede9fe", "default": "#f3f4f6"}
EDGE_COLOR = "#4b5563"

_RENDERER = None


def _renderer():
    global _RENDERER
    if _RENDERER is None:
        _RENDERER = RendererAgg(10, 10, 72)
    return _RENDERER


def _text_size(text, size, bold=False):
    props = FontProperties(size=size, weight="bold" if bold else "normal")
    width, height, _ = _renderer().get_text_width_height_descent(text, props, ismath=False)
    return width, height


def measure_box(box):
    """(width, height) in points of the box drawn for a `Box` (title + detail lines + padding)."""
    width, height = _text_size(box.title, TITLE_SIZE, bold=True)
    height = TITLE_SIZE * 1.25
    for line in box.lines:
        w, _ = _text_size(line, DETAIL_SIZE)
        width = max(width, w)
        height += LINE_GAP + DETAIL_SIZE * 1.25
    return width + 2 * PAD_X, height + 2 * PAD_Y


def _color(box):
    cls = box.title.rsplit("(", 1)[-1].rstrip(")")
    if cls == "InputLayer":
        return COLORS["InputLayer"]
    if cls in ("Functional", "Sequential", "Model"):
        return COLORS["model"]
    return COLORS["default"]


def _draw_box(ax, box, geometry):
    cx, cy, w, h = geometry
    ax.add_patch(FancyBboxPatch((cx - w / 2, cy - h / 2), w, h, boxstyle="round,pad=0,rounding_size=5",
                                facecolor=_color(box), edgecolor="#374151", linewidth=0.9, zorder=3))
    y = cy - h / 2 + PAD_Y + TITLE_SIZE * 0.62
    ax.text(cx, y, box.title, ha="center", va="center", fontsize=TITLE_SIZE, fontweight="bold",
            color="#111827", zorder=4)
    y += TITLE_SIZE * 0.63
    for line in box.lines:
        y += LINE_GAP + DETAIL_SIZE * 0.62
        ax.text(cx, y, line, ha="center", va="center", fontsize=DETAIL_SIZE, color="#374151", zorder=4)
        y += DETAIL_SIZE * 0.63


# Graphviz's `splines` values (what Keras's plot_model passes on) -> how edges are drawn here.
SPLINES = {"ortho": "ortho", "spline": "spline", "true": "spline", "curved": "spline", "polyline": "polyline",
           "line": "line", "false": "line", "none": "none", "": "none"}


def _orthogonal(points, rankdir):
    """Axis-parallel route through `points`: along the rank direction to halfway, across, then on."""
    out = [points[0]]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if rankdir == "TB":
            mid = (y0 + y1) / 2
            out.extend([(x0, mid), (x1, mid), (x1, y1)])
        else:
            mid = (x0 + x1) / 2
            out.extend([(mid, y0), (mid, y1), (x1, y1)])
    return out


def _draw_edge(ax, points, rankdir, splines="spline"):
    style = SPLINES[splines]
    if style == "none":
        return
    if style == "line":
        points = [points[0], points[-1]]
    elif style == "ortho":
        points = _orthogonal(points, rankdir)
    if style == "spline" and len(points) > 2:
        # Smooth the route through dummy nodes: quadratic curves between segment midpoints.
        verts, codes = [points[0]], [Path.MOVETO]
        for i in range(1, len(points) - 1):
            mid = ((points[i][0] + points[i + 1][0]) / 2, (points[i][1] + points[i + 1][1]) / 2)
            verts.extend([points[i], mid if i < len(points) - 2 else points[-1]])
            codes.extend([Path.CURVE3, Path.CURVE3])
        path = Path(verts, codes)
    else:
        path = Path(points, [Path.MOVETO] + [Path.LINETO] * (len(points) - 1))
    ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=9, linewidth=0.9,
                                 color=EDGE_COLOR, shrinkA=0, shrinkB=0, zorder=2))


def _draw_clusters(ax, graph, layout):
    for cluster_path, label in sorted(graph.clusters.items(), key=lambda item: len(item[0])):
        inside = [layout.boxes[b.key] for b in graph.boxes if b.cluster[:len(cluster_path)] == cluster_path]
        if not inside:
            continue
        depth = len(cluster_path)
        pad = 10.0 + 4.0 * max(0, 3 - depth)
        x0 = min(cx - w / 2 for cx, cy, w, h in inside) - pad
        x1 = max(cx + w / 2 for cx, cy, w, h in inside) + pad
        y0 = min(cy - h / 2 for cx, cy, w, h in inside) - pad - TITLE_SIZE
        y1 = max(cy + h / 2 for cx, cy, w, h in inside) + pad
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="#faf5ff", edgecolor="#7c3aed",
                               linestyle="--", linewidth=1.0, zorder=1))
        ax.text(x0 + 5, y0 + 4, label, ha="left", va="top", fontsize=DETAIL_SIZE + 0.5, color="#5b21b6",
                fontstyle="italic", zorder=1.5)


def render(graph, path, rankdir="TB", dpi=200, title=None, splines="spline"):
    """Lays out `graph` (a `plot_model.Graph`) and writes it to `path` (PNG or SVG by suffix).

    Args:
        graph: boxes, edges, clusters and note from `plot_model.model_to_graph`.
        path: output file; the format follows the suffix.
        rankdir: "TB" or "LR".
        dpi: resolution for PNG; lowered if the image would exceed Agg's size limit.
        title: drawn at the top (the model name), or None.
        splines: edge style, a key of `SPLINES` (Graphviz's names: "ortho", "spline", "polyline",
            "line", "none", ...).

    Returns:
        The `Layout` used.
    """
    sizes = {box.key: measure_box(box) for box in graph.boxes}
    extra_gap = 18.0 if graph.clusters else 0.0
    layout = layout_graph([b.key for b in graph.boxes], graph.edges, sizes, rankdir=rankdir,
                          node_gap=24.0 + extra_gap, rank_gap=30.0 + extra_gap, margin=16.0 + extra_gap)
    header = 0.0
    header_lines = [(title, TITLE_SIZE + 2, "bold")] if title else []
    if graph.note:
        header_lines.append((graph.note, DETAIL_SIZE, "normal"))
    header = sum(size * 1.4 for _, size, _ in header_lines) + (8.0 if header_lines else 0.0)
    header_width = max([_text_size(text, size, weight == "bold")[0] for text, size, weight in header_lines]
                       or [0.0]) + 32.0
    width, height = max(layout.width, header_width), layout.height + header
    offset_x = (width - layout.width) / 2
    fig = Figure(figsize=(width / 72.0, height / 72.0))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    y = 6.0
    for text, size, weight in header_lines:
        ax.text(width / 2, y, text, ha="center", va="top", fontsize=size, fontweight=weight, color="#111827")
        y += size * 1.4

    def shift(x, y):
        return x + offset_x, y + header

    from lamina.visualization.layout import Layout

    boxes = {k: shift(cx, cy) + (w, h) for k, (cx, cy, w, h) in layout.boxes.items()}
    moved = Layout(boxes, layout.edges, width, height, layout.ranks, layout.order)
    _draw_clusters(ax, graph, moved)
    for _, _, points in layout.edges:
        _draw_edge(ax, [shift(*p) for p in points], rankdir, splines)
    for box in graph.boxes:
        _draw_box(ax, box, boxes[box.key])
    largest = max(width, height) / 72.0
    dpi = min(float(dpi), MAX_PIXELS_PER_SIDE / largest)
    fig.savefig(path, dpi=dpi, facecolor="white")
    return moved
