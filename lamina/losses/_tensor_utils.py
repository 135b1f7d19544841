"""Small tensor helpers shared by losses and metrics.

These mirror the few Keras backend utilities the loss and metric formulas rely on
(`convert_to_tensor`, `divide_no_nan`, `squeeze_or_expand_to_same_rank`, `floatx`),
written directly against torch so that nothing here needs the rest of lamina.
"""

import numpy as np
import torch

__all__ = [
    "EPSILON",
    "as_tensor",
    "carry_logits",
    "divide_no_nan",
    "dtype_name",
    "resolve_dtype",
    "squeeze_or_expand_to_same_rank",
]

# Keras `backend.epsilon()`: the fuzz factor used to clip probabilities and
# guard divisions. Matching it is what makes clipped values equal Keras's.
EPSILON = 1e-7

_DTYPE_NAMES = {
    "float16": torch.float16,
    "half": torch.float16,
    "float32": torch.float32,
    "float": torch.float32,
    "float64": torch.float64,
    "double": torch.float64,
    "bfloat16": torch.bfloat16,
    # Keras mixed-precision policy names: losses and metrics compute in the
    # policy's compute dtype.
    "mixed_float16": torch.float16,
    "mixed_bfloat16": torch.bfloat16,
}


def resolve_dtype(dtype):
    """Turns a dtype argument into a `torch.dtype`, or `None` for "default".

    Accepts `None`, a `torch.dtype`, a Keras dtype or policy name (`"float32"`,
    `"mixed_float16"`), a serialized Keras `DTypePolicy` dict, or an object with a
    `compute_dtype` attribute (a policy).
    """
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, dict):
        dtype = dtype.get("config", {}).get("name", dtype.get("name"))
    elif not isinstance(dtype, str) and hasattr(dtype, "compute_dtype"):
        dtype = dtype.compute_dtype
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, np.dtype) or (isinstance(dtype, type) and issubclass(dtype, np.generic)):
        dtype = np.dtype(dtype).name
    if isinstance(dtype, str) and dtype in _DTYPE_NAMES:
        return _DTYPE_NAMES[dtype]
    raise ValueError(
        f"Invalid value for argument `dtype`: expected a floating dtype such as "
        f"'float32', 'float64', 'bfloat16' or a torch.dtype, but received "
        f"dtype={dtype!r}."
    )


def dtype_name(dtype):
    """The Keras-style string name of a torch dtype (`torch.float32` -> "float32")."""
    if dtype is None:
        dtype = torch.get_default_dtype()
    return str(dtype).replace("torch.", "")


def as_tensor(x, dtype=None, device=None):
    """Converts `x` (tensor, array, list or number) to a tensor.

    Tensors that already have the requested dtype and device are returned as the
    same object, so attributes attached to them (`_keras_logits`, `_keras_mask`)
    survive.
    """
    if isinstance(x, torch.Tensor):
        if (dtype is None or x.dtype == dtype) and (device is None or x.device == device):
            return x
        return x.to(device=device, dtype=dtype, non_blocking=True)
    if dtype is None and not isinstance(x, np.ndarray):
        x = np.asarray(x)
        if x.dtype == np.float64:
            # Python floats become the default float dtype, like Keras floatx.
            x = x.astype(dtype_name(torch.get_default_dtype()))
    return torch.as_tensor(x, dtype=dtype, device=device)


def divide_no_nan(x, y):
    """`x / y`, with 0 where `y == 0` (Keras `ops.divide_no_nan`), without a sync."""
    if not isinstance(y, torch.Tensor):
        return x / y if y != 0 else x * 0
    return torch.where(y == 0, 0.0, x / y)


def carry_logits(new, old):
    """Re-attaches `old._keras_logits` to `new` after a reshape of `old`.

    lamina's softmax/sigmoid activations attach the pre-activation logits to their
    output so crossentropy can use the stable logits path; squeezing or expanding
    the prediction must not lose them.
    """
    if new is old:
        return new
    logits = getattr(old, "_keras_logits", None)
    if logits is not None and logits.numel() == new.numel():
        new._keras_logits = logits.reshape(new.shape)
    return new


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Squeezes or expands the last dim when ranks differ by exactly one.

    Same rule as Keras `squeeze_or_expand_to_same_rank`: a trailing dim of size 1
    is squeezed from the higher-rank tensor, except that a rank-1 partner is
    expanded instead when `expand_rank_1` is set.
    """
    r1, r2 = x1.dim(), x2.dim()
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = carry_logits(x2.unsqueeze(-1), x2)
        else:
            x1 = carry_logits(x1.squeeze(-1), x1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = carry_logits(x1.unsqueeze(-1), x1)
        else:
            x2 = carry_logits(x2.squeeze(-1), x2)
    return x1, x2
