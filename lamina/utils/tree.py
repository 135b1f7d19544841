"""Nested structures of tensors: flatten them and rebuild them.

Model inputs and outputs may be a single tensor, a list/tuple or a dict. Keras
flattens dicts by sorted key, which silently re-orders inputs; here dicts keep
their insertion order everywhere.
"""

__all__ = ["flatten", "pack_like", "map_structure", "is_nested"]


def is_nested(structure) -> bool:
    return isinstance(structure, (list, tuple, dict))


def flatten(structure) -> list:
    """Leaves of a nested list/tuple/dict structure, dicts in insertion order."""
    if isinstance(structure, dict):
        out = []
        for value in structure.values():
            out.extend(flatten(value))
        return out
    if isinstance(structure, (list, tuple)):
        out = []
        for value in structure:
            out.extend(flatten(value))
        return out
    return [structure]


def pack_like(structure, flat):
    """Inverse of `flatten`: puts the values of `flat` into the shape of `structure`."""
    iterator = iter(flat)

    def build(s):
        if isinstance(s, dict):
            return {k: build(v) for k, v in s.items()}
        if isinstance(s, list):
            return [build(v) for v in s]
        if isinstance(s, tuple):
            items = [build(v) for v in s]
            return type(s)(*items) if hasattr(s, "_fields") else tuple(items)
        return next(iterator)

    return build(structure)


def map_structure(fn, structure):
    """Applies `fn` to every leaf, keeping the structure."""
    return pack_like(structure, [fn(leaf) for leaf in flatten(structure)])
