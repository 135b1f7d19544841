"""`DTypePolicyMap`: per-layer dtype policies keyed by layer path (Keras's quantized models
store one in their config)."""

import collections.abc
import re

__all__ = ["DTypePolicyMap"]


class DTypePolicyMap(collections.abc.MutableMapping):
    """A dict of layer path (or regular expression) -> `DTypePolicy`, with a default.

    Lookup: an exact key first, else the one pattern that `re.fullmatch`es the key (two
    matches are an error), else `default_policy`.

    Args:
        default_policy: the policy for keys with no entry (default: the global policy).
        policy_map: an initial dict `{path: policy}`.

    Example:
        >>> m = DTypePolicyMap(default_policy="bfloat16")
        >>> m["encoder/dense"] = "float32"
        >>> m["encoder/dense"].name, m["decoder/dense"].name
        ('float32', 'bfloat16')
    """

    def __init__(self, default_policy=None, policy_map=None):
        from lamina.dtype_policies import get

        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError("`default_policy` cannot be a `DTypePolicyMap`.")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError(f"`policy_map` must be a dict. Received: policy_map={policy_map!r} "
                            f"of type {type(policy_map).__name__}")
        self._default_policy_arg = default_policy
        self._default_policy = get(default_policy)
        self._policy_map = {}
        for key, policy in (policy_map or {}).items():
            self[key] = policy

    @property
    def name(self):
        return f"map_{self._default_policy.name}"

    @property
    def default_policy(self):
        return self._default_policy

    @property
    def variable_dtype(self):
        return self._default_policy.variable_dtype

    @property
    def compute_dtype(self):
        return self._default_policy.compute_dtype

    @property
    def quantization_mode(self):
        return getattr(self._default_policy, "quantization_mode", None)

    def __getitem__(self, key):
        if key in self._policy_map:
            return self._policy_map[key]
        matches = [pattern for pattern in self._policy_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(
                f"DTypePolicyMap: the path {key!r} matches several patterns {matches}; make the keys "
                "specific enough to match once."
            )
        return self._policy_map[matches[0]] if matches else self._default_policy

    def __setitem__(self, key, policy):
        from lamina.dtype_policies import get

        if key in self._policy_map:
            raise ValueError(
                f"DTypePolicyMap: {key!r} already maps to {self._policy_map[key]!r}; delete it first "
                "to assign another policy."
            )
        self._policy_map[key] = get(policy)

    def __delitem__(self, key):
        return self._policy_map.pop(key)

    def __contains__(self, key):
        return key in self._policy_map

    def __len__(self):
        return len(self._policy_map)

    def __iter__(self):
        return iter(self._policy_map)

    def get_config(self):
        from lamina.dtype_policies import serialize

        return {"default_policy": self._default_policy_arg,
                "policy_map": {k: serialize(v) for k, v in self._policy_map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.dtype_policies import deserialize

        config = dict(config)
        config["policy_map"] = {k: deserialize(v, custom_objects) for k, v in
                                (config.get("policy_map") or {}).items()}
        return cls(**config)

    def __repr__(self):
        return f"<DTypePolicyMap default={self._default_policy.name!r}, {len(self)} entries>"
