"""`lamina.config`: Keras 3's `keras.config`, the process-wide settings (all 25 names).

| name | effect in lamina |
|---|---|
| `floatx` / `set_floatx` | default float dtype of weights, inputs and random draws |
| `epsilon` / `set_epsilon` | fuzz factor of losses, metrics, constraints |
| `image_data_format` / `set_image_data_format` | `data_format=None` of conv, pooling, reshaping layers created afterwards |
| `dtype_policy` / `set_dtype_policy` | the global `DTypePolicy` (same objects as `lamina.mixed_precision`) |
| `max_epochs` / `set_max_epochs`, `max_steps_per_epoch` / `set_max_steps_per_epoch` | caps on `fit` (also `KERAS_MAX_EPOCHS` / `KERAS_MAX_STEPS_PER_EPOCH`) |
| `enable_interactive_logging` / `disable_...` / `is_...` | progress to stdout, or to the `logging` logger `"lamina"` |
| `enable_flash_attention` / `disable_...` / `is_...` | `MultiHeadAttention` may / may not use torch's flash SDPA kernel |
| `enable_unsafe_deserialization` | `load_model` accepts Lambda bytecode even with `safe_mode=True` |
| `enable_traceback_filtering` / `disable_...` / `is_...` | accepted; lamina does not filter tracebacks |
| `backend` / `set_backend` | `"torch"`; `set_backend` accepts only `"torch"` |
| `is_nnx_enabled` | `False` (a JAX feature) |

lamina's own (not in Keras, so not in `__all__`): `set_num_threads` / `num_threads`, the intra-op
thread count of `fit`/`evaluate`/`predict` on CPU (`"auto"` measures; also `LAMINA_NUM_THREADS`;
see `lamina/trainers/threads.py`).

Example:
    >>> import lamina as keras
    >>> keras.config.backend()
    'torch'
    >>> keras.config.set_image_data_format("channels_first")
"""

from lamina.backend.config import (backend, disable_flash_attention, disable_interactive_logging,
                                   disable_traceback_filtering, enable_flash_attention,
                                   enable_interactive_logging, enable_traceback_filtering,
                                   enable_unsafe_deserialization, epsilon, image_data_format,
                                   is_flash_attention_enabled, is_interactive_logging_enabled,
                                   is_nnx_enabled, is_traceback_filtering_enabled, max_epochs,
                                   max_steps_per_epoch, set_backend, set_epsilon, set_image_data_format,
                                   set_max_epochs, set_max_steps_per_epoch)
from lamina.backend.dtypes import floatx, set_floatx
from lamina.mixed_precision.policy import dtype_policy, set_dtype_policy
from lamina.trainers.threads import num_threads, set_num_threads  # lamina's own, outside __all__

__all__ = [
    "backend", "disable_flash_attention", "disable_interactive_logging", "disable_traceback_filtering",
    "dtype_policy", "enable_flash_attention", "enable_interactive_logging", "enable_traceback_filtering",
    "enable_unsafe_deserialization", "epsilon", "floatx", "image_data_format", "is_flash_attention_enabled",
    "is_interactive_logging_enabled", "is_nnx_enabled", "is_traceback_filtering_enabled", "max_epochs",
    "max_steps_per_epoch", "set_backend", "set_dtype_policy", "set_epsilon", "set_floatx",
    "set_image_data_format", "set_max_epochs", "set_max_steps_per_epoch",
]
