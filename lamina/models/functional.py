"""`Functional`: a model defined by a graph of layer calls from `Input`s to outputs."""

import numpy as np
import torch

from lamina import backend

from lamina.graph.keras_tensor import KerasTensor
from lamina.graph.map_graph import map_graph
from lamina.graph.plan import Plan
from lamina.layers.input_layer import InputLayer
from lamina.models.input_standardization import (
    fix_rank,
    input_spec_of,
    needs_standardizing,
    standardize_input,
)
from lamina.models.model import Model
from lamina.utils import tree

__all__ = ["Functional"]


def _register_layers(model, layers):
    """Layers become child modules named by layer name (`state_dict` keys `dense_1.kernel`).

    They go straight into `_modules` so a layer may be called `output` or
    `input` without clashing with the model's attributes of the same name.
    """
    for layer in layers:
        if "." in layer.name:
            raise ValueError(
                f"Layer name {layer.name!r} contains '.', which PyTorch module names cannot; rename "
                f"the layer (e.g. name={layer.name.replace('.', '_')!r})."
            )
        model._modules[layer.name] = layer


class Functional(Model):
    """A model built from symbolic tensors: `Model(inputs, outputs)`.

    Args:
        inputs: an `Input` tensor, or a list/tuple/dict of them.
        outputs: a symbolic tensor, or a list/tuple/dict of them.
        name: model name (default `functional`, `functional_1`, ...).
        trainable: whether the model's weights are trainable.

    Calling the model runs a plan computed once here. Dict inputs are matched
    by key: missing or unexpected keys are an error, never a silent reorder.

    Example:
        >>> inputs = Input(shape=(20,))
        >>> outputs = layers.Dense(10)(layers.Dense(64, activation="relu")(inputs))
        >>> model = Model(inputs, outputs)
        >>> model(torch.ones(2, 20)).shape
        torch.Size([2, 10])
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        if "dtype" in kwargs and kwargs["dtype"] is None:
            kwargs.pop("dtype")
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs):
        if isinstance(inputs, tuple) and not hasattr(inputs, "_fields"):
            inputs = list(inputs)
        if isinstance(outputs, tuple) and not hasattr(outputs, "_fields"):
            outputs = list(outputs)
        flat_inputs = tree.flatten(inputs)
        flat_outputs = tree.flatten(outputs)
        if not flat_inputs:
            raise ValueError(f"Model '{self.name}' needs at least one input tensor (from keras.Input).")
        for index, tensor in enumerate(flat_inputs):
            if not isinstance(tensor, KerasTensor):
                raise TypeError(
                    f"Model '{self.name}': input {index} must be a symbolic tensor from keras.Input(), "
                    f"received {type(tensor).__name__}."
                )
            if tensor._keras_history is None:
                raise ValueError(
                    f"Model '{self.name}': input {index} ({tensor!r}) was not made by keras.Input() or a layer "
                    f"call. Pass the Input tensor (or a tensor computed from one) instead.")
        if not flat_outputs:
            raise ValueError(f"Model '{self.name}' needs at least one output tensor.")
        if not all(isinstance(t._keras_history.operation, InputLayer) for t in flat_inputs):
            inputs, outputs = _rebase_on_new_inputs(self.name, inputs, outputs)
            flat_inputs, flat_outputs = tree.flatten(inputs), tree.flatten(outputs)
        graph = map_graph(flat_inputs, flat_outputs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._flat_inputs = flat_inputs
        self._flat_outputs = flat_outputs
        self._graph_nodes = graph.nodes
        self._nodes_by_depth = graph.nodes_by_depth
        self._graph_layers = graph.layers
        _register_layers(self, graph.layers)
        self._plan = Plan(flat_inputs, flat_outputs, graph.nodes, self.name)
        self._input_specs = [input_spec_of(t) for t in flat_inputs]
        self._input_keys = list(inputs.keys()) if isinstance(inputs, dict) else None
        self._single_input = isinstance(inputs, KerasTensor)
        self._single_output = isinstance(outputs, KerasTensor)
        self._build_shapes = tree.map_structure(lambda t: t.shape, inputs)
        self.built = True

    # ------------------------------------------------------------------ structure

    @property
    def layers(self) -> list:
        """The layers, ordered by depth from the inputs, as in Keras (InputLayers included)."""
        return list(self._graph_layers)

    @property
    def inputs(self) -> list:
        """Flat list of the model's input tensors."""
        return list(self._flat_inputs)

    @property
    def outputs(self) -> list:
        """Flat list of the model's output tensors."""
        return list(self._flat_outputs)

    @property
    def input(self):
        """The inputs in the structure given to the constructor."""
        return self._inputs_struct

    @property
    def output(self):
        """The outputs in the structure given to the constructor."""
        return self._outputs_struct

    @property
    def input_names(self) -> list:
        if self._input_keys is not None:
            return list(self._input_keys)
        return [t._keras_history.operation.name for t in self._flat_inputs]

    @property
    def output_names(self) -> list:
        if isinstance(self._outputs_struct, dict):
            return list(self._outputs_struct.keys())
        return [t._keras_history.operation.name for t in self._flat_outputs]

    @property
    def input_shape(self):
        shapes = [t.shape for t in self._flat_inputs]
        return shapes[0] if self._single_input else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self._flat_outputs]
        return shapes[0] if self._single_output else shapes

    # ------------------------------------------------------------------ calling

    def call(self, inputs, training=None, mask=None):
        specs = self._input_specs
        if self._single_input and isinstance(inputs, torch.Tensor):
            spec = specs[0]
            if inputs.dtype != spec[0] or inputs.dim() != spec[1]:  # Keras's dtype cast / rank fix (rare)
                inputs = standardize_input(inputs, spec, self.name, self.input_names[0])
            outputs = self._plan.run((inputs,))
        else:
            flat = self._flatten_inputs(inputs)
            for index, (value, spec) in enumerate(zip(flat, specs)):
                if isinstance(value, torch.Tensor) and needs_standardizing(value, spec):
                    flat[index] = standardize_input(value, spec, self.name, self.input_names[index])
            outputs = self._plan.run(flat)
        if self._single_output:
            return outputs[0]
        return tree.pack_like(self._outputs_struct, outputs)

    def _flatten_inputs(self, inputs):
        """Matches call inputs to the model's inputs: dicts by key, sequences by position."""
        expected = len(self._flat_inputs)
        if isinstance(inputs, dict):
            names = self.input_names
            missing = [k for k in names if k not in inputs]
            extra = [k for k in inputs if k not in names]
            if missing or extra:
                raise ValueError(
                    f"Model '{self.name}' expects inputs with keys {names}, but received keys "
                    f"{list(inputs.keys())}" + (f"; missing: {missing}" if missing else "")
                    + (f"; unexpected: {extra}" if extra else "") + ". Dict inputs are matched by key."
                )
            if self._input_keys is None and len(names) == 1:
                return [inputs[names[0]]]
            return [inputs[k] for k in names]
        if self._input_keys is not None and expected > 1:
            raise ValueError(
                f"Model '{self.name}' was built with dict inputs {self._input_keys}; call it with a dict "
                f"with those keys (received a {type(inputs).__name__}). Positional order is not used, so "
                f"inputs can never be silently swapped."
            )
        if isinstance(inputs, (list, tuple)):
            flat = list(inputs)
            if self._single_input and len(flat) == 1:
                return flat
            if len(flat) != expected:
                raise ValueError(
                    f"Model '{self.name}' expects {expected} input(s) ({self.input_names}), but received "
                    f"{len(flat)}."
                )
            return flat
        if expected != 1:
            raise ValueError(
                f"Model '{self.name}' expects {expected} inputs ({self.input_names}); received a single "
                f"{type(inputs).__name__}. Pass a list in that order or a dict keyed by input name."
            )
        return [inputs]

    def _convert_arrays(self, args, kwargs):
        """NumPy arrays (also inside lists/dicts) become tensors of the matching Input's dtype."""
        if not args or not any(isinstance(a, np.ndarray) for a in tree.flatten(args[0])):
            return args, kwargs
        device = next((p.device for p in self.parameters()), torch.get_default_device())
        first = args[0]
        try:
            flat = self._flatten_inputs(first)
        except ValueError:
            return super()._convert_arrays(args, kwargs)
        converted = [_convert_input(v, t, name, self.name, device)
                     for v, t, name in zip(flat, self._flat_inputs, self.input_names)]
        if isinstance(first, dict):
            first = dict(zip(self.input_names, converted))
        elif isinstance(first, (list, tuple)):
            first = converted
        else:
            first = converted[0]
        return (first,) + tuple(args[1:]), kwargs

    def get_config(self):
        from lamina.models.functional_config import functional_config

        return functional_config(self)


def _rebase_on_new_inputs(model_name, inputs, outputs):
    """Keras's `clone_graph_nodes`: a model whose inputs include intermediate tensors (the keras.io
    FeatureSpace example trains on `feature_space.get_encoded_features()`) gets a new `Input` for
    each of them (named `<tensor name>CLONE`, as Keras names it), and the layers between them and
    the outputs are called again on the new tensors (the same layers: weights are shared)."""
    from lamina.models.cloning import new_input_like, replay_nodes

    flat_inputs, flat_outputs = tree.flatten(inputs), tree.flatten(outputs)
    mapped = {}
    for tensor in flat_inputs:
        if isinstance(tensor._keras_history.operation, InputLayer):
            mapped[id(tensor)] = tensor
        else:
            mapped[id(tensor)] = new_input_like(tensor, f"{tensor.name}CLONE" if tensor.name else None)
    try:
        replay_nodes(_nodes_between(flat_inputs, flat_outputs), flat_inputs, mapped)
    except ValueError as error:
        raise ValueError(f"Model '{model_name}': Graph disconnected: the outputs cannot be computed from the given "
                         f"inputs ({error})") from None
    new_inputs = tree.pack_like(inputs, [mapped[id(t)] for t in flat_inputs])
    return new_inputs, tree.pack_like(outputs, [mapped[id(t)] for t in flat_outputs])


def _nodes_between(flat_inputs, flat_outputs):
    """The nodes on the paths from `flat_outputs` back to `flat_inputs` (not beyond them)."""
    stop = {id(t) for t in flat_inputs}
    seen, nodes, stack = set(), [], list(flat_outputs)
    while stack:
        tensor = stack.pop()
        if id(tensor) in stop:
            continue
        if tensor._mask_of is not None:  # a mask is computed along with the tensor it masks
            stack.append(tensor._mask_of)
            continue
        history = tensor._keras_history
        node = history.operation._inbound_nodes[history.node_index] if history is not None else None
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        stack.extend(node.input_tensors)
    return nodes[::-1]


def _convert_input(value, tensor, input_name, model_name, device):
    """A NumPy input as the matching Input's dtype; string arrays stay arrays for string Inputs."""
    if not isinstance(value, np.ndarray):
        return value
    is_strings = value.dtype.kind in "US" or (value.dtype == object and value.size > 0
                                              and isinstance(value.reshape(-1)[0], (str, bytes)))
    if tensor.dtype == "string":
        if not is_strings:
            raise TypeError(f"Model '{model_name}': input '{input_name}' is declared with dtype='string' but "
                            f"received an array of dtype {value.dtype}. Pass a NumPy array of str.")
        return fix_rank(value, tensor.shape, model_name, input_name, strings=True)
    if is_strings:
        raise TypeError(f"Model '{model_name}': input '{input_name}' expects {backend.dtype_name(tensor.dtype)} "
                        f"numbers but received a NumPy array of dtype {value.dtype} (strings). Declare the "
                        f"input with keras.Input(..., dtype='string') and map the strings to numbers with "
                        f"TextVectorization, StringLookup or Hashing.")
    if value.dtype == object:
        raise TypeError(f"Model '{model_name}': input '{input_name}' expects {backend.dtype_name(tensor.dtype)} "
                        f"numbers but received a NumPy array of dtype object (object values, shape "
                        f"{value.shape}). Convert it to numbers first, e.g. array.astype('float32').")
    return torch.as_tensor(value, dtype=tensor.dtype, device=device)

