"""Keras 3's `keras.tree` functions on nested lists, tuples, dicts and namedtuples.

Semantics are Keras's (optree-based) ones: dict leaves come in sorted key order, `None` is a leaf
unless `none_is_leaf=False`, structures compared by `map_structure`/`assert_same_structure` must
match in container type (a list is not a tuple) and keys. See `nodes.py` for the node rules.
"""

from lamina.tree.nodes import describe, is_leaf, node_children, rebuild, same_node_type

__all__ = [
    "MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten", "flatten_with_path", "is_nested",
    "lists_to_tuples", "map_shape_structure", "map_structure", "map_structure_up_to", "pack_sequence_as",
    "traverse",
]


class MAP_TO_NONE:  # noqa: N801 - Keras's name
    """Special value for `traverse`: a `func` returning this class maps the subtree to None."""


def is_nested(structure) -> bool:
    """True for a list, tuple, dict, namedtuple, OrderedDict, defaultdict or deque.

    Example:
        >>> is_nested([1, 2]), is_nested(None), is_nested("ab")
        (True, False, False)
    """
    return not is_leaf(structure)


def flatten(structure) -> list:
    """The leaves of `structure`, dict values in sorted key order.

    Example:
        >>> flatten({"b": [1, 2], "a": 3})
        [3, 1, 2]
    """
    out = []
    _flatten_into(structure, out, True)
    return out


def _flatten_into(x, out, none_is_leaf):
    node = node_children(x, none_is_leaf)
    if node is None:
        out.append(x)
        return
    for child in node[1]:
        _flatten_into(child, out, none_is_leaf)


def flatten_with_path(structure) -> list:
    """`[(path, leaf)]` where `path` is the tuple of indices and keys leading to the leaf.

    Example:
        >>> flatten_with_path({"a": [1, 2]})
        [(('a', 0), 1), (('a', 1), 2)]
    """
    out = []

    def walk(x, path):
        node = node_children(x)
        if node is None:
            out.append((path, x))
            return
        for key, child in zip(*node):
            walk(child, path + (key,))

    walk(structure, ())
    return out


def _mismatch(a, b, where):
    at = f" at path {where}" if where else ""
    return ValueError(
        f"The structures do not match{at}: expected {describe(a)} {_short(a)}, got {describe(b)} {_short(b)}."
    )


def _short(x):
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_same(a, b, none_is_leaf, path=()):
    leaf_a = is_leaf(a, none_is_leaf)
    if leaf_a:
        return
    if is_leaf(b, none_is_leaf) or not same_node_type(a, b):
        raise _mismatch(a, b, path)
    keys, children_a = node_children(a, none_is_leaf)
    _, children_b = node_children(b, none_is_leaf)
    for key, ca, cb in zip(keys, children_a, children_b):
        _check_same(ca, cb, none_is_leaf, path + (key,))


def map_structure(func, *structures, none_is_leaf=True):
    """Applies `func` to the leaves of one or more structures of identical layout.

    Args:
        func: called with one leaf from each structure.
        *structures: structures with the same nesting, container types and keys.
        none_is_leaf: if True (default) `None` leaves are passed to `func`; if False they stay None.

    Example:
        >>> map_structure(lambda x, y: x + y, [1, (2, 3)], [10, (20, 30)])
        [11, (22, 33)]
    """
    if not callable(func):
        raise TypeError(f"map_structure: `func` must be callable. Received: {func!r}.")
    if not structures:
        raise ValueError("map_structure: must provide at least one structure.")
    first = structures[0]
    for other in structures[1:]:
        _check_same_full(first, other, none_is_leaf)
    return _map(func, structures, none_is_leaf)


def _check_same_full(a, b, none_is_leaf, path=()):
    if is_leaf(a, none_is_leaf):
        if not is_leaf(b, none_is_leaf):
            raise _mismatch(a, b, path)
        return
    _check_same(a, b, none_is_leaf, path)
    keys, children_a = node_children(a, none_is_leaf)
    _, children_b = node_children(b, none_is_leaf)
    for key, ca, cb in zip(keys, children_a, children_b):
        _check_same_full(ca, cb, none_is_leaf, path + (key,))


def _map(func, structures, none_is_leaf):
    first = structures[0]
    node = node_children(first, none_is_leaf)
    if node is None:
        return func(*structures)
    others = [node_children(s, none_is_leaf)[1] for s in structures[1:]]
    children = [_map(func, (child, *(o[i] for o in others)), none_is_leaf) for i, child in enumerate(node[1])]
    return rebuild(first, children)


def map_structure_up_to(shallow_structure, func, *structures):
    """Like `map_structure`, but only down to the leaves of `shallow_structure`: deeper parts of
    `structures` are passed to `func` whole.

    Example:
        >>> map_structure_up_to([None, None], lambda x: len(x), [[1, 2], [3]])
        [2, 1]
    """
    if not structures:
        raise ValueError("map_structure_up_to: must provide at least one structure.")

    def walk(shallow, items, path):
        node = node_children(shallow)
        if node is None:
            return func(*items)
        keys, children = node
        parts = []
        for item in items:
            if is_leaf(item) or not same_node_type(shallow, item):
                raise _mismatch(shallow, item, path)
            parts.append(node_children(item)[1])
        return rebuild(items[0], [walk(child, [p[i] for p in parts], path + (key,))
                                  for i, (key, child) in enumerate(zip(keys, children))])

    return walk(shallow_structure, list(structures), ())


def pack_sequence_as(structure, flat_sequence):
    """Puts the values of `flat_sequence` into the layout of `structure` (inverse of `flatten`).

    Example:
        >>> pack_sequence_as({"b": None, "a": None}, [1, 2])
        {'b': 2, 'a': 1}
    """
    if not isinstance(flat_sequence, (list, tuple)) and not hasattr(flat_sequence, "__iter__"):
        raise TypeError(
            f"pack_sequence_as: `flat_sequence` must be a list or tuple. Received: {flat_sequence!r} "
            f"(of type {type(flat_sequence).__name__})."
        )
    flat = list(flat_sequence)
    expected = len(flatten(structure))
    if len(flat) != expected:
        raise ValueError(
            f"pack_sequence_as: the structure has {expected} leaves but `flat_sequence` has {len(flat)} "
            f"items (too {'few' if len(flat) < expected else 'many'})."
        )
    iterator = iter(flat)

    def build(x):
        node = node_children(x)
        if node is None:
            return next(iterator)
        return rebuild(x, [build(child) for child in node[1]])

    return build(structure)


def assert_same_structure(a, b, check_types=None):
    """Raises `ValueError` unless `a` and `b` have the same nesting, container types and keys.

    Args:
        a, b: structures to compare (leaves may differ).
        check_types: deprecated in Keras (types are always checked); accepted.

    Example:
        >>> assert_same_structure([1, (2, 3)], [4, (5, 6)])   # passes
    """
    if check_types is not None:
        import warnings

        warnings.warn("assert_same_structure: the `check_types` argument is deprecated and ignored.",
                      DeprecationWarning, stacklevel=2)
    _check_same_full(a, b, True)


def assert_same_paths(a, b):
    """Raises `ValueError` unless `a` and `b` have the same set of leaf paths (container types
    may differ: `[1, 2]` and `(1, 2)` have the same paths)."""
    paths_a = {path for path, _ in flatten_with_path(a)}
    paths_b = {path for path, _ in flatten_with_path(b)}
    if paths_a != paths_b:
        raise ValueError(
            "`a` and `b` don't have the same paths.\n"
            f"Paths in `a` missing in `b`:\n{paths_a - paths_b}\n"
            f"Paths in `b` missing in `a`:\n{paths_b - paths_a}"
        )


def traverse(func, structure, top_down=True):
    """Calls `func` on every node and leaf, and rebuilds the structure from its answers.

    Top-down (default): `func(node)` returning None means "descend into it"; any other value
    replaces the whole subtree. Bottom-up: children are traversed first, then `func` sees the
    rebuilt node; None keeps it. Returning the class `MAP_TO_NONE` maps the subtree to None.

    Example:
        >>> traverse(lambda x: x * 10 if isinstance(x, int) else None, [1, (2, 3)], top_down=False)
        [10, (20, 30)]
    """

    def children_traversed(x):
        node = node_children(x)
        if node is None:
            return x
        return rebuild(x, [traverse(func, child, top_down) for child in node[1]])

    if top_down:
        result = func(structure)
        if result is None:
            return children_traversed(structure)
    else:
        traversed = children_traversed(structure)
        result = func(traversed)
        if result is None:
            return traversed
    if result is MAP_TO_NONE:
        return None
    return result


def lists_to_tuples(structure):
    """Every list in `structure` becomes a tuple (recursively).

    Example:
        >>> lists_to_tuples([1, [2, {"a": [3]}]])
        (1, (2, {'a': (3,)}))
    """
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure, top_down=False)


def _is_shape(x) -> bool:
    return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)


def map_shape_structure(func, structure):
    """Applies `func` to every shape in `structure`: a list/tuple of ints and Nones is a leaf.

    Example:
        >>> map_shape_structure(len, [(1, None), {"a": (3, 4)}])
        [2, {'a': 2}]
    """
    if _is_shape(structure):
        return func(structure)
    node = node_children(structure)
    if node is None:
        return func(structure)
    return rebuild(structure, [map_shape_structure(func, child) for child in node[1]])
