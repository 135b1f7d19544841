"""Sub-layers kept in Python lists and dicts become real child modules.

Keras tracks `self.blocks = [Dense(8), Dense(8)]`; plain PyTorch does not (its
parameters would be invisible to optimizers and `state_dict`). A layer stores
such a container as a `TrackedList`/`TrackedDict` that keeps a mirror
`nn.ModuleList`/`nn.ModuleDict` under the same attribute name in `_modules`,
so the attribute still reads as a list while `state_dict` keys read
`blocks.0.kernel`.
"""

from torch import nn

__all__ = ["TrackedList", "TrackedDict", "wrap_container"]


def _has_module(value) -> bool:
    if isinstance(value, nn.Module):
        return True
    if isinstance(value, dict):
        return any(_has_module(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_module(v) for v in value)
    return False


class _Mirror:
    """Mixin: re-syncs the owner's mirror container after every mutation."""

    def _attach(self, owner, attr):
        self._owner = owner
        self._attr = attr
        self._sync()
        return self

    def _sync(self):
        owner = getattr(self, "_owner", None)
        if owner is None:
            return
        owner._modules[self._attr] = self._make_mirror()


def _mutator(name):
    base = getattr(list, name, None)

    def method(self, *args, **kwargs):
        result = getattr(self._base_type, name)(self, *args, **kwargs)
        self._sync()
        return result

    method.__name__ = name
    method.__doc__ = getattr(base, "__doc__", None)
    return method


class TrackedList(_Mirror, list):
    """A list whose `nn.Module` items are registered as children of its owner."""

    _base_type = list

    def _make_mirror(self):
        mirror = nn.ModuleList()
        for index, item in enumerate(self):
            if isinstance(item, nn.Module):
                mirror.add_module(str(index), item)
            elif _has_module(item):
                mirror.add_module(str(index), wrap_container(item)._make_mirror())
        return mirror

    def __reduce_ex__(self, protocol):
        return (list, (list(self),))


for _name in ("append", "extend", "insert", "pop", "remove", "clear", "__setitem__", "__delitem__",
              "__iadd__", "sort", "reverse"):
    setattr(TrackedList, _name, _mutator(_name))


class TrackedDict(_Mirror, dict):
    """A dict whose `nn.Module` values are registered as children of its owner."""

    _base_type = dict

    def _make_mirror(self):
        mirror = nn.ModuleDict()
        for key, item in self.items():
            if isinstance(item, nn.Module):
                mirror[str(key)] = item
            elif _has_module(item):
                mirror[str(key)] = wrap_container(item)._make_mirror()
        return mirror

    def __reduce_ex__(self, protocol):
        return (dict, (dict(self),))


for _name in ("__setitem__", "__delitem__", "pop", "popitem", "clear", "update", "setdefault"):
    _base = getattr(dict, _name)

    def _dict_mutator(self, *args, _base=_base, **kwargs):
        result = _base(self, *args, **kwargs)
        self._sync()
        return result

    setattr(TrackedDict, _name, _dict_mutator)


def wrap_container(value):
    """Returns a tracked copy of a list/tuple/dict holding modules, else `None`."""
    if isinstance(value, (TrackedList, TrackedDict)):
        return value
    if type(value) in (list, dict) and not value:
        # An empty container filled later (`self.grns = list()` then `append(...)`): Keras
        # tracks what goes in afterwards, so it is tracked from the start.
        return TrackedDict() if isinstance(value, dict) else TrackedList()
    if isinstance(value, nn.Module) or not _has_module(value):
        return None
    if isinstance(value, dict):
        return TrackedDict(value)
    if isinstance(value, list):
        return TrackedList(value)
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return TrackedList(value)
    return None
