"""Mixed policies (`"mixed_float16"`, `"mixed_bfloat16"`) run a layer's call under `torch.autocast`.

Variables stay float32 (the policy's variable dtype); autocast computes the
matmul/conv-like ops in the low-precision dtype on the device of the inputs.
Where autocast does not support the combination (float16 on some CPUs/builds,
other device types), the layer computes in float32 and a warning says so once.
"""

import contextlib
import warnings

import torch

__all__ = ["autocast_for", "autocast_dtype_of_policy", "outside_autocast"]

_WARNED = set()
_DTYPES = {"mixed_float16": torch.float16, "mixed_bfloat16": torch.bfloat16}


def autocast_dtype_of_policy(policy_name):
    """The autocast torch dtype of a mixed policy name, else None (no autocast)."""
    return _DTYPES.get(policy_name)


def _device_type(args):
    for value in args:
        if isinstance(value, torch.Tensor):
            return value.device.type
        if isinstance(value, (list, tuple)):
            found = _device_type(value)
            if found is not None:
                return found
    return None


def autocast_for(layer, args):
    """A context manager running `layer`'s call under autocast, or a null context.

    Skipped when autocast is already on for the device (an outer mixed layer set it).
    """
    device_type = _device_type(args)
    if device_type is None or torch.is_autocast_enabled(device_type):
        return contextlib.nullcontext()
    dtype = layer._autocast_dtype
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            context = torch.autocast(device_type, dtype=dtype)
        except (RuntimeError, ValueError) as error:  # device type without autocast support
            context = None
            caught.append(warnings.WarningMessage(str(error), RuntimeWarning, __file__, 0))
    if context is None or caught or not getattr(context, "_enabled", True):
        key = (device_type, dtype)
        if key not in _WARNED:
            _WARNED.add(key)
            reason = "; ".join(str(w.message) for w in caught) or "autocast is disabled"
            warnings.warn(
                f"Layer '{layer.name}' has dtype policy '{layer._dtype_policy_name}', but torch.autocast "
                f"does not support {dtype} on device '{device_type}' ({reason}). Falling back to "
                f"float32 compute; use 'mixed_bfloat16' on CPU or run on a GPU for 'mixed_float16'.",
                stacklevel=3)
        return contextlib.nullcontext()
    return context


def outside_autocast(args):
    """A context turning an enclosing autocast off, for a layer with a concrete dtype policy (a
    float32 output layer inside a mixed model computes in float32, as in Keras), else None."""
    device_type = _device_type(args)
    if device_type is None or not torch.is_autocast_enabled(device_type):
        return None
    return torch.autocast(device_type, enabled=False)
