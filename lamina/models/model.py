"""`Model`: a layer with `summary()`, `get_layer` and (with the trainer) `fit`.

`Model(inputs, outputs)` returns a Functional model; subclassing `Model` with
`__init__`/`call` gives a subclassed model whose weights are created by
`build(input_shape)` (traced on shape-only inputs) or by a first call.
"""

import weakref

import torch
from torch import nn

from lamina.graph.keras_tensor import KerasTensor
from lamina.graph.shape_inference import trace_output_spec
from lamina.layers.layer import Layer
from lamina.trainers.trainer import Trainer
from lamina.utils import tree

__all__ = ["Model"]


def _is_functional_call(args, kwargs) -> bool:
    if "inputs" in kwargs and "outputs" in kwargs:
        return True
    if len(args) >= 2:
        return True
    return len(args) == 1 and "outputs" in kwargs


def _symbolic_from_shape(input_shape, dtype=None):
    """`(None, 20)`, a list of shapes or a dict of shapes -> KerasTensors."""
    def is_shape(value):
        return isinstance(value, (tuple, list)) and all(d is None or isinstance(d, int) for d in value)

    if is_shape(input_shape):
        return KerasTensor(tuple(input_shape), dtype=dtype)
    if isinstance(input_shape, dict):
        return {k: _symbolic_from_shape(v, dtype) for k, v in input_shape.items()}
    if isinstance(input_shape, (list, tuple)):
        return [_symbolic_from_shape(v, dtype) for v in input_shape]
    raise ValueError(
        f"build() expects an input shape such as (None, 20) (batch dimension first), a list of "
        f"shapes or a dict of shapes; received {input_shape!r}."
    )


class Model(Trainer, Layer):
    """A trainable group of layers.

    Three ways to make one:

    - Functional: `Model(inputs=Input(...), outputs=...)` (any graph of layers).
    - Sequential: `Sequential([...])` (a straight stack).
    - Subclassing: define `__init__` (create layers) and `call` (use them).

    Example:
        >>> class MLP(Model):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = layers.Dense(64, activation="relu")
        ...         self.out = layers.Dense(10)
        ...     def call(self, x):
        ...         return self.out(self.hidden(x))
        >>> model = MLP()
        >>> model.build((None, 20))
        >>> model.count_params()
        1994
    """

    # A model hands string arrays on to its layers (TextVectorization, StringLookup...).
    _accepts_strings = True

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_call(args, kwargs):
            from lamina.models.functional import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if _is_functional_call(args, kwargs):
            # `class M(Model)` whose __init__ calls super().__init__(inputs, outputs): make the
            # instance a Functional model of a subclass of its own class, as Keras does.
            from lamina.models.functional import Functional

            if not isinstance(self, Functional):
                self.__class__ = type(type(self).__name__, (type(self), Functional), {})
            Functional.__init__(self, *args, **kwargs)
            return
        if args:
            raise TypeError(
                f"Model.__init__ got unexpected positional arguments {args!r}. To build a Functional "
                f"model pass inputs and outputs: Model(inputs=..., outputs=...)."
            )
        Layer.__init__(self, **kwargs)
        self._output_shape_records = weakref.WeakKeyDictionary()
        self._init_training_state()

    # ------------------------------------------------------------------ copying and pickling

    def __getstate__(self):
        """For `copy.deepcopy(model)` and `pickle`/`torch.save(model)`: the shape records go as a
        plain dict (a WeakKeyDictionary cannot be pickled) and a captured training step stays behind
        (it is compiled for this model's parameters; the copy captures its own)."""
        state = dict(super().__getstate__())
        records = state.get("_output_shape_records")
        if isinstance(records, weakref.WeakKeyDictionary):
            state["_output_shape_records"] = dict(records.items())
        if state.get("_captured") is not None:
            state["_captured"] = None
        return state

    def __setstate__(self, state):
        records = state.get("_output_shape_records")
        if isinstance(records, dict):
            state = dict(state)
            state["_output_shape_records"] = weakref.WeakKeyDictionary(records)
        super().__setstate__(state)

    # ------------------------------------------------------------------ structure

    @property
    def layers(self) -> list:
        """The model's layers (direct sub-layers for a subclassed model)."""
        return [m for m in self._sub_layers()]

    def get_layer(self, name=None, index=None):
        """Returns a layer by `name` or by position `index` in `model.layers`."""
        if (name is None) == (index is None):
            raise ValueError(
                f"get_layer needs exactly one of name= or index=; received name={name!r}, index={index!r}."
            )
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"get_layer: asked for the layer at index {index}, but model '{self.name}' only has "
                    f"{len(layers)} layers."
                )
            return layers[index]
        for layer in layers:
            if getattr(layer, "name", None) == name:
                return layer
        raise ValueError(
            f"get_layer: no layer named {name!r} in model '{self.name}'. Existing layers are: "
            f"{[getattr(layer, 'name', type(layer).__name__) for layer in layers]}."
        )

    # ------------------------------------------------------------------ building

    def build(self, input_shape=None):
        """Creates every weight by tracing `call` on shape-only inputs of `input_shape`.

        Args:
            input_shape: e.g. `(None, 20)`; a list or dict of shapes for several
                inputs. The batch dimension comes first and may be None.

        No real computation runs; afterwards `summary()` shows each layer's
        output shape and parameter count.
        """
        if input_shape is None:
            raise ValueError(
                f"Model '{self.name}'.build() needs an input shape, e.g. model.build((None, 20))."
            )
        inputs = _symbolic_from_shape(input_shape)
        self.built = True  # the trace below must not try to build the model again
        try:
            self._record_output_shapes(lambda: trace_output_spec(
                lambda x: Layer.forward(self, x), (inputs,), {}, _device_of(self),
                f"Model '{self.name}' ({type(self).__name__})"))
        except BaseException:
            self.built = False
            raise
        self._build_shapes = tuple(input_shape) if isinstance(input_shape, list) and \
            all(isinstance(d, int) or d is None for d in input_shape) else input_shape
        self.built = True

    def forward(self, *args, **kwargs):
        if not self.built:
            return self._first_call(args, kwargs)
        return Layer.forward(self, *args, **kwargs)

    def _first_call(self, args, kwargs):
        """The first call builds everything and records each layer's output shape."""
        if type(self).build is not Model.build:
            Layer._build_on_first_call(self, args, kwargs)
        self.built = True  # Layer.forward must not try to build again
        try:
            outputs = self._record_output_shapes(lambda: Layer.forward(self, *args, **kwargs))
        except BaseException:
            self.built = False
            raise
        if self._build_shapes is None and args:
            self._build_shapes = tree.map_structure(
                lambda t: (None,) + tuple(t.shape[1:]) if hasattr(t, "shape") else None, args[0])
        return outputs

    def _record_output_shapes(self, run):
        """Runs `run()` with hooks that store every sub-module's output shape."""
        records = self._output_shape_records
        seen = {}

        def hook(module, _args, output):
            shapes = tree.map_structure(
                lambda t: (None,) + tuple(t.shape[1:]) if isinstance(t, torch.Tensor) and t.ndim else
                (tuple(t.shape) if isinstance(t, torch.Tensor) else t), output)
            previous = seen.get(module)
            seen[module] = shapes if previous is None else _merge_shape_structures(previous, shapes)
            records[module] = seen[module]

        handles = [m.register_forward_hook(hook) for m in self.modules() if m is not self]
        try:
            return run()
        finally:
            for handle in handles:
                handle.remove()

    def _output_shape_of(self, layer):
        """The recorded output shape of a sub-layer, or None."""
        shape = self._output_shape_records.get(layer)
        if shape is None:
            for module in self.modules():
                if isinstance(module, Model) and module is not self:
                    shape = module._output_shape_records.get(layer)
                    if shape is not None:
                        break
        return shape

    # ------------------------------------------------------------------ summary

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints a table of the model's layers, output shapes and parameter counts.

        Args:
            line_length: total width (default 88, or 108 with a `Connected to` column).
            positions: relative or absolute column end positions.
            print_fn: called with the summary text instead of printing it.
            expand_nested: also list the layers inside nested models/layers.
            show_trainable: add a column saying whether each layer is trainable.
            layer_range: `[first_name, last_name]` to print only part of the model.

        Returns:
            None, as in Keras (a REPL would otherwise show the table twice); to get the text, pass
            `print_fn`, e.g. `lines = []; model.summary(print_fn=lines.append)`.
        """
        from lamina.models.summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                             expand_nested=expand_nested, show_trainable=show_trainable,
                             layer_range=layer_range)

    def get_config(self):
        config = super().get_config()
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds a model from `get_config()` (Functional and Sequential configs included)."""
        from lamina.saving import model_config

        if "layers" in config and "input_layers" in config:
            return model_config.functional_from_config(config, custom_objects)
        if "layers" in config and issubclass(cls, model_config.sequential_class()):
            return model_config.sequential_from_config(config, custom_objects)
        return cls(**config)

    # ------------------------------------------------------------------ saving (see lamina.saving)

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the model to a Keras 3 `.keras` archive (or a folder for other paths,
        or with `zipped=False`); see `lamina.saving.save_model`."""
        from lamina.saving import save_model

        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def export(self, filepath, format="torch", input_signature=None, dynamic_batch=True, verbose=False):
        """Exports the model for inference: `format="torch"` (torch.export `.pt2`) or `"onnx"`.

        The batch dimension stays dynamic. See `lamina.export.export_model`.
        """
        from lamina.export import export_model

        return export_model(self, filepath, format=format, input_signature=input_signature,
                            dynamic_batch=dynamic_batch, verbose=verbose)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Saves the weights to a `.weights.h5` file in Keras 3's layout, or with
        `max_shard_size` (GB) to Keras's sharded `.weights.json` + `_00000.weights.h5` files."""
        from lamina.saving import save_weights

        save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights from a `.weights.h5` file, a sharded `.weights.json` index or a `.keras` archive."""
        from lamina.saving import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def quantize(self, mode=None, config=None, filters=None, **kwargs):
        """Quantizes the weights of every layer that supports it (`Dense`, `EinsumDense`, `Embedding`).

        Args:
            mode: `"int8"`, `"int4"` or `"float8"` (optional when `config` is given).
            config: a `lamina.quantizers.QuantizationConfig` (quantizers, int4 `block_size`).
            filters: regex (or list of regexes) on layer names, or a callable `layer -> bool`.

        Example:
            >>> model.quantize("int8")
        """
        from lamina.models.model_quantize import quantize_model

        quantize_model(self, mode, config=config, filters=filters, **kwargs)

    def to_json(self, **kwargs):
        """The model's Keras config as a JSON string (see `lamina.models.model_from_json`)."""
        from lamina.saving import model_to_json

        return model_to_json(self, **kwargs)


def _merge_shape_structures(first, second):
    if isinstance(first, tuple) and isinstance(second, tuple) and all(
            d is None or isinstance(d, int) for d in first + second):
        if len(first) != len(second):
            return first
        return tuple(a if a == b else None for a, b in zip(first, second))
    if isinstance(first, (list, tuple)) and isinstance(second, (list, tuple)) and len(first) == len(second):
        return type(first)(_merge_shape_structures(a, b) for a, b in zip(first, second))
    if isinstance(first, dict) and isinstance(second, dict):
        return {k: _merge_shape_structures(v, second.get(k, v)) for k, v in first.items()}
    return second


def _device_of(module: nn.Module):
    for p in module.parameters():
        return p.device
    return torch.get_default_device()
