"""Rematerialization (gradient checkpointing): Keras's `remat` and `RematScope` on
`torch.utils.checkpoint`.

`remat(f)` returns a function computing `f` without keeping its intermediate activations for the
backward pass (they are recomputed then): less memory, more compute. `RematScope(mode=...)` keeps
Keras's scope stack (`current_remat_mode()` gives the innermost one) but lamina layers do not
consult it yet: layers created inside a scope run as usual. Wrap a block with `remat` instead.
"""

import functools
import threading

import torch
from torch.utils.checkpoint import checkpoint

__all__ = ["remat", "RematScope", "current_remat_mode"]

_MODES = (None, "full", "activations", "larger_than", "list_of_layers")
_LOCAL = threading.local()


def remat(f):
    """Wraps `f` so that its activations are recomputed during backward instead of stored.

    Args:
        f: a callable on tensors (a function or a layer).

    Example:
        >>> block = lamina.remat(lambda x: torch.relu(x) ** 2)
        >>> y = block(torch.randn(4, requires_grad=True)).sum(); y.backward()
    """
    if not callable(f):
        raise TypeError(f"remat: expected a callable, received {f!r}.")

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        if not torch.is_grad_enabled():
            return f(*args, **kwargs)  # nothing would be stored for backward anyway
        return checkpoint(f, *args, use_reentrant=False, **kwargs)

    return wrapped


class RematScope:
    """Keras's `RematScope`: in Keras, selects which layers created inside rematerialize their
    `call`. lamina records the scope (`current_remat_mode()`) but its layers do not act on it yet;
    use `lamina.remat(fn)` to checkpoint a block.

    Args:
        mode: `"full"` (every layer), `"activations"` (activation functions),
            `"larger_than"` (layers whose output has more than `output_size_threshold`
            elements), `"list_of_layers"` (layers named in `layer_names`), or None (off).
        output_size_threshold: the size for `"larger_than"`.
        layer_names: the names for `"list_of_layers"`.

    Example:
        >>> with lamina.RematScope(mode="full"):
        ...     layer = lamina.layers.Dense(64)
        >>> lamina.backend.remat.current_remat_mode()   # outside: None
    """

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in _MODES:
            raise ValueError(f"RematScope: `mode` must be one of {list(_MODES)}. Received: mode={mode!r}.")
        if mode == "list_of_layers" and not layer_names:
            raise ValueError("RematScope: mode='list_of_layers' needs a non-empty `layer_names` list.")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or [])

    def __enter__(self):
        stack = getattr(_LOCAL, "stack", None)
        if stack is None:
            stack = _LOCAL.stack = []
        stack.append(self)
        return self

    def __exit__(self, *exc):
        _LOCAL.stack.pop()
        return False


def current_remat_mode():
    """The innermost active `RematScope`, or None."""
    stack = getattr(_LOCAL, "stack", None)
    return stack[-1] if stack and stack[-1].mode is not None else None
