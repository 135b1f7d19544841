"""Output shapes without computing: trace a layer on shape-only ("fake") tensors.

A layer without `compute_output_shape` is run under torch's `FakeTensorMode`:
tensors carry shapes and dtypes but no data, so nothing is computed and no
memory is used. Real weights are accepted (`allow_non_fake_inputs`). Unknown
dimensions (`None`) are traced twice with different stand-in sizes; output
dimensions that change between the two traces are unknown (`None`) too.

Weights that a sub-layer creates during a trace are real: `build` runs outside
the fake mode (`outside_trace`).
"""

import contextlib
import logging

import torch
from torch._subclasses.fake_tensor import (
    DataDependentOutputException,
    DynamicOutputShapeException,
    FakeTensorMode,
    unset_fake_temporarily,
)

from lamina.backend.call_context import CALL_CONTEXT
from lamina.graph.keras_tensor import KerasTensor
from lamina.utils import tree

__all__ = ["trace_output_spec", "infer_output_shapes", "outside_trace", "is_tracing"]

# Stand-in sizes: (batch, other unknown dims) for the first and second trace. Powers of two
# for spatial dims so that models that pool and upsample (U-Net) still line up.
_TRIALS = ((2, 32), (3, 64))


def is_tracing() -> bool:
    """Whether layers run on fake tensors: lamina's shape inference, or any fake-tensor trace
    (`make_fx`, as the captured training step is traced). Layers then keep no tensor between
    calls and let no tensor value steer Python control flow."""
    return CALL_CONTEXT.trace_batch_size is not None or _fake_mode_active()


def _fake_mode_active():
    if torch.compiler.is_compiling():  # dynamo cannot trace the mode lookup; its graphs keep no state
        return False
    return torch._C._get_dispatch_mode(torch._C._TorchDispatchModeKey.FAKE) is not None


@contextlib.contextmanager
def outside_trace():
    """Suspends an active shape-inference trace (used around `build`)."""
    saved = CALL_CONTEXT.trace_batch_size
    CALL_CONTEXT.trace_batch_size = None
    try:
        with unset_fake_temporarily():
            yield
    finally:
        CALL_CONTEXT.trace_batch_size = saved


def _module_device(module):
    for p in module.parameters():
        return p.device
    for b in module.buffers():
        return b.device
    return torch.get_default_device()


def _has_unknown_dims(structure) -> bool:
    return any(isinstance(t, KerasTensor) and None in t.shape for t in tree.flatten(structure))


def _concrete(shape, trial):
    batch, other = trial
    return tuple((batch if i == 0 else other) if d is None else d for i, d in enumerate(shape))


def _merge_shapes(first, second):
    if second is None:
        return first
    if len(first) != len(second):
        return tuple(None for _ in first)
    return tuple(a if a == b else None for a, b in zip(first, second))


def trace_output_spec(call_fn, args, kwargs, device, description, reraise=(), real_fallback=False):
    """Runs `call_fn(*args, **kwargs)` with KerasTensors replaced by fake tensors.

    Args:
        call_fn: the callable to trace (a layer's `forward`, a torch function...).
        args, kwargs: arguments, possibly containing KerasTensors.
        device: device for the fake inputs (where the layer's weights are).
        description: used in the error message when tracing fails.
        reraise: exception types passed on unchanged (an op's own argument checks, whose
            messages already name the op, the argument and what was expected).
        real_fallback: when the function looks at values (a check such as "is this matrix
            positive-definite?"), which fake tensors cannot answer, run it once more on small real
            stand-in tensors (identity matrices in the last two dimensions when square, else ones),
            as Keras's torch backend does.

    Returns:
        The output structure with every tensor replaced by a KerasTensor.
    """
    trials = _TRIALS if _has_unknown_dims([list(args), kwargs]) else _TRIALS[:1]
    with _quiet_fake_tensor_log():
        results = _traces(call_fn, args, kwargs, device, description, reraise, trials, real_fallback)
    return _merge_traces(results)


@contextlib.contextmanager
def _quiet_fake_tensor_log():
    # torch logs a traceback for every op that fails under FakeTensorMode; the failure reaches the
    # user as one clear error instead.
    logger = logging.getLogger("torch._subclasses.fake_tensor")
    saved = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(saved)


_VALUE_DEPENDENT = (DataDependentOutputException, DynamicOutputShapeException)


def _string_stand_in(shape):
    """Strings have no tensor form: a layer traced on a string input (a StringLookup inside a
    custom layer) sees a NumPy array of empty strings, as it sees NumPy strings when run."""
    import numpy as np

    return np.full(shape, "", dtype=object)


def _stand_in(shape, dtype, device):
    """A real tensor most value checks accept: identity matrices when the last two dims are equal."""
    if dtype == "string":
        return _string_stand_in(shape)
    if len(shape) >= 2 and shape[-1] == shape[-2]:
        return torch.eye(shape[-1], device=device).to(dtype).expand(shape).clone()
    return torch.ones(shape, dtype=dtype, device=device)


def _real_trace(call_fn, args, kwargs, device, trial):
    def real(value):
        if isinstance(value, KerasTensor):
            return _stand_in(_concrete(value.shape, trial), value.dtype, device)
        return value

    with unset_fake_temporarily(), torch.no_grad():
        outputs = call_fn(*tree.map_structure(real, list(args)), **tree.map_structure(real, dict(kwargs)))
    return tree.map_structure(lambda t: (tuple(t.shape), t.dtype) if isinstance(t, torch.Tensor) else t, outputs)


def _traces(call_fn, args, kwargs, device, description, reraise, trials, real_fallback=False):
    results = []
    for trial in trials:
        saved_batch, saved_training = CALL_CONTEXT.trace_batch_size, CALL_CONTEXT.training
        try:
            try:
                spec = _fake_trace(call_fn, args, kwargs, device, trial)
            except _VALUE_DEPENDENT:
                if not real_fallback:
                    raise
                spec = _real_trace(call_fn, args, kwargs, device, trial)
        except Exception as error:  # noqa: BLE001 - re-raised with context below
            if reraise and isinstance(error, reraise):
                raise
            if isinstance(error, ValueError) and "'" in str(error) and "incompatible" in str(error):
                raise
            shapes = tree.map_structure(lambda v: v.shape if isinstance(v, KerasTensor) else v,
                                        [list(args), kwargs])
            raise ValueError(
                f"{description} failed while inferring its output shape from symbolic inputs "
                f"{shapes[0] if not shapes[1] else shapes}: {type(error).__name__}: {error}"
                + ("" if reraise else "\nIf this layer cannot run on shape-only tensors, give it a "
                   "compute_output_shape(input_shape) method.")
            ) from error
        finally:
            CALL_CONTEXT.trace_batch_size, CALL_CONTEXT.training = saved_batch, saved_training
        results.append(spec)
    return results


def _fake_trace(call_fn, args, kwargs, device, trial):
    with FakeTensorMode(allow_non_fake_inputs=True):
        def fake(value):
            if isinstance(value, KerasTensor):
                if value.dtype == "string":
                    return _string_stand_in(_concrete(value.shape, trial))
                return torch.empty(_concrete(value.shape, trial), dtype=value.dtype, device=device)
            return value

        CALL_CONTEXT.trace_batch_size = trial[0]
        if CALL_CONTEXT.training is None:
            CALL_CONTEXT.training = False
        outputs = call_fn(*tree.map_structure(fake, list(args)), **tree.map_structure(fake, dict(kwargs)))
        return tree.map_structure(lambda t: (tuple(t.shape), t.dtype) if isinstance(t, torch.Tensor) else t, outputs)


def _merge_traces(results):
    first = results[0]
    second_leaves = _spec_leaves(results[1]) if len(results) > 1 else None
    leaves = []
    for index, leaf in enumerate(_spec_leaves(first)):
        if _is_spec(leaf):
            other = second_leaves[index] if second_leaves is not None else None
            shape = _merge_shapes(leaf[0], other[0] if _is_spec(other) else None)
            leaves.append(KerasTensor(shape, dtype=leaf[1]))
        else:
            leaves.append(leaf)
    return _pack_spec(first, leaves)


def _is_spec(leaf) -> bool:
    """A traced tensor is summarised as a `(shape, dtype)` pair."""
    return isinstance(leaf, tuple) and len(leaf) == 2 and isinstance(leaf[1], torch.dtype)


def _spec_leaves(spec):
    """Leaves of a spec structure, where `(shape, dtype)` pairs count as leaves."""
    if _is_spec(spec):
        return [spec]
    if isinstance(spec, dict):
        return [leaf for v in spec.values() for leaf in _spec_leaves(v)]
    if isinstance(spec, (list, tuple)):
        return [leaf for v in spec for leaf in _spec_leaves(v)]
    return [spec]


def _pack_spec(spec, leaves):
    iterator = iter(leaves)

    def build(s):
        if _is_spec(s):
            return next(iterator)
        if isinstance(s, dict):
            return {k: build(v) for k, v in s.items()}
        if isinstance(s, list):
            return [build(v) for v in s]
        if isinstance(s, tuple):
            return tuple(build(v) for v in s)
        return next(iterator)

    return build(spec)


def infer_output_shapes(layer, input_shape):
    """Shapes-in, shapes-out for a layer without `compute_output_shape`, by tracing."""
    def to_tensor(shape):
        return KerasTensor(shape, dtype=layer.compute_dtype)

    if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple)):
        inputs = [to_tensor(s) for s in input_shape]
    elif isinstance(input_shape, dict):
        inputs = {k: to_tensor(s) for k, s in input_shape.items()}
    else:
        inputs = to_tensor(input_shape)
    outputs = trace_output_spec(layer.forward, (inputs,), {}, _module_device(layer),
                                f"Layer '{layer.name}' ({type(layer).__name__})")
    return tree.map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, outputs)
