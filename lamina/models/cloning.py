"""`clone_model`: the same architecture with new layers (new weights), as Keras 3 clones.

- **Sequential**: every layer goes through `clone_function`; the Input (same name, batch
  shape, dtype) is recreated, or built on the one tensor of `input_tensors`.
- **Functional**: the graph is replayed node by node on new `Input`s (or `input_tensors`),
  each layer replaced by `clone_function(layer)` (once per layer: a shared layer stays shared)
  and called through `call_function(layer, *args, **kwargs)` if given.
- **Subclassed** models: rebuilt from their config; `clone_function`, `input_tensors` and
  `call_function` are refused there.

With `recursive=True`, nested Sequential/Functional models are cloned with `clone_model` (same
`clone_function`, `call_function` and cache) instead of `clone_function`. A compiled model's
clone is compiled from its compile config.
"""

import inspect

from lamina.graph.keras_tensor import KerasTensor
from lamina.utils import tree

__all__ = ["clone_model"]


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs):
    """A new model with `model`'s architecture and freshly initialised weights.

    Args:
        model: a Sequential, Functional or subclassed lamina model.
        input_tensors: optional KerasTensors (the structure of `model.input`; one tensor for a
            Sequential) to build the clone on; by default new `Input`s like the model's.
        clone_function: `fn(layer) -> layer` applied to every non-input layer (default:
            `layer.__class__.from_config(layer.get_config())`); return the layer itself to
            share it, or another layer to replace it.
        call_function: `fn(layer, *args, **kwargs) -> outputs` calling each cloned layer
            (Functional models only), e.g. to insert layers after some of them.
        recursive: clone nested Sequential/Functional models with `clone_model` too (else
            they go through `clone_function` like any layer).
        **kwargs: `custom_objects` (lamina: classes needed to rebuild a subclassed model from
            its config) and Keras's internal `cache`; anything else is a ValueError.

    Returns:
        The new model (compiled like `model` if `model` was compiled).

    Example:
        >>> clone = lamina.models.clone_model(model)
        >>> def call_function(layer, *args, **kwargs):
        ...     out = layer(*args, **kwargs)
        ...     return lamina.layers.Dropout(0.5)(out) if isinstance(layer, lamina.layers.Dense) else out
        >>> with_dropout = lamina.models.clone_model(model, clone_function=lambda layer: layer,
        ...                                          call_function=call_function)
    """
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    cache = kwargs.pop("cache", None)
    custom_objects = kwargs.pop("custom_objects", None)
    if kwargs:
        raise ValueError(f"clone_model: unexpected keyword argument(s) {tuple(kwargs)}; it accepts model, "
                         f"input_tensors, clone_function, call_function, recursive and custom_objects.")
    for argument, value in (("clone_function", clone_function), ("call_function", call_function)):
        if value is not None and not callable(value):
            raise ValueError(f"clone_model: `{argument}` must be a callable, received {value!r}.")
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                f"clone_model: `call_function` is not supported with Sequential models (model '{model.name}'): "
                f"their layers are only listed, not called, when the model is built. Use call_function with "
                f"Functional models, or build the Sequential model's replacement yourself.")
        clone_function = _wrap_clone_function(clone_function, call_function, recursive, cache)
        return _clone_sequential(model, clone_function, input_tensors)
    if isinstance(model, Functional):
        # Keras tests `is_default(get_config) or clone_function or input_tensors` after wrapping
        # clone_function, which is then always set: every Functional model is cloned from its graph.
        clone_function = _wrap_clone_function(clone_function, call_function, recursive, cache)
        return _clone_functional(model, clone_function, input_tensors, call_function)
    if clone_function is not None or input_tensors is not None:
        raise ValueError(
            f"clone_model: `clone_function` and `input_tensors` are only supported for Sequential and Functional "
            f"models; model '{getattr(model, 'name', model)}' is a {type(model).__name__}. Clone a subclassed "
            f"model with clone_model(model) (rebuilt from its get_config()) instead.")
    if call_function is not None:
        raise ValueError(f"clone_model: `call_function` is only supported for Functional models; model "
                         f"'{getattr(model, 'name', model)}' is a {type(model).__name__}.")
    from lamina.saving.model_config import model_from_config
    from lamina.saving.saving_api import model_to_config

    known = {type(model).__name__: type(model), **(custom_objects or {})}
    # Lambda bytecode is accepted here: it comes from this process, not from a file.
    return model_from_config(model_to_config(model), custom_objects=known, safe_mode=False)


def _default_clone(layer):
    """Keras's default: `layer.__class__.from_config(layer.get_config())`; graph ops are rebuilt
    from what they replay (their config names a function, not a class to instantiate)."""
    from lamina.layers.core.torch_op import KerasOp, TorchOp
    from lamina.saving.safe_mode import safe_mode_scope

    if isinstance(layer, KerasOp):
        return KerasOp(layer.op_definition, layer.op_config, name=layer.name)
    if isinstance(layer, TorchOp):
        return TorchOp(layer.func, name=layer.name)
    # A Lambda's function comes from this process, not from a file: no safe-mode refusal.
    with safe_mode_scope(False):
        return layer.__class__.from_config(layer.get_config())


def _wrap_clone_function(clone_function, call_function, recursive, cache):
    """Adds the cache (one clone per layer: shared layers stay shared) and recursion."""
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    explicit = clone_function is not None
    base = clone_function if explicit else _default_clone
    cache = {} if cache is None else cache

    def wrapped(layer):
        if id(layer) in cache:
            return cache[id(layer)]
        if recursive and isinstance(layer, Sequential):
            clone = clone_model(layer, clone_function=clone_function, recursive=True, cache=cache)
        elif recursive and isinstance(layer, Functional):
            clone = clone_model(layer, clone_function=clone_function, call_function=call_function,
                                recursive=True, cache=cache)
        else:
            clone = base(layer)
        cache[id(layer)] = clone
        return clone

    return wrapped


def new_input_like(tensor, name=None, optional=False):
    """A new `Input` with `tensor`'s batch shape and dtype (string inputs included)."""
    from lamina import backend
    from lamina.layers.input_layer import Input

    dtype = tensor.dtype if tensor.dtype == "string" else backend.dtype_name(tensor.dtype)
    return Input(batch_shape=tensor.shape, dtype=dtype, name=name, optional=optional)


def _new_input(tensor, input_layer):
    return new_input_like(tensor, input_layer.name, getattr(input_layer, "optional", False))


def _compile_like(source, clone):
    if getattr(source, "compiled", False):
        clone.compile_from_config(source.get_compile_config())
    return clone


def _clone_sequential(model, clone_function, input_tensors):
    from lamina.layers.input_layer import Input
    from lamina.models.sequential import Sequential

    new_layers = [clone_function(layer) for layer in model.layers]
    input_layer = model._input_layer
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError(f"clone_model: a Sequential model takes one input tensor; `input_tensors` "
                                 f"holds {len(input_tensors)}.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError(f"clone_model: `input_tensors` must be a KerasTensor (from keras.Input()), "
                             f"received {type(input_tensors).__name__} {input_tensors!r}.")
        inputs = Input(tensor=input_tensors, name=input_layer.name if input_layer is not None else None,
                       optional=getattr(input_layer, "optional", False))
        new_layers = [inputs] + new_layers
    elif input_layer is not None:
        new_layers = [_new_input(input_layer._input_tensor, input_layer)] + new_layers
    clone = Sequential(new_layers, name=model.name, trainable=model.trainable)
    return _compile_like(model, clone)


def replay_nodes(nodes, flat_inputs, mapped, layer_for=None, call_function=None):
    """Calls the layers of `nodes` again on new tensors, in graph order.

    Args:
        nodes: the graph's nodes (any order).
        flat_inputs: the old tensors the replay starts from.
        mapped: `{id(old tensor): new tensor}`, holding the inputs' replacements; filled in with
            every tensor the replay makes (masks included).
        layer_for: `fn(layer) -> layer` giving the layer to call for each node (default: itself).
        call_function: optional `fn(layer, *args, **kwargs)` making the call.

    Nodes that need a tensor not computable from the inputs are skipped (as Keras does).
    """
    from lamina.graph.plan import _topological

    def substitute(value):
        return mapped[id(value)] if isinstance(value, KerasTensor) else value

    for node in _topological(nodes, flat_inputs):
        if node.is_input or any(id(t) not in mapped for t in node.input_tensors):
            continue
        args = tree.map_structure(substitute, list(node.call_args))
        kwargs = tree.map_structure(substitute, dict(node.call_kwargs))
        layer = layer_for(node.operation) if layer_for is not None else node.operation
        outputs = call_function(layer, *args, **kwargs) if call_function is not None else layer(*args, **kwargs)
        new_flat = [t for t in tree.flatten(outputs) if isinstance(t, KerasTensor)]
        for old, new in zip(node.flat_outputs, new_flat):
            mapped[id(old)] = new
            old_mask, new_mask = getattr(old, "_keras_mask", None), getattr(new, "_keras_mask", None)
            if old_mask is not None and new_mask is not None:
                mapped[id(old_mask)] = new_mask
    return mapped


def _functional_like_constructor(cls):
    from lamina.models.functional import Functional

    try:
        return inspect.getfullargspec(cls.__init__).args[1:] == inspect.getfullargspec(Functional.__init__).args[1:]
    except TypeError:
        return False


def _clone_functional(model, clone_function, input_tensors, call_function):
    from lamina.models.functional import Functional

    flat_old_inputs = list(model._flat_inputs)
    if input_tensors is not None:
        if isinstance(input_tensors, tuple) and not hasattr(input_tensors, "_fields"):
            input_tensors = list(input_tensors)
        flat_new = tree.flatten(input_tensors)
        if not all(isinstance(t, KerasTensor) for t in flat_new):
            raise ValueError(f"clone_model: every entry of `input_tensors` must be a KerasTensor (from "
                             f"keras.Input()); received {input_tensors!r}.")
        if len(flat_new) != len(flat_old_inputs):
            raise ValueError(f"clone_model: `input_tensors` must have the structure of model.input "
                             f"({len(flat_old_inputs)} tensor(s): {model._inputs_struct!r}); received "
                             f"{len(flat_new)}: {input_tensors!r}.")
        if len(flat_new) == 1 and isinstance(input_tensors, list) and isinstance(model._inputs_struct, KerasTensor):
            input_tensors = flat_new[0]
    else:
        input_tensors = tree.map_structure(
            lambda t: _new_input(t, t._keras_history.operation), model._inputs_struct)
        flat_new = tree.flatten(input_tensors)
    mapped = {id(old): new for old, new in zip(flat_old_inputs, flat_new)}

    replay_nodes(model._graph_nodes, flat_old_inputs, mapped, clone_function, call_function)
    missing = [t for t in model._flat_outputs if id(t) not in mapped]
    if missing:
        raise ValueError(f"clone_model: output(s) {missing} of model '{model.name}' are not connected to the "
                         f"inputs of the clone.")
    outputs = tree.pack_like(model._outputs_struct, [mapped[id(t)] for t in model._flat_outputs])
    cls = type(model)
    if cls is not Functional and _functional_like_constructor(cls):
        clone = cls(input_tensors, outputs, name=model.name)
    else:
        clone = Functional(input_tensors, outputs, name=model.name)
    return _compile_like(model, clone)
