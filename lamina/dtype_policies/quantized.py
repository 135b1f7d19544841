"""Keras's quantized dtype policies, as configuration objects.

Keras layers given one of these store their weights quantized (int8, float8, int4, GPTQ, AWQ).
lamina does not quantize layers: these classes exist so that Keras code naming them imports,
their configs round-trip (`get_config`, `dtype_policies.serialize/deserialize`), and a layer
given one raises a clear error instead of silently computing in float.
"""

from lamina.mixed_precision.policy import DTypePolicy, global_policy_name

__all__ = ["QUANTIZATION_MODES", "QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy", "Int4DTypePolicy",
           "GPTQDTypePolicy", "AWQDTypePolicy", "policy_from_name"]

QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")


class QuantizedDTypePolicy(DTypePolicy):
    """A quantized policy named `"<mode>_from_<source_name>"` (e.g. `"int8_from_float32"`).

    Args:
        mode: `"int8"`, `"float8"`, `"int4"` (or a subclass's own form such as `"gptq/4/128"`).
        source_name: the float policy the weights come from (default: the global policy).
    """

    _modes = ("int8", "float8", "int4")

    def __init__(self, mode, source_name=None):
        if source_name is None:
            source_name = global_policy_name()
        source = DTypePolicy(source_name)  # validates the float policy
        base = mode.split("/")[0] if isinstance(mode, str) else mode
        if base not in self._modes:
            raise ValueError(
                f"Invalid quantization mode for {type(self).__name__}. Expected one of {list(self._modes)}. "
                f"Received: mode={mode!r}"
            )
        if source.compute_dtype == "float16" and mode == "int8":
            raise ValueError(f"Quantization mode='{mode}' doesn't work well with compute_dtype='float16'.")
        self._source = source
        self._source_name = source.name
        self._quantization_mode = mode
        self._name = f"{mode}_from_{source.name}"

    @property
    def compute_dtype(self):
        return self._source.compute_dtype

    @property
    def variable_dtype(self):
        return self._source.variable_dtype

    @property
    def quantization_mode(self):
        return self._quantization_mode

    def get_config(self):
        return {"mode": self._quantization_mode, "source_name": self._source_name}

    def __eq__(self, other):
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __hash__(self):
        return hash((type(self).__name__, self._name))

    def __repr__(self):
        return f'<{type(self).__name__} "{self._name}">'


class QuantizedFloat8DTypePolicy(QuantizedDTypePolicy):
    """The float8 policy; `amax_history_length` is the scaling window Keras keeps."""

    _modes = ("float8",)
    default_amax_history_length = 1024

    def __init__(self, mode, source_name=None, amax_history_length=1024):
        super().__init__(mode, source_name)
        if isinstance(amax_history_length, bool) or not isinstance(amax_history_length, int):
            raise TypeError(
                f"`amax_history_length` must be an integer. Received: amax_history_length={amax_history_length!r}"
            )
        self._amax_history_length = amax_history_length

    @property
    def amax_history_length(self):
        return self._amax_history_length

    def get_config(self):
        return {**super().get_config(), "amax_history_length": self._amax_history_length}


class Int4DTypePolicy(QuantizedDTypePolicy):
    """int4 sub-channel quantization; `mode` is `"int4"` or `"int4/<block_size>"`."""

    _modes = ("int4",)


class GPTQDTypePolicy(QuantizedDTypePolicy):
    """GPTQ quantization; `mode` is `"gptq/<weight_bits>/<group_size>"`."""

    _modes = ("gptq",)


class AWQDTypePolicy(QuantizedDTypePolicy):
    """AWQ quantization; `mode` is `"awq/<weight_bits>/<group_size>"`."""

    _modes = ("awq",)


def policy_from_name(name):
    """`"int8_from_float32"` -> `QuantizedDTypePolicy("int8", "float32")`, etc."""
    mode, _, source = name.partition("_from_")
    base = mode.split("/")[0]
    cls = {"float8": QuantizedFloat8DTypePolicy, "int4": Int4DTypePolicy, "gptq": GPTQDTypePolicy,
           "awq": AWQDTypePolicy}.get(base, QuantizedDTypePolicy)
    return cls(mode, source or None)
