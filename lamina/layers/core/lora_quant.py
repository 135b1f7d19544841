"""What `Dense`, `EinsumDense` and `Embedding` share for LoRA and weight quantization.

LoRA (`enable_lora(rank)`): the base weight is frozen and a trainable low-rank delta
`(lora_alpha / rank) * A @ B` is added to it. Quantization (`quantize(mode)`): the float weight
is replaced by Keras's quantized variables (int8 + scale, int4 packed two per byte + scale
[+ zero point and group index], or float8 scales and amax histories) and the layer's dtype
policy becomes the matching quantized policy (`"int8_from_float32"`, ...).

Saving follows Keras's `save_own_variables`: while LoRA is on or the layer is quantized, the
layer writes its variables in Keras's per-mode order (`variable_serialization_spec`), with the
LoRA delta merged into the base weight (and re-quantized when the layer is quantized); LoRA
weights themselves are not saved, and are reset to zero on load. Plain layers use the generic
weight writer (the same layout).
"""

import numpy as np
import torch

from lamina.quantizers import quantizers as q
from lamina.quantizers.quantization_config import (GPTQConfig, get_block_size_for_layer,
                                                   validate_and_resolve_config)

__all__ = ["LoraQuantMixin", "requantize_merged"]


def requantize_merged(merged, mode, block_size, axis):
    """Re-quantizes a float weight after merging LoRA, as Keras's `_get_kernel_with_merged_lora`.

    Args:
        merged: float tensor in Keras layout.
        mode: `"int8"` or `"int4"`.
        block_size: int4 group size (None / -1: per channel).
        axis: the reduced axis of the per-channel scale (0 for Dense kernels, -1 for embeddings).

    Returns:
        `(values, scale, zero)`: values packed for int4 (along the last axis), `zero` None unless grouped.
    """
    if mode == "int4" and block_size not in (None, -1):
        transpose = axis != 0  # groups run along axis 0 of a (contracted, output) matrix
        source = merged.T if transpose else merged
        values, scale, zero = q.abs_max_quantize_grouped_with_zero_point(source, block_size=block_size, to_numpy=True)
        if transpose:
            values, scale, zero = values.T, scale.T, zero.T
    else:
        value_range = (-8, 7) if mode == "int4" else (-127, 127)
        values, scale = q.abs_max_quantize(merged, axis=axis, value_range=value_range, dtype="int8", to_numpy=True)
        scale, zero = scale.squeeze(axis), None
    if mode == "int4":
        values = q.pack_int4(values, axis=-1)[0]
    return values, scale, zero


def serialize_quantization_config(config):
    """A layer's `quantization_config` as its `get_config` entry (Keras's serialized form)."""
    from lamina.quantizers import serialize

    return serialize(config)


def deserialize_quantization_config(config):
    from lamina.quantizers import deserialize

    return deserialize(config) if isinstance(config, dict) else config


class LoraQuantMixin:
    """Mixin for layers with one main weight that supports LoRA and quantization."""

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["quantization_config"] = deserialize_quantization_config(config.get("quantization_config"))
        return super().from_config(config)

    # Set by the layer: Keras's label in messages, and the per-mode saved variable order.
    _lora_weight = "kernel"

    def _layer_label(self):
        return f"{type(self).__name__} layer '{self.name}'"

    # -------------------------------------------------------------- quantize()

    def _resolve_quantize_args(self, mode, config, supported):
        """Keras's checks of `quantize(mode, config)`; returns the resolved config."""
        config = validate_and_resolve_config(mode, config)
        mode = config.mode
        if not self.built:
            raise ValueError(f"Cannot quantize a layer that isn't yet built. Layer '{self.name}' (of type "
                             f"'{type(self).__name__}') is not built yet. Call it on data or build it first.")
        if self.quantization_mode is not None:
            raise ValueError(f"Layer '{self.name}' is already quantized with dtype_policy='{self.dtype_policy.name}'. "
                             f"Received: mode={mode}")
        if mode == "int8" and self.compute_dtype == "float16":
            raise ValueError(f"Quantization mode='{mode}' doesn't work well with compute_dtype='float16'. Consider "
                             "loading model/layer with another dtype policy such as 'mixed_bfloat16' or "
                             "'mixed_float16' before calling `quantize()`.")
        if mode in ("gptq", "awq"):
            raise NotImplementedError(
                f"{self._layer_label()}: {mode.upper()} quantization needs calibration over a dataset through the "
                f"model's blocks (config.dataset={type(getattr(config, 'dataset', None)).__name__}, "
                f"config.tokenizer={type(getattr(config, 'tokenizer', None)).__name__}); lamina does not run "
                f"{mode.upper()} calibration. Use quantize('int8'), quantize('int4') or quantize('float8').")
        if mode not in supported:
            raise NotImplementedError(f"Invalid quantization mode for {self._layer_label()}. Expected one of "
                                      f"{supported}. Received: quantization_mode={mode}")
        return config

    def _adopt_quantized_policy(self, mode, config):
        """The layer's policy after `quantize`: `<mode>_from_<source>` (`int4/<block>` for int4)."""
        from lamina.dtype_policies.quantized import policy_from_name

        policy_name = mode
        if mode == "int4":
            block_size = get_block_size_for_layer(self, config)
            policy_name = f"int4/{-1 if block_size is None else block_size}"
        elif isinstance(config, GPTQConfig) or mode == "awq":
            policy_name = config.dtype_policy_string()
        self._quantized_policy = policy_from_name(f"{policy_name}_from_{self._dtype_policy_name}")

    def _drop_weight(self, name):
        """Removes a float weight replaced by quantized ones (parameter and its spec)."""
        self._parameters.pop(name, None)
        self._weight_specs.pop(name, None)

    def _add_quantized(self, name, shape, dtype, initializer="zeros", trainable=False, perm=None):
        return self.add_weight(name=name, shape=shape, initializer=initializer, dtype=dtype, trainable=trainable,
                               _torch_perm=perm)

    # -------------------------------------------------------------- LoRA

    def _check_enable_lora(self, constraint, what):
        if constraint:
            raise ValueError(f"Lora is incompatible with {what} constraints. In order to enable lora on "
                             f"{self._layer_label()}, remove the `{what}_constraint` argument.")
        if not self.built:
            raise ValueError(f"Cannot enable lora on a layer that isn't yet built ({self._layer_label()}). Build it "
                             "first (call it on data or layer.build(input_shape)), or pass lora_rank= to the "
                             "constructor.")
        if self.lora_enabled:
            raise ValueError(f"lora is already enabled on {self._layer_label()}. This can only be done once per "
                             "layer.")

    def _freeze_base(self, name):
        """Keras's `variable.trainable = False` on the base weight of a LoRA layer: the weight keeps its
        place in `weights` (Keras's order) but stays frozen, also through `layer.trainable = True`."""
        self._weight_specs[name]["frozen"] = True
        self._parameters[name].requires_grad_(False)

    # -------------------------------------------------------------- saving

    # Keras's per-mode order, LoRA merged. Only while LoRA is on or the layer is quantized does the
    # weights writer call these (`_stores_own_variables`); a plain layer's layout is the generic one,
    # which the writer produces itself with its shape checks. A subclass's
    # `super().save_own_variables(store)` gets Keras's own keys ("0": kernel, "1": bias).
    @property
    def save_own_variables(self):
        return self._save_own_variables

    @property
    def load_own_variables(self):
        return self._load_own_variables

    def _stores_own_variables(self):
        """Whether the weights writer must call the hooks above (else its generic code does the same)."""
        return bool(getattr(self, "lora_enabled", False) or self.quantization_mode is not None)

    def _saved_values(self):
        """`[(name, array in Keras layout)]` in the order Keras saves them for the current mode."""
        raise NotImplementedError

    def _save_own_variables(self, store):
        if not self.built:
            return
        for index, (_, value) in enumerate(self._saved_values()):
            store[str(index)] = value

    def _load_own_variables(self, store):
        if not self.built:
            return
        names = [name for name, _ in self._saved_values()]
        if len(store) != len(names):
            raise ValueError(
                f"{self._layer_label()} (quantization_mode={self.quantization_mode!r}, lora_enabled="
                f"{self.lora_enabled}) expects {len(names)} saved variables ({', '.join(names)}), but the file holds "
                f"{len(store)}. The file was saved from a layer quantized differently; quantize (or not) the "
                "model the same way before loading.")
        with torch.no_grad():
            for index, name in enumerate(names):
                param = self._parameters[name]
                value = torch.from_numpy(np.array(store[str(index)], copy=True).reshape(np.shape(store[str(index)])))
                perm = self._weight_specs.get(name, {}).get("perm")
                expected = tuple(param.shape) if perm is None else tuple(param.shape[i] for i in np.argsort(perm))
                if tuple(value.shape) != expected:
                    raise ValueError(f"{self._layer_label()}: saved variable {index} ('{name}') has shape "
                                     f"{tuple(value.shape)}, expected {expected}. The file was saved from a different "
                                     "architecture or quantization.")
                if perm is not None:
                    value = value.permute(*perm)
                param.copy_(value.to(dtype=param.dtype, device=param.device))
            if self.lora_enabled:
                # Keras: the file's base weight already holds the merged delta
                for name in self._lora_names():
                    self._parameters[name].zero_()

    def _lora_names(self):
        return [f"lora_{self._lora_weight}_a", f"lora_{self._lora_weight}_b"]

