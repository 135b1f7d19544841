"""Keras dtype policies: which dtype a layer stores its weights in and computes in.

`"float32"` (default), `"float16"`, `"bfloat16"`, `"float64"`, and the mixed
policies `"mixed_float16"` / `"mixed_bfloat16"` (float32 weights, lower-precision
compute).
"""

from lamina.mixed_precision.policy import (
    DTypePolicy,
    dtype_policy,
    global_policy,
    global_policy_name,
    serialize_policy,
    set_dtype_policy,
    set_global_policy,
)

from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer

# Keras's older name for the same class (`keras.mixed_precision.Policy`).
Policy = DTypePolicy

__all__ = [
    "DTypePolicy",
    "LossScaleOptimizer",
    "Policy",
    "dtype_policy",
    "global_policy",
    "set_dtype_policy",
    "set_global_policy",
    "serialize_policy",
    "global_policy_name",
]
