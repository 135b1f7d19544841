"""`Config`: Keras's attribute-style dict that can be frozen (`keras.utils.Config`)."""

import json

__all__ = ["Config"]


class Config:
    """A dict whose entries are also attributes, and which `freeze()` makes read-only.

    Args:
        **kwargs: initial entries.

    Example:
        >>> config = Config(learning_rate=0.1, layers=2)
        >>> config.units = 64
        >>> config.freeze()
        >>> config["units"], config.is_frozen
        (64, True)
    """

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @property
    def is_frozen(self) -> bool:
        return self._frozen

    def freeze(self):
        """Makes the config read-only (setting or deleting an entry then raises)."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        object.__setattr__(self, "_frozen", False)

    def _check_mutable(self, what):
        if self._frozen:
            raise ValueError(f"Cannot mutate {what} because the config is frozen (call `unfreeze()` first).")

    def __getattr__(self, name):
        config = self.__dict__.get("_config", {})
        if name in config:
            return config[name]
        raise AttributeError(f"Config has no attribute or entry {name!r}.")

    def __setattr__(self, name, value):
        self._check_mutable(f"attribute {name!r}")
        self._config[name] = value

    def __delattr__(self, name):
        self._check_mutable(f"attribute {name!r}")
        try:
            del self._config[name]
        except KeyError:
            raise AttributeError(f"Config has no entry {name!r}.") from None

    def __getitem__(self, key):
        return self._config[key]

    def __setitem__(self, key, value):
        self._check_mutable(f"entry {key!r}")
        self._config[key] = value

    def __delitem__(self, key):
        self._check_mutable(f"entry {key!r}")
        del self._config[key]

    def __contains__(self, key):
        return key in self._config

    def __len__(self):
        return len(self._config)

    def __iter__(self):
        return iter(self._config)

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def get(self, key, default=None):
        return self._config.get(key, default)

    def pop(self, *args):
        self._check_mutable("entries")
        return self._config.pop(*args)

    def update(self, *args, **kwargs):
        self._check_mutable("entries")
        self._config.update(*args, **kwargs)

    def setdefault(self, key, default=None):
        if key not in self._config:
            self._check_mutable(f"entry {key!r}")
        return self._config.setdefault(key, default)

    def as_dict(self) -> dict:
        return dict(self._config)

    def to_json(self) -> str:
        return json.dumps(self._config)

    def __repr__(self):
        return f"<Config {self._config}>"
