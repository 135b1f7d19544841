"""A layer called on KerasTensors: build it, check inputs, infer outputs, record a node."""

import torch

from lamina.graph.keras_tensor import KerasTensor
from lamina.graph.node import Node
from lamina.graph.shape_inference import trace_output_spec, _module_device
from lamina.layers.implicit_masks import receives_implicit_mask, warn_mask_not_applied
from lamina.layers.input_spec import assert_input_compatibility
from lamina.utils import tree

__all__ = ["symbolic_call"]


def _is_shape(value) -> bool:
    return isinstance(value, (tuple, list)) and all(d is None or isinstance(d, int) for d in value)


def _shapes_to_tensors(shapes, dtype):
    if _is_shape(shapes):
        return KerasTensor(shapes, dtype=dtype)
    if isinstance(shapes, dict):
        return {k: _shapes_to_tensors(v, dtype) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)):
        return type(shapes)(_shapes_to_tensors(v, dtype) for v in shapes) if isinstance(shapes, list) \
            else tuple(_shapes_to_tensors(v, dtype) for v in shapes)
    return shapes


def _first_input(args, kwargs):
    if args:
        return args[0]
    return next(iter(kwargs.values()), None)


def _input_dtype(first):
    for t in tree.flatten(first):
        if isinstance(t, KerasTensor):
            return t.dtype
    return None


def _output_spec_from_shapes(layer, args, kwargs):
    """Uses the layer's own `compute_output_shape` (Keras's preferred route)."""
    shapes = layer._shapes_for_build(args, kwargs, names=layer._compute_output_shape_arg_names)
    output_shape = layer.compute_output_shape(*shapes)
    dtype = layer.compute_output_dtype(_input_dtype(_first_input(args, kwargs)))
    return _shapes_to_tensors(output_shape, dtype)


def _propagate_masks(layer, args, kwargs):
    """Symbolic inputs' masks go to layers whose `call` takes `mask=`."""
    first = _first_input(args, kwargs)
    masks = [getattr(t, "_keras_mask", None) for t in tree.flatten(first) if isinstance(t, KerasTensor)]
    if not any(m is not None for m in masks):
        return None
    mask = masks[0] if not tree.is_nested(first) else tree.pack_like(first, [
        getattr(t, "_keras_mask", None) if isinstance(t, KerasTensor) else None for t in tree.flatten(first)])
    return mask


def _cast_low_precision_inputs(layer, args):
    # A float32 layer fed float16/bfloat16 tensors (after mixed-precision layers) casts them, as
    # Keras's autocast does; decided here, once, so float32-only graphs pay nothing per call.
    if layer._cast_inputs_to is not None or layer._autocast_dtype is not None or not layer.autocast:
        return
    if layer._dtype_policy_name != "float32":
        return
    if any(isinstance(t, KerasTensor) and t.dtype in (torch.float16, torch.bfloat16) for t in tree.flatten(list(args))):
        layer._cast_inputs_to = torch.float32


def symbolic_call(layer, args, kwargs):
    """Calls `layer` on symbolic tensors and returns its symbolic outputs.

    Builds the layer from the input shapes, validates them against its input
    spec (errors name the layer and where the input came from), infers the
    output shapes without computing, and records a `Node`.
    """
    args = tuple(args)
    kwargs = dict(kwargs)
    if not layer._call_has_mask_arg:
        kwargs.pop("mask", None)
    input_mask = _propagate_masks(layer, args, kwargs)
    # Masks travel beside the tensors: the trace sees `mask=`, the recorded node does not (its
    # config stays the user's call); the plan passes the runtime mask to the layer.
    implicit_mask = None
    node_kwargs = kwargs
    if input_mask is not None and layer._call_has_mask_arg and kwargs.get("mask") is None:
        if receives_implicit_mask(args, kwargs):
            node_kwargs = dict(kwargs)
            kwargs = dict(kwargs, mask=input_mask)
            implicit_mask = input_mask
        else:
            warn_mask_not_applied(layer, kwargs)
    _cast_low_precision_inputs(layer, args)
    first = _first_input(args, kwargs)
    try:
        if not layer.built:
            # Also for the default build, which (as in Keras) records the shapes for `build_config`.
            layer._run_build(layer._shapes_for_build(args, kwargs))
        if layer.input_spec is not None:
            assert_input_compatibility(layer.input_spec, first, layer.name)
        own_rule = getattr(layer, "_symbolic_output_spec", None)
        outputs = own_rule(args, kwargs) if own_rule is not None else None
        if outputs is not None:
            pass
        elif layer._overrides_compute_output_shape:
            outputs = _output_spec_from_shapes(layer, args, kwargs)
        else:
            description = getattr(layer, "_trace_description", None) \
                or f"Layer '{layer.name}' ({type(layer).__name__})"
            outputs = trace_output_spec(layer.forward, args, kwargs, _module_device(layer), description,
                                        reraise=getattr(layer, "_trace_reraise", ()),
                                        # A `call` whose shapes depend on values (e.g. `ops.tile` with
                                        # repeats built from `ops.shape`) runs once on small real
                                        # stand-ins, as Keras's torch backend does.
                                        real_fallback=getattr(layer, "_trace_real_fallback", True))
    except ValueError as error:
        raise _with_sources(error, args, kwargs) from error.__cause__
    layer.built = True
    if not any(isinstance(t, KerasTensor) for t in tree.flatten(outputs)):
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) returned no tensor when called on symbolic "
            f"inputs; a layer in a Functional model must return a tensor or a structure of tensors."
        )
    _attach_output_masks(layer, first, input_mask, outputs)
    node = Node(layer, args, node_kwargs, outputs)
    node.implicit_mask = implicit_mask
    node.input_mask = input_mask
    return outputs


def _attach_output_masks(layer, first, input_mask, outputs):
    """Decides symbolically whether the outputs carry a mask, by tracing compute_mask."""
    if not (layer.supports_masking or layer._overrides_compute_mask):
        return
    if input_mask is None and not layer._overrides_compute_mask:
        return
    if layer._overrides_compute_mask:
        mask_spec = trace_output_spec(lambda x, m: layer.compute_mask(x, m), (first, input_mask), {},
                                      _module_device(layer), f"compute_mask of layer '{layer.name}'")
    else:
        mask_spec = input_mask
    flat_outputs = [t for t in tree.flatten(outputs) if isinstance(t, KerasTensor)]
    flat_masks = tree.flatten(mask_spec) if tree.is_nested(mask_spec) else [mask_spec] * len(flat_outputs)
    for tensor, mask in zip(flat_outputs, flat_masks):
        if isinstance(mask, KerasTensor):
            if mask._keras_history is None and mask._mask_of is None:
                mask._mask_of = tensor
            tensor._keras_mask = mask


def _with_sources(error, args, kwargs):
    """Adds to a shape error where each symbolic input came from."""
    message = str(error)
    sources = []
    for tensor in tree.flatten([list(args), kwargs]):
        if isinstance(tensor, KerasTensor) and tensor._keras_history is not None:
            history = tensor._keras_history
            sources.append(f"{history.operation.name}[{history.node_index}][{history.tensor_index}] "
                           f"with shape {tensor.shape}")
    if sources and "came from" not in message:
        message += "\nThe input(s) came from: " + "; ".join(sources) + "."
    new_error = ValueError(message)
    return new_error
