"""Process-wide settings of `keras.config` / `keras.backend`, in one place.

Each setting is a plain module-level value read where it matters:
`epsilon()` by losses and metrics, `image_data_format()` by layers given
`data_format=None`, `max_epochs()`/`max_steps_per_epoch()` by `fit`, the interactive-logging
flag by the progress bar, the flash-attention flag by `MultiHeadAttention`, the
unsafe-deserialization flag by `.keras` loading. `clear_session()` resets the ones Keras keeps
in its global state (logging, flash attention, traceback filtering, unsafe deserialization,
the `get_uid` counters, the global dtype policy); `floatx`, `epsilon`, `image_data_format` and
the epoch/step caps survive it, as in Keras.
"""

import collections
import os

__all__ = [
    "backend", "set_backend", "epsilon", "set_epsilon", "image_data_format", "set_image_data_format",
    "max_epochs", "set_max_epochs", "max_steps_per_epoch", "set_max_steps_per_epoch",
    "enable_interactive_logging", "disable_interactive_logging", "is_interactive_logging_enabled",
    "enable_traceback_filtering", "disable_traceback_filtering", "is_traceback_filtering_enabled",
    "enable_flash_attention", "disable_flash_attention", "is_flash_attention_enabled", "is_nnx_enabled",
    "enable_unsafe_deserialization", "in_safe_mode", "get_uid",
]

_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
# Keras reads these two caps from the environment too, to shorten a script's run without editing it.
_MAX_EPOCHS = int(os.environ["KERAS_MAX_EPOCHS"]) if os.environ.get("KERAS_MAX_EPOCHS") else None
_MAX_STEPS_PER_EPOCH = (int(os.environ["KERAS_MAX_STEPS_PER_EPOCH"])
                        if os.environ.get("KERAS_MAX_STEPS_PER_EPOCH") else None)

# Keras's "global state" flags: reset by clear_session().
_STATE = {}
_DEFAULTS = {"interactive_logging": True, "traceback_filtering": True, "flash_attention": None,
             "safe_mode_saving": None}


def _get(key):
    return _STATE.get(key, _DEFAULTS[key])


def reset_global_state() -> None:
    """Back to the defaults of the flags Keras keeps in its global state (see `clear_session`)."""
    _STATE.clear()
    _UIDS.clear()


# ---------------------------------------------------------------------------------- backend

def backend() -> str:
    """The name of the backend: always `"torch"` (Keras code branching on it takes its PyTorch path)."""
    return "torch"


def set_backend(backend):
    """Keras switches backends by reloading itself; lamina runs on torch only.

    Args:
        backend: must be `"torch"` (a no-op); any other name raises `ValueError`.
    """
    if backend != "torch":
        raise ValueError(
            f"lamina runs on PyTorch only; set_backend({backend!r}) cannot switch to another backend. "
            "Use real Keras for the jax/tensorflow/numpy backends, or pass backend='torch'."
        )


def is_nnx_enabled() -> bool:
    """Flax NNX integration (a Keras-on-JAX feature): always False here."""
    return False


# ---------------------------------------------------------------------------------- numerics

def epsilon() -> float:
    """The fuzz factor used in numeric expressions (default `1e-7`)."""
    return _EPSILON


def set_epsilon(value) -> None:
    """Sets the fuzz factor returned by `epsilon()` (read by losses, metrics, constraints...).

    Example:
        >>> lamina.config.set_epsilon(1e-5)
    """
    global _EPSILON
    _EPSILON = value


def image_data_format() -> str:
    """The default `data_format` of image layers given `data_format=None` (`"channels_last"`)."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format) -> None:
    """Sets the default data format: `"channels_last"` or `"channels_first"`.

    Layers created afterwards with `data_format=None` use it (and store it in their config).
    """
    global _IMAGE_DATA_FORMAT
    value = str(data_format).lower()
    if value not in {"channels_first", "channels_last"}:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    _IMAGE_DATA_FORMAT = value


# ---------------------------------------------------------------------------------- fit caps

def max_epochs():
    """The cap on `fit`'s epochs set by `set_max_epochs` or `KERAS_MAX_EPOCHS` (None: no cap)."""
    return _MAX_EPOCHS


def set_max_epochs(max_epochs) -> None:
    """Caps the epochs of every `fit` call (for quick debugging runs); `None` removes the cap."""
    global _MAX_EPOCHS
    _MAX_EPOCHS = max_epochs


def max_steps_per_epoch():
    """The cap on steps per epoch set by `set_max_steps_per_epoch` or `KERAS_MAX_STEPS_PER_EPOCH`."""
    return _MAX_STEPS_PER_EPOCH


def set_max_steps_per_epoch(max_steps_per_epoch) -> None:
    """Caps the steps of every epoch of `fit` (for quick debugging runs); `None` removes the cap."""
    global _MAX_STEPS_PER_EPOCH
    _MAX_STEPS_PER_EPOCH = max_steps_per_epoch


# ---------------------------------------------------------------------------------- flags

def enable_interactive_logging() -> None:
    """Progress bars and epoch lines go to stdout (the default)."""
    _STATE["interactive_logging"] = True


def disable_interactive_logging() -> None:
    """Progress goes to the Python logger `"lamina"` (level INFO), one line per epoch, instead of
    stdout (Keras sends it to absl logging)."""
    _STATE["interactive_logging"] = False


def is_interactive_logging_enabled() -> bool:
    return _get("interactive_logging")


def enable_traceback_filtering() -> None:
    """Accepted for Keras compatibility. Keras hides its own frames from tracebacks; lamina
    never filters tracebacks (its frames are short and its errors name the layer), so this
    flag only changes what `is_traceback_filtering_enabled()` answers."""
    _STATE["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    """Accepted for Keras compatibility (see `enable_traceback_filtering`)."""
    _STATE["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    return _get("traceback_filtering")


def enable_flash_attention() -> None:
    """Lets attention pick flash kernels when the inputs allow (Keras sets the flag back to
    "auto", `None`; torch's `scaled_dot_product_attention` then chooses)."""
    _STATE["flash_attention"] = None


def disable_flash_attention() -> None:
    """`MultiHeadAttention` layers created afterwards exclude torch's flash-attention kernel."""
    _STATE["flash_attention"] = False


def is_flash_attention_enabled():
    """`None` (auto, the default), or `False` after `disable_flash_attention()`."""
    return _get("flash_attention")


def enable_unsafe_deserialization() -> None:
    """Turns safe mode off for all later loads: `load_model` then rebuilds `Lambda` layers
    stored as Python bytecode even with the default `safe_mode=True` (as Keras does). Only do
    this for files you trust: loading them runs code from the file."""
    _STATE["safe_mode_saving"] = False


def in_safe_mode():
    """The process-wide safe-mode override: `False` after `enable_unsafe_deserialization()`,
    else `None` (each load's `safe_mode` argument decides)."""
    return _get("safe_mode_saving")


# ---------------------------------------------------------------------------------- uids

_UIDS = collections.Counter()


def get_uid(prefix="") -> int:
    """Keras's `get_uid`: 1 for the first call with `prefix`, then 2, 3, ... (reset by clear_session).

    Example:
        >>> lamina.backend.get_uid("dense"), lamina.backend.get_uid("dense")
        (1, 2)
    """
    _UIDS[prefix] += 1
    return _UIDS[prefix]
