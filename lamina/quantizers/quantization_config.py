"""Quantization configs: which quantizers `quantize()` uses, as Keras's `keras.quantizers.*Config`.

`Int8QuantizationConfig`, `Int4QuantizationConfig` (with `block_size` for sub-channel int4),
`Float8QuantizationConfig`, and the calibration configs `GPTQConfig` / `AWQConfig` (accepted and
serialized; lamina does not run GPTQ/AWQ calibration, see `validate_and_resolve_config`).
"""

__all__ = [
    "AWQConfig", "Float8QuantizationConfig", "GPTQConfig", "Int4QuantizationConfig", "Int8QuantizationConfig",
    "QUANTIZATION_MODES", "QuantizationConfig", "get_block_size_for_layer", "validate_and_resolve_config",
]

QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")


def _serialize(obj):
    from lamina.quantizers import serialize

    return serialize(obj)


def _deserialize(config):
    from lamina.quantizers import deserialize

    return deserialize(config) if isinstance(config, dict) else config


class QuantizationConfig:
    """Base class of quantization configs (subclasses define `mode`).

    Args:
        weight_quantizer: quantizer for weights (None: the layer's default).
        activation_quantizer: quantizer for activations (None: activations stay float).
    """

    def __init__(self, weight_quantizer=None, activation_quantizer=None):
        self.weight_quantizer = weight_quantizer
        self.activation_quantizer = activation_quantizer

    @property
    def mode(self):
        raise NotImplementedError("Subclasses must implement this property. Do not instantiate "
                                  "QuantizationConfig directly; use Int8QuantizationConfig, "
                                  "Int4QuantizationConfig or Float8QuantizationConfig.")

    def get_config(self):
        return {"weight_quantizer": _serialize(self.weight_quantizer),
                "activation_quantizer": _serialize(self.activation_quantizer)}

    @classmethod
    def from_config(cls, config):
        return cls(weight_quantizer=_deserialize(config.get("weight_quantizer")),
                   activation_quantizer=_deserialize(config.get("activation_quantizer")))

    @staticmethod
    def weight_quantizer_or_default(config, default):
        if config is not None and config.weight_quantizer is not None:
            return config.weight_quantizer
        return default

    @staticmethod
    def activation_quantizer_or_default(config, default):
        if config is not None:
            return config.activation_quantizer
        return default


class Int8QuantizationConfig(QuantizationConfig):
    """int8 weights (per output channel) and, by default, int8 activations (`AbsMaxQuantizer()`).

    Args:
        weight_quantizer: quantizer with `output_dtype="int8"` (default: abs-max per channel).
        activation_quantizer: `"default"` (`AbsMaxQuantizer()` on the last axis), a quantizer, or
            None (float activations).

    Example:
        >>> Int8QuantizationConfig().mode
        'int8'
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default"):
        from lamina.quantizers.quantizers import AbsMaxQuantizer

        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = AbsMaxQuantizer()
        super().__init__(weight_quantizer, activation_quantizer)
        if self.weight_quantizer is not None and self.weight_quantizer.output_dtype != "int8":
            raise ValueError("Int8QuantizationConfig requires a weight_quantizer with output_dtype='int8'. "
                             f"Received: output_dtype={self.weight_quantizer.output_dtype}")

    @property
    def mode(self):
        return "int8"


class Int4QuantizationConfig(QuantizationConfig):
    """int4 weights packed two per byte; per channel or in groups of `block_size` input rows.

    Args:
        weight_quantizer: quantizer with `value_range=(-8, 7)` and `output_dtype="int8"` (per-channel only).
        activation_quantizer: `"default"` (None: float activations) or a quantizer (per-channel only).
        block_size: rows per group for sub-channel quantization (asymmetric, with zero points);
            None or -1 for one scale per output channel. Default 128.

    Example:
        >>> Int4QuantizationConfig(block_size=64).get_config()["block_size"]
        64
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default", block_size=128):
        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = None
        super().__init__(weight_quantizer, activation_quantizer)
        if block_size is not None and block_size != -1 and block_size <= 0:
            raise ValueError(f"block_size must be None, -1, or a positive integer. Received: block_size={block_size}")
        self.block_size = block_size
        if block_size is not None and block_size > 0 and (self.weight_quantizer is not None
                                                          or self.activation_quantizer is not None):
            raise ValueError("Int4 sub-channel quantization (block_size > 0) does not support custom quantizers. "
                             "Either set block_size to None or -1 for per-channel quantization, or remove the "
                             f"custom quantizer arguments. Received: block_size={block_size}")
        if self.weight_quantizer is not None:
            if tuple(self.weight_quantizer.value_range) != (-8, 7):
                raise ValueError("Int4QuantizationConfig requires a weight_quantizer with value_range=(-8, 7). "
                                 f"Received: value_range={self.weight_quantizer.value_range}")
            if self.weight_quantizer.output_dtype != "int8":
                raise ValueError("Int4QuantizationConfig requires a weight_quantizer with output_dtype='int8'. "
                                 f"Received: output_dtype={self.weight_quantizer.output_dtype}")

    @property
    def mode(self):
        return "int4"

    def get_config(self):
        return {**super().get_config(), "block_size": self.block_size}

    @classmethod
    def from_config(cls, config):
        return cls(weight_quantizer=_deserialize(config.get("weight_quantizer")),
                   activation_quantizer=_deserialize(config.get("activation_quantizer")),
                   block_size=config.get("block_size", None))


class Float8QuantizationConfig(QuantizationConfig):
    """float8 training (delayed scaling with amax histories); takes no custom quantizers."""

    def __init__(self):
        super().__init__(None, None)

    @property
    def mode(self):
        return "float8"

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls()


def _check_positive(label, value):
    if value <= 0:
        raise ValueError(f"{label} must be a positive integer.")


def _check_group_size(group_size, what):
    if group_size < -1 or group_size == 0:
        raise ValueError(f"Invalid group_size. Supported values are -1 ({what}) or a positive integer, "
                         f"but got {group_size}.")


class GPTQConfig(QuantizationConfig):
    """GPTQ post-training quantization settings (Keras's; the calibration itself needs a dataset and a
    tokenizer and is not run by lamina: `quantize("gptq", config=...)` raises NotImplementedError).

    Args:
        dataset: calibration data (not serialized).
        tokenizer: tokenizer of the calibration text (not serialized).
        weight_bits: 2, 3, 4 or 8.
        num_samples, per_channel, sequence_length, hessian_damping, group_size, symmetric,
        activation_order, quantization_layer_structure: GPTQ's options, as Keras.
    """

    def __init__(self, dataset, tokenizer, *, weight_bits: int = 4, num_samples: int = 128,
                 per_channel: bool = True, sequence_length: int = 512, hessian_damping: float = 0.01,
                 group_size: int = 128, symmetric: bool = False, activation_order: bool = False,
                 quantization_layer_structure: dict = None):
        super().__init__()
        if weight_bits not in [2, 3, 4, 8]:
            raise ValueError(f"Unsupported weight_bits {weight_bits}. Supported values are 2, 3, 4, and 8.")
        _check_positive("num_samples", num_samples)
        _check_positive("sequence_length", sequence_length)
        if hessian_damping < 0 or hessian_damping > 1:
            raise ValueError("hessian_damping must be between 0 and 1.")
        _check_group_size(group_size, "whole-tensor")
        self.dataset = dataset
        self.tokenizer = tokenizer
        self.num_samples = num_samples
        self.per_channel = per_channel
        self.sequence_length = sequence_length
        self.hessian_damping = hessian_damping
        self.weight_bits = weight_bits
        self.group_size = group_size
        self.symmetric = symmetric
        self.activation_order = activation_order
        self.quantization_layer_structure = quantization_layer_structure

    def get_config(self):
        return {"dataset": None, "tokenizer": None, "weight_bits": self.weight_bits,
                "num_samples": self.num_samples, "per_channel": self.per_channel,
                "sequence_length": self.sequence_length, "hessian_damping": self.hessian_damping,
                "group_size": self.group_size, "symmetric": self.symmetric,
                "activation_order": self.activation_order,
                "quantization_layer_structure": self.quantization_layer_structure}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    @property
    def mode(self):
        return "gptq"

    def dtype_policy_string(self):
        """`"gptq/<weight_bits>/<group_size>"`, the mode part of the layers' policy names."""
        return f"gptq/{self.weight_bits}/{self.group_size}"


class AWQConfig(QuantizationConfig):
    """AWQ (activation-aware, 4-bit) settings (Keras's; calibration is not run by lamina).

    Args:
        dataset, tokenizer: calibration data and its tokenizer (not serialized).
        weight_bits: must be 4.
        num_samples, sequence_length, group_size, num_grid_points, quantization_layer_structure:
            AWQ's options, as Keras.
    """

    def __init__(self, dataset, tokenizer, *, weight_bits: int = 4, num_samples: int = 128,
                 sequence_length: int = 512, group_size: int = 128, num_grid_points: int = 20,
                 quantization_layer_structure: dict = None):
        super().__init__()
        if weight_bits != 4:
            raise ValueError(f"AWQ only supports 4-bit quantization. Received weight_bits={weight_bits}.")
        _check_positive("num_samples", num_samples)
        _check_positive("sequence_length", sequence_length)
        _check_group_size(group_size, "per-channel")
        _check_positive("num_grid_points", num_grid_points)
        self.dataset = dataset
        self.tokenizer = tokenizer
        self.weight_bits = weight_bits
        self.num_samples = num_samples
        self.sequence_length = sequence_length
        self.group_size = group_size
        self.num_grid_points = num_grid_points
        self.quantization_layer_structure = quantization_layer_structure

    @property
    def mode(self):
        return "awq"

    def dtype_policy_string(self):
        """`"awq/<weight_bits>/<group_size>"`, the mode part of the layers' policy names."""
        return f"awq/{self.weight_bits}/{self.group_size}"

    def get_config(self):
        return {"dataset": None, "tokenizer": None, "weight_bits": self.weight_bits,
                "num_samples": self.num_samples, "sequence_length": self.sequence_length,
                "group_size": self.group_size, "num_grid_points": self.num_grid_points,
                "quantization_layer_structure": self.quantization_layer_structure}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def validate_and_resolve_config(mode, config):
    """The config `quantize(mode, config)` uses: the default one for `mode`, or `config` checked against it.

    Raises:
        ValueError: unknown mode, neither given, contradictory mode and config, GPTQ/AWQ without their
            config.
    """
    if isinstance(config, str):
        mode, config = config, None
    if mode is not None and mode not in QUANTIZATION_MODES:
        raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. Received: mode={mode}")
    if config is None:
        defaults = {"int8": Int8QuantizationConfig, "int4": Int4QuantizationConfig,
                    "float8": Float8QuantizationConfig}
        if mode in defaults:
            return defaults[mode]()
        if mode == "gptq":
            raise ValueError("For GPTQ, you must pass a `GPTQConfig` object in the `config` argument.")
        if mode == "awq":
            raise ValueError("For AWQ, you must pass an `AWQConfig` object in the `config` argument.")
        raise ValueError("You must provide either `mode` or `config` to `quantize`.")
    if not isinstance(config, QuantizationConfig):
        raise ValueError("Argument `config` must be an instance of `QuantizationConfig`. "
                         f"Received: config={config} (of type {type(config)})")
    if mode is not None and config.mode != mode:
        raise ValueError(f"Contradictory arguments: mode='{mode}' but config.mode='{config.mode}'")
    if config.mode == "gptq" and not isinstance(config, GPTQConfig):
        raise ValueError(f"Mode 'gptq' requires a valid `config` argument of type `GPTQConfig`. "
                         f"Received: {type(config)}")
    if config.mode == "awq" and not isinstance(config, AWQConfig):
        raise ValueError(f"Mode 'awq' requires a valid `config` argument of type `AWQConfig`. "
                         f"Received: {type(config)}")
    return config


def get_block_size_for_layer(layer, config):
    """The int4 block size for `layer`: from an `Int4QuantizationConfig`, else from its `Int4DTypePolicy`
    (None for per-channel)."""
    from lamina.dtype_policies.quantized import Int4DTypePolicy

    if config is not None and isinstance(config, Int4QuantizationConfig):
        return config.block_size
    policy = layer.dtype_policy
    if isinstance(policy, Int4DTypePolicy):
        return None if policy.block_size == -1 else policy.block_size
    return None
