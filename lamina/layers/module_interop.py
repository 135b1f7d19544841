"""Plain `torch.nn.Module`s called directly on KerasTensors become graph nodes.

`y = torch.nn.Linear(8, 4)(x)` with `x` from `lamina.Input` runs the module's
`forward` with KerasTensor arguments. The first torch function it applies to a
KerasTensor reaches `KerasTensor.__torch_function__`, which calls
`intercept_module_call`: it walks the Python stack for the outermost
`nn.Module._call_impl` frame of a plain (non-lamina) module, wraps that module
in a `TorchModuleWrapper` (shape inference by fake-tensor tracing) and records
the node with the module's original arguments. The wrapper's symbolic output
is then returned for *every* torch function still executed inside that
`forward` call, so whatever the forward returns is the whole module's output.

Why not a global forward pre-hook: it would cost every eager module call in
the process; this path only runs while a model is being defined (KerasTensors
exist only then), so its cost is irrelevant.

Limit: the module must return a single tensor (tracing tells); otherwise the
error suggests calling `TorchModuleWrapper(module)` explicitly.
"""

import sys
import weakref

from torch import nn

__all__ = ["intercept_module_call"]

_CALL_IMPL_CODES = tuple(
    code for code in (getattr(getattr(nn.Module, n, None), "__code__", None)
                      for n in ("_call_impl", "_wrapped_call_impl")) if code is not None)
# One wrapper per module, so a module called twice shares its weights (like a layer).
_WRAPPERS = weakref.WeakKeyDictionary()
# id(frame) -> (frame, symbolic output) for module calls in progress.
_ACTIVE = {}
_NOT_FOUND = object()


def _is_lamina_layer(module) -> bool:
    from lamina.layers.layer import Layer  # (module_interop is imported by layer.py's dependents)

    return isinstance(module, Layer)


def _outermost_plain_module_frame():
    """The outermost in-progress `_call_impl` frame of a plain torch module, or None.

    Stops at a lamina Layer frame: a plain module run *inside* a layer's call is
    that layer's business (it then sees real or fake tensors, not KerasTensors).
    """
    found, live = None, set()
    frame = sys._getframe(1)
    while frame is not None:
        live.add(id(frame))
        if frame.f_code in _CALL_IMPL_CODES:
            module = frame.f_locals.get("self")
            if isinstance(module, nn.Module):
                if _is_lamina_layer(module):
                    break
                found = frame
        frame = frame.f_back
    # Drop records of finished calls (their frames are no longer on the stack).
    for key in [k for k in _ACTIVE if k not in live]:
        del _ACTIVE[key]
    return found


def _wrapper_for(module):
    from lamina.layers.core.torch_module_wrapper import TorchModuleWrapper

    wrapper = _WRAPPERS.get(module)
    if wrapper is None:
        wrapper = TorchModuleWrapper(module, name=_default_name(module))
        _WRAPPERS[module] = wrapper
    return wrapper


def _default_name(module):
    from lamina import backend

    # "torch_linear", "torch_linear_1": the summary shows which module each node is.
    return backend.unique_name("torch_" + backend.to_snake_case(type(module).__name__).strip("_"))


def intercept_module_call():
    """Returns the symbolic output of the enclosing plain module call, or `_NOT_FOUND`."""
    frame = _outermost_plain_module_frame()
    if frame is None:
        return _NOT_FOUND
    record = _ACTIVE.get(id(frame))
    if record is not None and record[0] is frame:
        return record[1]
    module = frame.f_locals["self"]
    args = frame.f_locals.get("args", ())
    kwargs = frame.f_locals.get("kwargs", {}) or {}
    wrapper = _wrapper_for(module)
    try:
        output = wrapper(*args, **kwargs)
    except Exception as error:
        raise ValueError(
            f"The torch module {type(module).__name__} ({module!r:.80}) was called on symbolic "
            f"KerasTensors, so lamina wraps it as a graph node, but its output shape could not be "
            f"inferred by tracing it on shape-only tensors: {error}. Wrap it explicitly with "
            f"`TorchModuleWrapper(module, output_shape=...)` (a tuple or a callable of the input "
            f"shape), or write a Layer with compute_output_shape()."
        ) from error
    from lamina.graph.keras_tensor import KerasTensor

    if not isinstance(output, KerasTensor):
        raise ValueError(
            f"The torch module {type(module).__name__} was called on symbolic KerasTensors and "
            f"returns a structure ({type(output).__name__}), not a single tensor; a direct call "
            f"only supports single-tensor outputs. Use `outputs = TorchModuleWrapper(module)(x)` "
            f"instead, which returns the whole structure."
        )
    _ACTIVE[id(frame)] = (frame, output)
    return output


NOT_FOUND = _NOT_FOUND
