"""`DTypePolicy` objects and the process-wide default policy."""

from lamina import backend

_VALID = ("float16", "bfloat16", "float32", "float64", "mixed_float16", "mixed_bfloat16")
_GLOBAL_POLICY = None  # None means "follow backend.floatx()"


class DTypePolicy:
    """A named dtype policy.

    Args:
        name: `"float32"`, `"float16"`, `"bfloat16"`, `"float64"`,
            `"mixed_float16"` or `"mixed_bfloat16"`; None: the global policy's name.

    Example:
        >>> DTypePolicy("mixed_float16").compute_dtype
        'float16'
    """

    def __init__(self, name=None):
        if name is None:  # Keras: the global policy's name (floatx by default)
            name = global_policy_name()
        if isinstance(name, DTypePolicy):
            name = name.name
        name = _canonical(name)
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._name[len("mixed_"):] if self._name.startswith("mixed_") else self._name

    @property
    def variable_dtype(self) -> str:
        return "float32" if self._name.startswith("mixed_") else self._name

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


def _canonical(name) -> str:
    if isinstance(name, dict):
        name = name.get("config", {}).get("name", "float32")
    if not isinstance(name, str):
        name = backend.dtype_name(name)
    if name not in _VALID:
        try:
            name = backend.dtype_name(name)
        except ValueError:
            pass
    if name not in _VALID:
        if name.startswith(("int8", "float8", "int4", "gptq", "awq")):
            raise ValueError(
                f"Quantized dtype policy {name!r} cannot be the global policy in lamina. Give it to a layer "
                f"(`Dense(..., dtype={name!r})`) or call `model.quantize(mode)`; the global policy must be "
                f"one of {list(_VALID)}."
            )
        raise ValueError(f"Unknown dtype policy {name!r}. Expected one of {list(_VALID)}.")
    return name


def set_dtype_policy(policy) -> None:
    """Sets the default policy for layers created afterwards (`None` restores floatx)."""
    global _GLOBAL_POLICY
    _GLOBAL_POLICY = None if policy is None else _canonical(getattr(policy, "name", policy))


set_global_policy = set_dtype_policy


def global_policy_name() -> str:
    return _GLOBAL_POLICY or backend.floatx()


def global_policy() -> DTypePolicy:
    return DTypePolicy(global_policy_name())


dtype_policy = global_policy


def serialize_policy(name: str) -> dict:
    """The Keras 3 config form of a policy, as stored in `.keras` files."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}
