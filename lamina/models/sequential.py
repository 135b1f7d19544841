"""`Sequential`: a plain stack of single-input, single-output layers."""

import numpy as np
import torch
from torch import nn

from lamina import backend
from lamina.graph.keras_tensor import KerasTensor
from lamina.layers.input_layer import InputLayer
from lamina.layers.layer import Layer
from lamina.models.input_standardization import input_spec_of, standardize_input
from lamina.models.model import Model

__all__ = ["Sequential"]


class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: list of layers (an `Input` tensor or `InputLayer` may come first).
        trainable: whether the model's weights are trainable.
        name: model name (default `sequential`, `sequential_1`, ...).

    With a known input shape (an `Input` first, or `input_shape=` on the first
    layer) the model is built at once; otherwise it builds on its first call,
    in `fit`, or with `build(input_shape)`, always with a `None` batch size.

    Example:
        >>> model = Sequential([Input(shape=(20,)), layers.Dense(64, activation="relu"), layers.Dense(10)])
        >>> model(torch.ones(32, 20)).shape
        torch.Size([32, 10])
    """

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._stack = []
        self._input_layer = None
        self._symbolic_input = None
        self._symbolic_output = None
        self._input_spec = None  # (dtype, rank, shape) of the Input: calls cast/adjust as Keras does
        self._graph_has_masks = False  # some layer output carries a Keras mask: pass masks explicitly
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build_graph()

    # ------------------------------------------------------------------ editing

    def add(self, layer, rebuild=True):
        """Appends a layer (or an `Input` tensor as the first element)."""
        if isinstance(layer, KerasTensor):
            history = layer._keras_history
            if history is None or not isinstance(history.operation, InputLayer):
                raise ValueError(
                    f"Sequential model '{self.name}': only an Input() tensor can be added directly; "
                    f"received a tensor produced by '{history.operation.name if history else '?'}'."
                )
            layer = history.operation
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError(
                    f"Sequential model '{self.name}': an Input/InputLayer must be the first element; "
                    f"received it after {len(self._stack)} layer(s)."
                )
            self._input_layer = layer
            if rebuild:
                self._maybe_build_graph()
            return
        if isinstance(layer, nn.Module) and not isinstance(layer, Layer):
            from lamina.layers.core.torch_module_wrapper import TorchModuleWrapper

            layer = TorchModuleWrapper(layer)
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential model '{self.name}': only layers (lamina layers or torch.nn.Modules) can be "
                f"added; received {type(layer).__name__}: {layer!r}."
            )
        # The dict lookup first: a scan of the stack for every added layer is quadratic (a file
        # listing tens of thousands of layers would take minutes).
        if layer.name in self._modules and any(existing.name == layer.name for existing in self._stack):
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. Name '{layer.name}' "
                f"is already the name of a layer in model '{self.name}'; pass a different name=."
            )
        if "." in layer.name:
            raise ValueError(f"Layer name {layer.name!r} contains '.', which PyTorch module names cannot.")
        self._stack.append(layer)
        self._modules[layer.name] = layer
        if self._symbolic_output is not None:
            # Extend the existing graph instead of rebuilding it (no duplicate nodes).
            self._symbolic_output = self._call_symbolic(layer, self._symbolic_output)
            self._graph_has_masks = self._graph_has_masks or \
                getattr(self._symbolic_output, "_keras_mask", None) is not None
        elif rebuild:
            self._maybe_build_graph()

    def pop(self, rebuild=True):
        """Removes and returns the last layer."""
        if not self._stack:
            raise TypeError(f"Sequential model '{self.name}' has no layers to pop.")
        layer = self._stack.pop()
        del self._modules[layer.name]
        self._symbolic_output = None
        self.built = False
        if rebuild:
            self._maybe_build_graph()
        return layer

    # ------------------------------------------------------------------ building

    def _known_input(self):
        if self._input_layer is not None:
            return self._input_layer
        if self._stack and self._stack[0]._batch_input_shape is not None:
            first = self._stack[0]
            dtype = first.dtype if first.dtype != "float32" else None
            self._input_layer = InputLayer(batch_shape=first._batch_input_shape, dtype=dtype)
            return self._input_layer
        return None

    def _maybe_build_graph(self):
        input_layer = self._known_input()
        if input_layer is None:
            return
        self._build_graph(input_layer)

    def _build_graph(self, input_layer):
        if self._stack:
            # Keras builds a Sequential as an inner Functional model each time (which takes the
            # next automatic "functional" name); taking it too keeps later names equal to Keras's.
            backend.unique_name("functional")
        self._input_layer = input_layer
        x = input_layer._input_tensor
        self._symbolic_input = x
        self._input_spec = input_spec_of(x)
        has_masks = False
        for layer in self._stack:
            x = self._call_symbolic(layer, x)
            has_masks = has_masks or getattr(x, "_keras_mask", None) is not None
        self._graph_has_masks = has_masks
        self._symbolic_output = x
        self._build_shapes = input_layer.batch_shape
        self.built = True

    def _call_symbolic(self, layer, x):
        y = layer(x)
        if not isinstance(y, KerasTensor):
            raise ValueError(
                f"All layers in a Sequential model should have a single output tensor. Layer "
                f"'{layer.name}' returned {type(y).__name__} (e.g. return_state=True or several "
                f"outputs); use the Functional API for multi-output layers."
            )
        return y

    def build(self, input_shape=None):
        """Builds the model for inputs of `input_shape` (batch dimension first, may be None)."""
        if input_shape is None:
            input_layer = self._known_input()
            if input_layer is None:
                raise ValueError(
                    f"Sequential model '{self.name}'.build() needs an input shape, e.g. "
                    f"model.build((None, 20)), because its first layer declares none."
                )
        else:
            input_shape = tuple(input_shape)
            input_layer = InputLayer(batch_shape=(None,) + input_shape[1:])
        self._build_graph(input_layer)

    def _symbolic_output_spec(self, args, kwargs):
        """Output of a call on symbolic string inputs (a StringLookup/TextVectorization first).

        The shape-only trace cannot carry strings, so the inner graph is (re)built on a string
        Input, as Keras builds a Sequential on the specs it is called with. Other inputs: None
        (the generic trace answers).
        """
        x = args[0] if args else next(iter(kwargs.values()), None)
        if not isinstance(x, KerasTensor) or x.dtype != "string":
            return None
        if getattr(self._symbolic_input, "dtype", None) != "string":
            self._build_graph(InputLayer(batch_shape=(None,) + tuple(x.shape[1:]), dtype="string"))
        out = self._symbolic_output
        return KerasTensor(tuple(out.shape), dtype=out.dtype)

    def _first_call(self, args, kwargs):
        x = args[0] if args else next(iter(kwargs.values()))
        if isinstance(x, np.ndarray) and x.dtype.kind in "USO":
            # strings (for a first TextVectorization/StringLookup layer) stay NumPy arrays
            self._build_graph(InputLayer(batch_shape=(None,) + tuple(x.shape[1:]), dtype="string"))
            return Model.forward(self, *args, **kwargs)
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"Sequential model '{self.name}' expects a tensor input; received "
                            f"{type(x).__name__}.")
        # bool data (one-hot arrays) is cast to floatx by the new Input; integer data keeps its dtype
        dtype = None if x.is_floating_point() or x.dtype == torch.bool else x.dtype
        # Build with an unknown batch size (Keras would record the concrete one).
        self._build_graph(InputLayer(batch_shape=(None,) + tuple(x.shape[1:]), dtype=dtype))
        return Model.forward(self, *args, **kwargs)

    # ------------------------------------------------------------------ structure

    @property
    def layers(self) -> list:
        """The stacked layers (the InputLayer is not listed, as in Keras)."""
        return list(self._stack)

    def _require_graph(self, what):
        if self._symbolic_output is None:
            raise ValueError(
                f"Sequential model '{self.name}' has not been built yet, so it has no {what}. Build it "
                f"with model.build(input_shape=(None, ...)), by calling it on a batch of data, or by "
                f"starting it with keras.Input(shape=...)."
            )

    @property
    def inputs(self):
        self._require_graph("inputs")
        return [self._symbolic_input]

    @property
    def outputs(self):
        self._require_graph("outputs")
        return [self._symbolic_output]

    @property
    def input(self):
        self._require_graph("input")
        return self._symbolic_input

    @property
    def output(self):
        self._require_graph("output")
        return self._symbolic_output

    @property
    def input_shape(self):
        self._require_graph("input shape")
        return self._symbolic_input.shape

    @property
    def output_shape(self):
        self._require_graph("output shape")
        return self._symbolic_output.shape

    @property
    def input_names(self):
        self._require_graph("inputs")
        return [self._input_layer.name]

    @property
    def output_names(self):
        self._require_graph("outputs")
        return [self._stack[-1].name] if self._stack else [self._input_layer.name]

    # ------------------------------------------------------------------ calling

    def call(self, inputs, training=None, mask=None):
        spec = self._input_spec
        if spec is not None and isinstance(inputs, torch.Tensor) and (inputs.dtype != spec[0] or
                                                                      inputs.dim() != spec[1]):
            inputs = standardize_input(inputs, spec, self.name, self._input_layer.name)  # Keras's cast/rank fix
        if self._graph_has_masks:
            return self._call_with_masks_explicit(inputs, mask)
        x = inputs
        for layer in self._stack:
            x = layer(x)
        return x

    def _call_with_masks_explicit(self, x, mask):
        """The loop for graphs that carry masks (Embedding(mask_zero), Masking): each mask is
        computed and handed to the next layer explicitly (also under torch.compile)."""
        for layer in self._stack:
            y = layer(x, mask=mask) if mask is not None and layer._call_has_mask_arg else layer(x)
            mask = layer.compute_mask(x, mask) if (layer.supports_masking or layer._overrides_compute_mask) \
                else None
            x = y
        return x

    def get_config(self):
        from lamina.models.functional_config import sequential_config

        return sequential_config(self)
