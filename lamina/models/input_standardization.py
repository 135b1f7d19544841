"""Keras's input rules for calling a model built on `Input`s: dtype casts and a one-off rank fix.

Keras 3 converts every input of a Functional (and so of a Sequential with an `Input`) to the
`Input`'s dtype, and adjusts a rank that is one off when the odd axis has size 1:
`(N, 28, 28)` into `Input((28, 28, 1))` gets the trailing axis, `(N, 10, 1)` into
`Input((10,))` loses it. Any other rank is an error naming the input. A model's call runs the
check as two comparisons per input; the conversion itself only runs on mismatch.

Casts follow Keras where they matter and stay out of torch users' way otherwise: bool and integer
data into a float input become that float dtype (one-hot bool arrays into an LSTM), float or bool
data into an integer input become that integer dtype (token ids given as floats), while one float
dtype into another float input is left alone (a model moved to float64 with `.double()` keeps its
float64 data; NumPy float64 already becomes `floatx` when `fit` converts arrays).
"""

import torch

__all__ = ["fix_rank", "input_spec_of", "needs_standardizing", "standardize_input"]


def input_spec_of(keras_tensor):
    """`(dtype, rank, shape)` of a model input, kept once so a call compares cheaply."""
    return (keras_tensor.dtype, len(keras_tensor.shape), tuple(keras_tensor.shape))


def _cast_target(received, expected):
    if received is expected:
        return None
    if expected.is_floating_point:
        return expected if not received.is_floating_point and not received.is_complex else None
    if expected == torch.bool:
        return None
    # integer input: float and bool data are cast; another integer width is left as given
    return expected if received.is_floating_point or received == torch.bool else None


def needs_standardizing(tensor, spec) -> bool:
    """True when `tensor` needs a cast or a rank fix for an input of `spec` (a cheap test)."""
    return tensor.dim() != spec[1] or (tensor.dtype is not spec[0] and _cast_target(tensor.dtype, spec[0]) is not None)


def standardize_input(tensor, spec, model_name, input_name):
    """`tensor` cast and reshaped for a model input, by Keras's rules (see the module docstring).

    Args:
        tensor: the value given for the input (a tensor).
        spec: `input_spec_of(the input's KerasTensor)`.
        model_name, input_name: for the error message.

    Raises:
        ValueError: the rank differs in any other way than one axis of size 1.
    """
    if not isinstance(tensor, torch.Tensor):
        return tensor
    dtype, rank, shape = spec
    tensor = fix_rank(tensor, shape, model_name, input_name)
    target = _cast_target(tensor.dtype, dtype)
    if target is not None:
        tensor = tensor.to(target)
    return tensor


def fix_rank(value, shape, model_name, input_name, strings=False):
    """`value` (a tensor, or a NumPy array of strings, which stays NumPy) with Keras's one-off rank
    fix for an input of `shape`: one missing trailing axis of size 1 added, one extra removed.

    Raises:
        ValueError: the rank differs in any other way (naming the model, the input and both shapes).
    """
    rank, ndim = len(shape), value.ndim
    if ndim == rank:
        return value
    if ndim == rank + 1 and value.shape[-1] == 1:
        return value[..., 0]
    if ndim == rank - 1 and rank > 0 and shape[-1] == 1:
        return value[..., None]
    what, received = ("strings of shape", "an array of strings") if strings else ("shape", "a tensor")
    raise ValueError(
        f"Model '{model_name}': input '{input_name}' expects {what} {_shape_text(shape)} (rank {rank}, batch "
        f"first), but received {received} of shape {tuple(value.shape)} (rank {ndim}). Only one "
        f"missing or extra trailing axis of size 1 is added or removed automatically; reshape the data, "
        f"e.g. x.reshape(-1, {', '.join(str(d) for d in shape[1:])}) when the batch axis is first.")


def _shape_text(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
