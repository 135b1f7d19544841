"""Keras's quantized dtype policies, as configuration objects.

Layers given one of these (or quantized with `layer.quantize(mode)`) store their weights
quantized: `Dense`, `EinsumDense` and `Embedding` for int8 / int4 / float8 (GPTQ and AWQ
policies are accepted and serialized; their calibration is not run by lamina).
"""

from lamina.mixed_precision.policy import DTypePolicy, global_policy_name

__all__ = ["QUANTIZATION_MODES", "QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy", "Int4DTypePolicy",
           "GPTQDTypePolicy", "AWQDTypePolicy", "policy_from_name",
           "split_quantized_dtype"]

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
        base = mode
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


class _SubModePolicy(QuantizedDTypePolicy):
    """A policy whose mode carries integers after the base mode (`"int4/128"`, `"gptq/4/128"`)."""

    _base = None
    _fields = ()
    _format = ""

    def __init__(self, mode, source_name=None):
        parts = mode.split("/") if isinstance(mode, str) else []
        name = type(self).__name__
        if len(parts) != len(self._fields) + 1 or parts[0] != self._base:
            raise ValueError(f"Invalid mode for {name}. Expected format {self._format}, but got '{mode}'.")
        try:
            values = [int(p) for p in parts[1:]]
        except ValueError:
            raise ValueError(f"Invalid mode for {name}. {' and '.join('<' + f + '>' for f in self._fields)} must be "
                             f"integer(s). Expected format {self._format}, but got '{mode}'.") from None
        self._check(values, mode)
        super().__init__(self._base, source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.mode = self._base
        for field, value in zip(self._fields, values):
            setattr(self, field, value)

    def _check(self, values, mode):
        size = values[-1]
        if size < -1 or size == 0:
            raise ValueError(f"Invalid {self._fields[-1]} in mode. Supported values are -1 or a positive integer, "
                             f"but got {size} from '{mode}'.")

    def get_config(self):
        mode = "/".join([self._base] + [str(getattr(self, f)) for f in self._fields])
        return {"mode": mode, "source_name": self._source_name}


class Int4DTypePolicy(_SubModePolicy):
    """int4 sub-channel quantization; `mode` is `"int4/<block_size>"` (-1: per channel)."""

    _modes = ("int4",)
    _base = "int4"
    _fields = ("block_size",)
    _format = "'int4/<block_size>'"


class GPTQDTypePolicy(_SubModePolicy):
    """GPTQ quantization; `mode` is `"gptq/<weight_bits>/<group_size>"`."""

    _modes = ("gptq",)
    _base = "gptq"
    _fields = ("weight_bits", "group_size")
    _format = "'gptq/<weight_bits>/<group_size>'"

    def _check(self, values, mode):
        if values[0] not in (2, 3, 4, 8):
            raise ValueError(f"Invalid weight_bits in mode. Supported values are 2, 3, 4, and 8, but got {values[0]} "
                             f"from '{mode}'.")
        super()._check(values, mode)


class AWQDTypePolicy(_SubModePolicy):
    """AWQ quantization; `mode` is `"awq/<weight_bits>/<group_size>"` (4-bit only)."""

    _modes = ("awq",)
    _base = "awq"
    _fields = ("weight_bits", "group_size")
    _format = "'awq/<weight_bits>/<group_size>'"

    def _check(self, values, mode):
        if values[0] != 4:
            raise ValueError(f"Invalid weight_bits in mode. AWQ only supports 4-bit quantization, but got "
                             f"{values[0]} from '{mode}'.")
        super()._check(values, mode)


def policy_from_name(name):
    """`"int8_from_float32"` -> `QuantizedDTypePolicy("int8", "float32")`, as Keras maps names
    (`"int4_from_..."` is a per-channel `QuantizedDTypePolicy`, `"int4/128_from_..."` an `Int4DTypePolicy`)."""
    mode, sep, source = name.partition("_from_")
    if not sep or not source:
        raise ValueError("Cannot convert `policy` into a valid pair (`mode`, `source_name`) to instantiate "
                         f"`QuantizedDTypePolicy`. Received: policy={name}")
    base = mode.split("/")[0]
    if base == "int4" and "/" not in mode:
        return QuantizedDTypePolicy(mode, source)
    cls = {"float8": QuantizedFloat8DTypePolicy, "int4": Int4DTypePolicy, "gptq": GPTQDTypePolicy,
           "awq": AWQDTypePolicy}.get(base, QuantizedDTypePolicy)
    return cls(mode, source)


_QUANTIZED_CLASSES = ("QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy", "Int4DTypePolicy", "GPTQDTypePolicy",
                      "AWQDTypePolicy")


def split_quantized_dtype(dtype):
    """`(float dtype for the layer, quantized policy or None)` from a layer's `dtype=` argument.

    Accepts a quantized policy object, its name (`"int8_from_float32"`) or its Keras config dict;
    anything else is returned unchanged with None.
    """
    if isinstance(dtype, QuantizedDTypePolicy):
        return dtype._source_name, dtype
    if isinstance(dtype, str) and dtype.startswith(QUANTIZATION_MODES) and "_from_" in dtype:
        policy = policy_from_name(dtype)
        return policy._source_name, policy
    if isinstance(dtype, dict) and dtype.get("class_name") in _QUANTIZED_CLASSES:
        from lamina.dtype_policies import deserialize

        policy = deserialize(dtype)
        return policy._source_name, policy
    return dtype, None
