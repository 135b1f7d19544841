"""What counts as a node of a nested structure, its children and how to rebuild it.

The rules are optree's as Keras 3 registers them (`keras.tree` on optree):

- `list`, `tuple`, `collections.deque` and namedtuples are nodes, children in order;
- `dict` and `defaultdict` are nodes whose children come in **sorted key order** (insertion order
  when the keys cannot be sorted), and rebuild with the original key order;
- `OrderedDict` keeps its insertion order;
- `None` is a leaf by default (an empty node with `none_is_leaf=False`);
- everything else (tensors, arrays, strings, sets, other list/dict subclasses) is a leaf, except
  lamina's own `TrackedList` / `TrackedDict` (layer attributes), read as list / dict.
"""

import collections

__all__ = ["node_children", "rebuild", "is_leaf", "same_node_type", "describe"]


def _tracked_types():
    from lamina.layers.tracking import TrackedDict, TrackedList

    return TrackedList, TrackedDict


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def node_children(x, none_is_leaf=True):
    """`(keys, children)` of a node, or None for a leaf. `keys` are the path entries."""
    if x is None:
        return None if none_is_leaf else ((), [])
    t = type(x)
    tracked_list, tracked_dict = _tracked_types()
    if t is list or t is tuple or t is collections.deque or t is tracked_list or _is_namedtuple(x):
        return tuple(range(len(x))), list(x)
    if t is dict or t is collections.defaultdict or t is tracked_dict:
        keys = _sorted_keys(x)
        return tuple(keys), [x[k] for k in keys]
    if t is collections.OrderedDict:
        keys = list(x)
        return tuple(keys), [x[k] for k in keys]
    return None


def is_leaf(x, none_is_leaf=True) -> bool:
    return node_children(x, none_is_leaf) is None


def rebuild(x, children):
    """A node like `x` holding `children` (in `node_children` order)."""
    if x is None:
        return None
    t = type(x)
    tracked_list, tracked_dict = _tracked_types()
    if t is list or t is tracked_list:
        return list(children)
    if t is tuple:
        return tuple(children)
    if _is_namedtuple(x):
        return t(*children)
    if t is collections.deque:
        return collections.deque(children, maxlen=x.maxlen)
    if t is collections.OrderedDict:
        return collections.OrderedDict(zip(x.keys(), children))
    by_key = dict(zip(_sorted_keys(x), children))
    if t is collections.defaultdict:
        return collections.defaultdict(x.default_factory, ((k, by_key[k]) for k in x))
    return {k: by_key[k] for k in x}  # dict (and TrackedDict): original key order


def same_node_type(a, b) -> bool:
    """Whether two nodes have the same kind and keys (what optree's tree specs compare)."""
    tracked_list, tracked_dict = _tracked_types()

    def kind(x):
        t = type(x)
        if t is tracked_list:
            return list
        if t is tracked_dict:
            return dict
        return t

    if kind(a) is not kind(b):
        return False
    keys_a, children_a = node_children(a, none_is_leaf=False)
    keys_b, children_b = node_children(b, none_is_leaf=False)
    if isinstance(a, dict):
        return set(keys_a) == set(keys_b)
    return len(children_a) == len(children_b)


def describe(x) -> str:
    if _is_namedtuple(x):
        return f"namedtuple {type(x).__name__}"
    return type(x).__name__
