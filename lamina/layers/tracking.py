"""Sub-layers kept in Python lists and dicts become real child modules.

Keras tracks `self.blocks = [Dense(8), Dense(8)]`; plain PyTorch does not (its
parameters would be invisible to optimizers and `state_dict`). A layer stores
such a container as a `TrackedList`/`TrackedDict`: a real list/dict that is also
an `nn.Module` whose children are its module items, registered in the owner's
`_modules` under the same name. The attribute reads as a list, `state_dict` keys
read `blocks.0.kernel`, and `model.get_submodule("blocks.0")`,
`torch.func.functional_call` and `torch.nn.utils` find the items by path.
"""

from torch import nn

__all__ = ["CONTAINERS", "TrackedList", "TrackedDict", "wrap_container"]


def _has_module(value) -> bool:
    if isinstance(value, nn.Module):
        return True
    if isinstance(value, dict):
        return any(_has_module(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_module(v) for v in value)
    return False


class _Tracked(nn.Module):
    """Mixin: the container is itself a module whose children are its module items, registered
    under the owner's attribute name, so that `getattr(owner, name)` (what `get_submodule`,
    `torch.func.functional_call` and `torch.nn.utils` walk) is the module holding them."""

    # A list/dict's equality is by content; a module is hashed by identity (`named_modules`' memo).
    __hash__ = object.__hash__

    def _start(self):
        nn.Module.__init__(self)
        object.__setattr__(self, "_owner", None)
        object.__setattr__(self, "_attr", None)
        self._sync()

    def _attach(self, owner, attr):
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_attr", attr)
        self._sync()
        return self

    def _sync(self):
        modules = self.__dict__.get("_modules")
        if modules is None:  # being unpickled: the items come before the module's state
            return
        modules.clear()
        for key, item in self._module_items():
            if isinstance(item, nn.Module):
                modules[str(key)] = item
            elif _has_module(item):
                modules[str(key)] = wrap_container(item)._make_mirror()
        owner = self.__dict__.get("_owner")
        if owner is not None and "_modules" in owner.__dict__:
            owner._modules[self._attr] = self

    def _make_mirror(self):
        """An unattached tracked copy (for a tuple attribute, or a container nested in another)."""
        return type(self)(self)

    def forward(self, *args, **kwargs):
        raise TypeError(f"A layer's tracked {self._base_type.__name__} of sub-layers is not callable; call its "
                        f"items (e.g. `for layer in self.{self.__dict__.get('_attr') or 'blocks'}: x = layer(x)`).")


def _mutator(base_type, name):
    base = getattr(base_type, name)

    def method(self, *args, **kwargs):
        result = base(self, *args, **kwargs)
        self._sync()
        return result

    method.__name__ = name
    method.__doc__ = getattr(base, "__doc__", None)
    return method


class TrackedList(list, _Tracked):
    """A list whose `nn.Module` items are children of it, and it a child of its owner."""

    _base_type = list

    def __init__(self, items=()):
        list.__init__(self, items)
        self._start()

    def _module_items(self):
        return enumerate(self)

    __repr__ = list.__repr__
    __hash__ = _Tracked.__hash__  # list's `__hash__ = None` comes first in the MRO


for _name in ("append", "extend", "insert", "pop", "remove", "clear", "__setitem__", "__delitem__",
              "__iadd__", "sort", "reverse"):
    setattr(TrackedList, _name, _mutator(list, _name))


class TrackedDict(dict, _Tracked):
    """A dict whose `nn.Module` values are children of it, and it a child of its owner."""

    _base_type = dict

    def __init__(self, items=()):
        dict.__init__(self, items)
        self._start()

    def _module_items(self):
        return self.items()

    __repr__ = dict.__repr__
    __hash__ = _Tracked.__hash__  # dict's `__hash__ = None` comes first in the MRO


for _name in ("__setitem__", "__delitem__", "pop", "popitem", "clear", "update", "setdefault"):
    setattr(TrackedDict, _name, _mutator(dict, _name))


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


# Module containers whose children are walked as the owner's own sub-layers (weights, saving, trainable).
CONTAINERS = (nn.ModuleList, nn.ModuleDict, TrackedList, TrackedDict)
