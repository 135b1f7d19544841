"""Keras's channels_last tensors seen by torch kernels as channels-first views, one view per tensor.

Keras layers take `(N, *spatial, C)` tensors; torch's convolution, batch norm and pooling want
`(N, C, *spatial)`. A `permute` gives that as a view with no copy (torch then sees the
channels_last memory format, its fastest CPU path), and the result is permuted back.

Why one view per tensor: when a tensor feeds several such layers (a residual stage input feeding
the projection shortcut and the main branch, an Inception module's input feeding four
branches), a view per consumer gives the tensor one `PermuteBackward` per consumer. Their
gradients reach the tensor as *views* of the convolution's input gradient, and the autograd
engine can only sum gradients in place into a tensor that owns its storage alone: the first
view forces an out-of-place `add` of a whole activation (ResNet50, batch 16, 224x224: four
adds, 98 MB of fresh memory and its page faults per training step, which torch's NCHW twin
does not pay). With one shared view, the consumers' gradients (dense tensors made by the
kernels) are summed in place on the channels-first side, and a single `PermuteBackward`
passes the sum on. The values and gradients are the same; the view still depends on the
tensor, so gradients with respect to it (Grad-CAM) and hooks on it work as before.

The view is remembered on the tensor through a weak reference (it lives while a consumer, or
autograd's saved inputs, hold it: convolutions and batch norm keep it for the backward; a layer
that pads it first keeps the padded copy instead, and the next consumer makes a new view) and
only while autograd records, i.e. where gradients are summed; under `torch.compile` tracing the plain permute is used (the compiler merges the
views itself).
"""

import weakref

import torch

__all__ = ["channels_first_view", "channels_last_view"]

# Attribute holding (weakref to the view, the tensor's shape and strides when it was made).
_SHARED_VIEW = "_lamina_channels_first_view"


def _permute_to_channels_first(x, rank):
    return x.permute(0, rank + 1, *range(1, rank + 1))


def channels_first_view(x, rank):
    """(N, *spatial, C) -> (N, C, *spatial) as a view (torch sees channels_last memory format).

    While autograd records, every call on the same tensor returns the same view (see the module
    docstring: the gradients of its consumers are then summed in place).

    Args:
        x: tensor of `rank + 2` dims, channels last.
        rank: number of spatial dims.

    Returns:
        The channels-first view of `x`.
    """
    if not (x.requires_grad and torch.is_grad_enabled()) or torch.compiler.is_compiling():
        return _permute_to_channels_first(x, rank)
    shape, strides = x.shape, x.stride()
    cached = x.__dict__.get(_SHARED_VIEW)
    if cached is not None and cached[1] == shape and cached[2] == strides:
        view = cached[0]()
        # A view made for another rank (never in Keras's layers) or before an in-place change
        # of the tensor's metadata is not reused.
        if view is not None and view.dim() == rank + 2:
            return view
    view = _permute_to_channels_first(x, rank)
    x.__dict__[_SHARED_VIEW] = (weakref.ref(view), shape, strides)
    return view


def channels_last_view(x, rank):
    """(N, C, *spatial) -> (N, *spatial, C) as a view."""
    return x.permute(0, *range(2, rank + 2), 1)
