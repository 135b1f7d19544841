"""Small helpers shared by the activation functions."""

from __future__ import annotations

import torch

from lamina.graph.keras_tensor import KerasTensor

__all__ = ["as_tensor", "attach_logits"]


def as_tensor(x) -> torch.Tensor:
    """Returns `x` as a tensor; tensors pass through untouched.

    Keras activations accept lists and numpy arrays too. Python numbers become
    the default float dtype (as `keras.ops.convert_to_tensor` gives float32),
    because most activations are undefined on integers.
    """
    if isinstance(x, torch.Tensor):
        return x
    if isinstance(x, KerasTensor):
        # A symbolic input (`keras.activations.sigmoid(logits)` in a Functional model): the torch
        # functions below record themselves as graph nodes on it.
        return x
    tensor = torch.as_tensor(x)
    if not (tensor.is_floating_point() or tensor.is_complex()):
        tensor = tensor.to(torch.get_default_dtype())
    return tensor


def attach_logits(output: torch.Tensor, logits: torch.Tensor, activation: str = None,
                  axis: int = -1) -> torch.Tensor:
    """Records the pre-activation `logits` on `output` as `output._keras_logits`.

    Keras does this in `softmax` and `sigmoid` so that a crossentropy loss given
    probabilities can use the numerically stable logits path instead. It is an
    eager-mode convenience: under `torch.compile`/`torch.export` tracing a Python
    attribute on a tensor cannot be traced, so it is skipped, and any tensor type
    that refuses attributes is skipped silently too.
    """
    if torch.compiler.is_compiling():
        return output
    try:
        output._keras_logits = logits
        # Which activation made the probabilities, so a loss only trusts the logits where the
        # maths matches (sigmoid with binary, softmax over the class axis with categorical).
        output._keras_activation = activation
        output._keras_activation_axis = axis
    except (AttributeError, TypeError, RuntimeError):
        pass
    return output
