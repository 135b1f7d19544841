"""A layered (Sugiyama-style) layout of a directed acyclic graph, in pure Python.

Steps: longest-path layering from the sources, dummy nodes on edges that span
several layers, barycentric crossing reduction over a few down/up sweeps, then
coordinates per layer (each layer placed as close as possible to the
barycenter of its neighbours without overlapping, by isotonic regression).

Coordinates are computed in a top-to-bottom frame ("TB": layers go down the y
axis) and transposed for left-to-right ("LR"). Units are arbitrary (the
renderer uses typographic points); y grows downwards.
"""

import collections

__all__ = ["Layout", "layout_graph", "assign_layers", "order_layers", "count_crossings"]

RANKDIRS = ("TB", "LR")

Layout = collections.namedtuple("Layout", ["boxes", "edges", "width", "height", "ranks", "order"])
Layout.__doc__ = """The result of `layout_graph`.

Attributes:
    boxes: dict node -> (center_x, center_y, width, height).
    edges: list of (source, target, points), points a list of (x, y) from the
        source box border to the target box border, through dummy nodes.
    width, height: the extent of the drawing (everything lies in [0, width] x [0, height]).
    ranks: dict node -> layer index (dummy nodes excluded).
    order: list of layers, each a list of nodes and dummy nodes (`("dummy", i)`) in order.
"""


def _check(nodes, edges):
    known = set(nodes)
    for source, target in edges:
        if source not in known or target not in known:
            raise ValueError(f"Edge ({source!r}, {target!r}) names a node that is not in the graph.")


def assign_layers(nodes, edges):
    """Longest-path layering: sources get layer 0, every edge goes to a strictly later layer.

    Args:
        nodes: node keys (hashable), in a stable order.
        edges: (source, target) pairs.

    Returns:
        dict node -> layer index.

    Raises:
        ValueError: the graph has a cycle.
    """
    _check(nodes, edges)
    children = collections.defaultdict(list)
    indegree = {n: 0 for n in nodes}
    for source, target in edges:
        children[source].append(target)
        indegree[target] += 1
    rank = {n: 0 for n in nodes}
    queue = collections.deque(n for n in nodes if indegree[n] == 0)
    seen = 0
    while queue:
        node = queue.popleft()
        seen += 1
        for child in children[node]:
            rank[child] = max(rank[child], rank[node] + 1)
            indegree[child] -= 1
            if indegree[child] == 0:
                queue.append(child)
    if seen != len(indegree):
        raise ValueError("The graph has a cycle; a layered layout needs a directed acyclic graph.")
    return rank


def _split_long_edges(nodes, edges, rank):
    """Replaces each edge spanning k > 1 layers by a chain through k - 1 dummy nodes."""
    layers = collections.defaultdict(list)
    for node in nodes:
        layers[rank[node]].append(node)
    short_edges, chains = [], []
    counter = 0
    for source, target in edges:
        chain = [source]
        for r in range(rank[source] + 1, rank[target]):
            dummy = ("dummy", counter)
            counter += 1
            rank[dummy] = r
            layers[r].append(dummy)
            chain.append(dummy)
        chain.append(target)
        chains.append(chain)
        short_edges.extend(zip(chain[:-1], chain[1:]))
    order = [layers[r] for r in range(max(layers) + 1)] if layers else []
    return order, short_edges, chains


def count_crossings(order, edges):
    """The number of edge crossings between adjacent layers.

    Args:
        order: list of layers, each a list of nodes in drawing order.
        edges: (source, target) pairs between adjacent layers.

    Returns:
        The crossing count (pairs of edges between the same two layers that cross).
    """
    position, layer_of = {}, {}
    for index, layer in enumerate(order):
        for pos, node in enumerate(layer):
            position[node] = pos
            layer_of[node] = index
    by_layer = collections.defaultdict(list)
    for source, target in edges:
        if layer_of[target] < layer_of[source]:
            source, target = target, source
        by_layer[layer_of[source]].append((position[source], position[target]))
    total = 0
    for pairs in by_layer.values():
        for i, (a1, b1) in enumerate(pairs):
            for a2, b2 in pairs[i + 1:]:
                if (a1 - a2) * (b1 - b2) < 0:
                    total += 1
    return total


def order_layers(order, edges, sweeps=6):
    """Barycentric crossing reduction: reorders each layer by its neighbours' mean position.

    Alternates downward sweeps (ordering by parents) and upward sweeps (by
    children) and keeps the ordering with the fewest crossings seen.

    Args:
        order: list of layers (lists of nodes); the initial ordering.
        edges: (source, target) pairs between adjacent layers.
        sweeps: number of down+up sweep pairs.

    Returns:
        A new list of layers.
    """
    parents, children = collections.defaultdict(list), collections.defaultdict(list)
    for source, target in edges:
        parents[target].append(source)
        children[source].append(target)
    current = [list(layer) for layer in order]
    best, best_count = [list(layer) for layer in current], count_crossings(current, edges)

    def reorder(layer, reference, neighbours):
        pos = {n: i for i, n in enumerate(reference)}
        keyed = []
        for index, node in enumerate(layer):
            linked = [pos[n] for n in neighbours[node] if n in pos]
            barycenter = sum(linked) / len(linked) if linked else index
            keyed.append((barycenter, index, node))
        keyed.sort(key=lambda item: (item[0], item[1]))
        return [node for _, _, node in keyed]

    for _ in range(sweeps):
        for i in range(1, len(current)):
            current[i] = reorder(current[i], current[i - 1], parents)
        for i in range(len(current) - 2, -1, -1):
            current[i] = reorder(current[i], current[i + 1], children)
        count = count_crossings(current, edges)
        if count < best_count:
            best, best_count = [list(layer) for layer in current], count
        if best_count == 0:
            break
    return best


def _isotonic(values):
    """Pool-adjacent-violators: the non-decreasing sequence closest (least squares) to `values`."""
    blocks = []  # [mean, count]
    for value in values:
        blocks.append([value, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean2, count2 = blocks.pop()
            mean1, count1 = blocks[-1]
            blocks[-1] = [(mean1 * count1 + mean2 * count2) / (count1 + count2), count1 + count2]
    out = []
    for mean, count in blocks:
        out.extend([mean] * count)
    return out


def _place_layer(layer, desired, breadth, gap):
    """Positions closest to `desired` that keep the order and at least `gap` between boxes."""
    offsets, total = [], 0.0
    for i, node in enumerate(layer):
        if i:
            total += breadth[layer[i - 1]] / 2 + gap + breadth[node] / 2
        offsets.append(total)
    fitted = _isotonic([desired[i] - offsets[i] for i in range(len(layer))])
    return {node: fitted[i] + offsets[i] for i, node in enumerate(layer)}


def _coordinates(order, edges, breadth, gap, iterations=4):
    parents, children = collections.defaultdict(list), collections.defaultdict(list)
    for source, target in edges:
        parents[target].append(source)
        children[source].append(target)
    x = {}
    for layer in order:
        x.update(_place_layer(layer, [0.0] * len(layer), breadth, gap))
        shift = sum(x[n] for n in layer) / len(layer)
        for n in layer:
            x[n] -= shift

    def sweep(layers, neighbours):
        for layer in layers:
            desired = []
            for node in layer:
                linked = neighbours[node]
                desired.append(sum(x[n] for n in linked) / len(linked) if linked else x[node])
            x.update(_place_layer(layer, desired, breadth, gap))

    for _ in range(iterations):
        sweep(order[1:], parents)
        sweep(order[-2::-1], children)
    sweep(order[1:], parents)
    return x


def layout_graph(nodes, edges, sizes, rankdir="TB", node_gap=24.0, rank_gap=36.0, margin=12.0,
                 sweeps=6):
    """Lays out a DAG in layers.

    Args:
        nodes: node keys (hashable, not tuples starting with "dummy"), in a stable order; the
            initial order within a layer follows it.
        edges: (source, target) pairs; duplicates are drawn once.
        sizes: dict node -> (width, height) of its box, in drawing units.
        rankdir: "TB" (layers top to bottom) or "LR" (left to right).
        node_gap: minimum space between boxes of one layer.
        rank_gap: space between consecutive layers.
        margin: space around the drawing.
        sweeps: crossing-reduction sweep pairs.

    Returns:
        A `Layout`.

    Raises:
        ValueError: bad `rankdir`, an unknown node in an edge, or a cycle.
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {list(RANKDIRS)}; received {rankdir!r}.")
    nodes = list(nodes)
    edges = list(dict.fromkeys((s, t) for s, t in edges if s != t))
    if not nodes:
        return Layout({}, [], 2 * margin, 2 * margin, {}, [])
    rank = assign_layers(nodes, edges)
    ranks = dict(rank)
    order, short_edges, chains = _split_long_edges(nodes, edges, rank)
    order = order_layers(order, short_edges, sweeps=sweeps)
    along = 0 if rankdir == "TB" else 1  # the size axis along a layer
    breadth, depth = {}, {}
    for layer in order:
        for node in layer:
            if isinstance(node, tuple) and node and node[0] == "dummy":
                breadth[node], depth[node] = 8.0, 0.0
            else:
                breadth[node], depth[node] = sizes[node][along], sizes[node][1 - along]
    x = _coordinates(order, short_edges, breadth, node_gap)
    # Layer positions along the rank axis: each layer as deep as its deepest box.
    y, cursor = {}, 0.0
    for layer in order:
        layer_depth = max(depth[n] for n in layer)
        for node in layer:
            y[node] = cursor + layer_depth / 2
        cursor += layer_depth + rank_gap
    min_x = min(x[n] - breadth[n] / 2 for n in x)
    max_x = max(x[n] + breadth[n] / 2 for n in x)
    extent_x = max_x - min_x + 2 * margin
    extent_y = cursor - rank_gap + 2 * margin

    def point(node, end=None):
        px, py = x[node] - min_x + margin, y[node] + margin
        if end == "out":
            py += depth[node] / 2
        elif end == "in":
            py -= depth[node] / 2
        return (px, py) if rankdir == "TB" else (py, px)

    boxes = {}
    for node in nodes:
        cx, cy = point(node)
        boxes[node] = (cx, cy, sizes[node][0], sizes[node][1])
    # Spread the ends of several edges meeting at one box side across the middle of that side,
    # ordered by where the edges come from, so arrowheads do not pile up on one point.
    port_offset = {}
    for end, near in (("in", -2), ("out", 1)):
        by_node = collections.defaultdict(list)
        for index, chain in enumerate(chains):
            node = chain[-1] if end == "in" else chain[0]
            by_node[node].append((x[chain[near]], index))
        for node, items in by_node.items():
            items.sort()
            span = min(breadth[node] * 0.5, 18.0 * (len(items) - 1))
            for k, (_, index) in enumerate(items):
                shift = 0.0 if len(items) == 1 else -span / 2 + span * k / (len(items) - 1)
                port_offset[(end, index)] = shift

    def port(node, end, index):
        px, py = point(node, end)
        shift = port_offset.get((end, index), 0.0)
        return (px + shift, py) if rankdir == "TB" else (px, py + shift)

    routed = []
    for index, chain in enumerate(chains):
        points = [port(chain[0], "out", index)]
        points.extend(point(n) for n in chain[1:-1])
        points.append(port(chain[-1], "in", index))
        routed.append((chain[0], chain[-1], points))
    width, height = (extent_x, extent_y) if rankdir == "TB" else (extent_y, extent_x)
    return Layout(boxes, routed, width, height, ranks, order)
