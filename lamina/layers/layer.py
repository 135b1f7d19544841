"""`Layer`: the Keras layer contract on top of `torch.nn.Module`.

A layer is an `nn.Module` whose `forward` runs Keras's protocol: build the
weights from the first input's shape (`build`), resolve the `training` flag,
then run the user's `call`. Called on symbolic tensors (from `keras.Input`) it
instead records a graph node and infers output shapes without computing.

The eager path is kept deliberately short: no signature binding, no input
re-validation (the input spec is checked only when a call fails, to explain
the failure), no structure flattening.
"""

import inspect
import warnings

import numpy as np
import torch
from torch import nn

from lamina import backend
from lamina.backend.call_context import CALL_CONTEXT
from lamina.distribution import base as _distribution_base
from lamina.layers.implicit_masks import receives_implicit_mask, warn_mask_not_applied
from lamina.layers.input_spec import assert_input_compatibility
from lamina.layers.tracking import TrackedList, TrackedDict, wrap_container
from lamina.layers.layer_weights import WeightsMixin, _BuildDevice, in_keras_layout
from lamina.layers.symbolic_call import symbolic_call
from lamina.random.seed_generator import SeedGenerator
from lamina.utils import tree

__all__ = ["Layer"]

_LAYER_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "input_dim", "weights"}


def _is_symbolic(value) -> bool:
    from lamina.graph.keras_tensor import KerasTensor

    if isinstance(value, KerasTensor):
        return True
    if isinstance(value, (list, tuple)):
        return any(_is_symbolic(v) for v in value)
    if isinstance(value, dict):
        return any(_is_symbolic(v) for v in value.values())
    return False


def _is_concrete(value) -> bool:
    """A real tensor, or a flat list/tuple/dict of them: the eager hot path, checked without
    the recursive symbolic scan and array conversion (about 8 us per call for a merge layer)."""
    if isinstance(value, torch.Tensor):
        return True
    kind = type(value)
    if kind is list or kind is tuple:
        items = value
    elif kind is dict:
        items = value.values()
    else:
        return False
    if not items:
        return False
    for item in items:
        if not isinstance(item, torch.Tensor):
            return False
    return True


def _shape_of(value):
    """Shape structure (tuples) of a tensor structure, for `build`."""
    if isinstance(value, (list, tuple)):
        return [_shape_of(v) for v in value]
    if isinstance(value, dict):
        return {k: _shape_of(v) for k, v in value.items()}
    shape = getattr(value, "shape", None)
    return tuple(shape) if shape is not None else None


class Layer(WeightsMixin, nn.Module):
    """Base class of every lamina layer and model; a `torch.nn.Module`.

    Subclasses create weights in `build(input_shape)` with `add_weight`, compute
    in `call(inputs, training=None, mask=None)`, and may define
    `compute_output_shape` and `get_config`.

    Args:
        trainable: whether the layer's weights are updated by training.
        dtype: dtype of the weights (a name such as `"float32"`, or a torch dtype).
        name: unique name; defaults to the snake_case class name numbered per
            class (`dense`, `dense_1`, ...).
        activity_regularizer: optional regularizer applied to the outputs.
        **kwargs: Keras's `input_shape`/`batch_size`/`input_dim` for the first
            layer of a `Sequential` model.

    A new layer is in inference mode (`layer.training is False`), as calling a
    Keras layer without `training=True` is inference; `fit` switches to
    training mode and back, and `model.train()`/`model.eval()` work as in torch.

    Example:
        >>> class Scale(Layer):
        ...     def build(self, input_shape):
        ...         self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        ...     def call(self, x):
        ...         return x * self.scale
        >>> Scale()(torch.ones(2, 3)).shape
        torch.Size([2, 3])
    """

    supports_masking = False
    _call_has_training_arg = False
    # True for layers whose `call` declares `training=True` (Keras's augmentation layers): called
    # with no training value from anywhere, they take that default, as in Keras.
    _call_training_default = False
    _call_has_mask_arg = False
    _call_arg_names = ["inputs"]
    _build_arg_names = ["input_shape"]
    _compute_output_shape_arg_names = ["input_shape"]
    _overrides_compute_output_shape = False
    _distributed_io = None  # set when ModelParallel made this layer's variables DTensors (lamina/distribution)
    _overrides_compute_mask = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Inspect `call` once per class, never per call.
        params = inspect.signature(cls.call).parameters
        cls._call_has_training_arg = "training" in params
        cls._call_training_default = "training" in params and params["training"].default is True
        cls._call_has_mask_arg = "mask" in params
        cls._call_arg_names = [n for n, p in params.items() if n != "self"
                               and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        cls._build_arg_names = [n for n in inspect.signature(cls.build).parameters if n != "self"]
        cls._compute_output_shape_arg_names = [
            n for n, p in inspect.signature(cls.compute_output_shape).parameters.items()
            if n != "self" and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        cls._overrides_compute_output_shape = cls.compute_output_shape is not Layer.compute_output_shape
        cls._overrides_compute_mask = cls.compute_mask is not Layer.compute_mask
        init = cls.__dict__.get("__init__")
        if init is not None:
            cls._init_signature = inspect.signature(init)

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        # Remember the constructor arguments so `get_config` can be derived for
        # custom layers that do not write one (Keras silently loses them instead).
        signature = getattr(cls, "_init_signature", None)
        auto = None
        if signature is not None:
            try:
                bound = signature.bind(None, *args, **kwargs)
                bound.apply_defaults()
                auto = dict(bound.arguments)
                auto.pop(next(iter(signature.parameters)), None)  # self
                var_keyword = next((n for n, p in signature.parameters.items() if p.kind is p.VAR_KEYWORD), None)
                extra = auto.pop(var_keyword, None) if var_keyword is not None else None  # `**kwargs`, `**kw`...
                if extra:
                    auto.update(extra)
                auto.pop("args", None)
            except TypeError:
                auto = None
        object.__setattr__(instance, "_init_kwargs", auto)
        return instance

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        unknown = set(kwargs) - _LAYER_KWARGS
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected keyword argument(s) "
                f"{sorted(unknown)}. Allowed base keyword arguments: "
                f"['activity_regularizer', 'trainable', 'dtype', 'autocast', 'name', "
                f"'input_shape', 'batch_size', 'input_dim']."
            )
        if "_parameters" not in self.__dict__:
            nn.Module.__init__(self)
        if name is None:
            name = backend.unique_name(backend.to_snake_case(type(self).__name__))
        elif not isinstance(name, str) or not name:
            raise ValueError(f"Layer name must be a non-empty string; received name={name!r}.")
        self._name = name
        self.training = False
        # Whether train()/eval() (or fit) ever set this layer's mode; until then a call with no
        # training value anywhere follows the signature default of `call` (see `forward`).
        object.__setattr__(self, "_mode_is_set", False)
        self.built = False
        self._trainable = bool(trainable)
        # A quantized policy ("int8_from_float32", Keras's QuantizedDTypePolicy config) is kept apart:
        # the layer computes in its source policy; layers that quantize (Dense, ...) read it in build.
        from lamina.dtype_policies.quantized import split_quantized_dtype

        dtype, self._quantized_policy = split_quantized_dtype(dtype)
        self._dtype_policy_name = self._parse_dtype(dtype)
        self.autocast = autocast
        # Layers created with a non-default float dtype cast float inputs to it, as Keras does;
        # float32 layers skip the check (it costs ~2 us a call) unless float32 was asked for
        # under a mixed global policy (Keras's recipe: a float32 output layer after float16/
        # bfloat16 ones) or a symbolic call sees a lower-precision input (layers/symbolic_call.py).
        compute = self._dtype_policy_name
        explicit_float32 = dtype is not None and compute == "float32" and _global_policy_is_mixed()
        self._cast_inputs_to = (backend.to_torch_dtype(compute)
                                if autocast and not compute.startswith("mixed_")
                                and (compute != "float32" or explicit_float32)
                                else None)
        # Mixed policies: call() runs under torch.autocast (weights stay float32).
        from lamina.mixed_precision.autocast import autocast_dtype_of_policy

        self._autocast_dtype = autocast_dtype_of_policy(compute) if autocast else None
        self._weight_specs = {}  # parameter name -> dict(trainable, regularizer, constraint, perm)
        self._inbound_nodes = []
        self._losses = []
        self._build_shapes = None
        self._summary_output_shape = None
        self.input_spec = None
        from lamina import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer) if activity_regularizer else None
        # Keras 2 style `input_shape=` / `input_dim=` / `batch_size=`: consumed by Sequential.
        input_shape = kwargs.get("input_shape")
        if "input_dim" in kwargs and input_shape is None:
            input_shape = (kwargs["input_dim"],)
        batch_input_shape = kwargs.get("batch_input_shape")
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            warnings.warn(
                "Do not pass an `input_shape`/`input_dim` argument to a layer. When using Sequential models, "
                "prefer using an `Input(shape)` object as the first layer in the model instead.", stacklevel=3)
            shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
            self._batch_input_shape = (kwargs.get("batch_size"),) + shape
        else:
            self._batch_input_shape = None
        self._initial_weights = kwargs.get("weights")

    @staticmethod
    def _parse_dtype(dtype) -> str:
        if dtype is None:
            from lamina.mixed_precision import global_policy_name

            return global_policy_name()
        if isinstance(dtype, dict):
            dtype = dtype.get("config", {}).get("name", "float32")
        name = getattr(dtype, "name", dtype)
        if isinstance(name, str) and name.startswith("mixed_"):
            return name
        return backend.dtype_name(dtype)

    # ------------------------------------------------------------------ attributes

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            # Sub-layers assigned before super().__init__(): initialise the module first.
            nn.Module.__init__(self)
        if not name.startswith("_") and isinstance(value, (list, tuple, dict)):
            tracked = wrap_container(value)
            if tracked is not None:
                self._modules.pop(name, None)
                if isinstance(value, tuple):
                    mirror = tracked._make_mirror()
                    object.__setattr__(self, name, value)
                    self._modules[name] = mirror
                else:
                    object.__setattr__(self, name, tracked)
                    tracked._attach(self, name)
                return
        if isinstance(value, nn.Module) and not isinstance(value, Layer) and not name.startswith("_"):
            # A plain torch module starts in train mode; align it with this layer's mode so that a
            # new lamina model is in inference mode throughout (train()/eval() then move them together).
            value.train(self.training)
        if isinstance(value, SeedGenerator):
            value._attach(self, name)  # its [seed, counter] becomes the buffer `<name>_state`
        if isinstance(value, nn.Parameter) and name not in self._parameters:
            old = next((k for k, p in self._parameters.items() if p is value), None)
            if old is not None:
                self._rename_parameter(old, name)
                return
        if isinstance(value, (TrackedList, TrackedDict)) is False and name in self._modules \
                and not isinstance(value, nn.Module) and name in self.__dict__:
            # Replacing a tracked container by something that holds no module.
            del self._modules[name]
        super().__setattr__(name, value)

    def get_submodule(self, target):
        """The sub-module at the dotted path `target` (`"blocks.0"`), as `nn.Module.get_submodule`,
        through lists and dicts of sub-layers too: they read as Python lists/dicts, on which
        torch's attribute walk fails, and are registered in `_modules` under the same name."""
        if target == "":
            return self
        module = self
        for index, item in enumerate(target.split(".")):
            child = module._modules.get(item) if isinstance(module, nn.Module) else None
            if child is None:
                child = getattr(module, item, None)
            if not isinstance(child, nn.Module):
                walked = ".".join(target.split(".")[:index]) or "the model"
                raise AttributeError(f"{type(module).__name__} '{walked}' has no sub-module `{item}` (looking up "
                                     f"'{target}'); its sub-modules are {list(module._modules)}.")
            module = child
        return module

    def __delattr__(self, name):
        if name in self.__dict__ and name in self._modules:
            del self._modules[name]
            object.__delattr__(self, name)
            return
        super().__delattr__(name)

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value):
        self._name = value

    @property
    def dtype(self) -> str:
        """Name of the weights' dtype (`"float32"`)."""
        return self.variable_dtype

    @property
    def variable_dtype(self) -> str:
        return "float32" if self._dtype_policy_name.startswith("mixed_") else self._dtype_policy_name

    @property
    def compute_dtype(self) -> str:
        policy = self._dtype_policy_name
        if policy.startswith("mixed_"):
            return policy[len("mixed_"):]
        return policy

    @property
    def dtype_policy(self):
        if getattr(self, "_quantized_policy", None) is not None:
            return self._quantized_policy
        from lamina.mixed_precision import DTypePolicy

        return DTypePolicy(self._dtype_policy_name)

    @dtype_policy.setter
    def dtype_policy(self, value):
        # Keras: giving a built layer a quantized policy quantizes it; an unbuilt one builds quantized.
        from lamina.dtype_policies import get
        from lamina.dtype_policies.quantized import QuantizedDTypePolicy

        policy = get(value)
        if not isinstance(policy, QuantizedDTypePolicy):
            raise ValueError(f"Layer '{self.name}': only a quantized dtype policy can be set after construction "
                             f"(received {policy!r}); give float policies as `dtype=` when creating the layer.")
        if policy.quantization_mode in ("gptq", "awq"):
            raise ValueError(f"Implicitly enabling {policy.quantization_mode.upper()} quantization by setting "
                             f"`dtype_policy` to '{policy.name}' is not supported; it needs calibration.")
        if self.built and self.quantization_mode is None:
            self.quantize(policy.quantization_mode)
        elif not self.built:
            self._quantized_policy = policy

    @property
    def quantization_mode(self):
        """`"int8"`, `"int4"`, `"float8"`, ... once the layer is quantized; None otherwise."""
        policy = getattr(self, "_quantized_policy", None)
        return None if policy is None else policy.quantization_mode

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantizes the layer's weights (`Dense`, `EinsumDense` and `Embedding` implement it)."""
        raise NotImplementedError(f"Layer {type(self).__name__} does not have a `quantize` method implemented. "
                                  "Only Dense, EinsumDense, Embedding and ReversibleEmbedding layers can be quantized.")

    # ------------------------------------------------------------------ losses

    def add_loss(self, loss) -> None:
        """Adds a scalar loss (e.g. an activity penalty) computed during `call`.

        It is included in `layer.losses` until the next top-level call, and in
        the training loss of `fit`.
        """
        self._losses.append(loss)
        _LOSS_TRACKER[self] = None

    @property
    def losses(self) -> list:
        """Losses added during the last call plus the current weight-regularization penalties."""
        out = []
        for module in self.modules():
            if isinstance(module, Layer):
                out.extend(module._losses)
                for pname, spec in module._weight_specs.items():
                    reg = spec["regularizer"]
                    param = module._parameters.get(pname)
                    if reg is not None and param is not None:
                        out.append(in_keras_layout(reg, spec.get("perm"))(param))
        return out

    @staticmethod
    def _clear_losses():
        """Forgets the `add_loss` values of the previous call (run at each top-level model call)."""
        for layer in _LOSS_TRACKER:
            layer._losses.clear()
        _LOSS_TRACKER.clear()

    # ------------------------------------------------------------------ Keras protocol

    def build(self, input_shape=None):
        """Creates the weights for inputs of `input_shape`; the default creates none."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The layer's computation. Subclasses override this."""
        raise NotImplementedError(
            f"Layer {type(self).__name__} has no call() method. Subclasses of Layer must define "
            f"call(self, inputs, ...)."
        )

    def compute_output_shape(self, input_shape):
        """Output shape for an input shape; the default traces `call` on shape-only tensors."""
        from lamina.graph.shape_inference import infer_output_shapes

        return infer_output_shapes(self, input_shape)

    def compute_output_dtype(self, input_dtype):
        """Output dtype for `compute_output_shape`: float inputs become the compute dtype."""
        if input_dtype is None or backend.to_torch_dtype(input_dtype).is_floating_point:
            return self.compute_dtype
        return input_dtype

    def compute_mask(self, inputs, mask=None):
        """Output mask: passes the input mask through when `supports_masking`, else None."""
        if not self.supports_masking:
            return None
        return mask

    def get_config(self) -> dict:
        """The constructor arguments that recreate this layer (JSON-friendly)."""
        from lamina.mixed_precision import serialize_policy
        from lamina import regularizers

        config = {"name": self.name, "trainable": self.trainable, "dtype": serialize_policy(self._dtype_policy_name)}
        if getattr(self, "_quantized_policy", None) is not None:
            from lamina.dtype_policies import serialize as serialize_dtype_policy

            config["dtype"] = serialize_dtype_policy(self._quantized_policy)
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if type(self).get_config is Layer.get_config and self._init_kwargs:
            # A custom layer without get_config: derive it from plain-typed __init__ arguments.
            for key, value in self._init_kwargs.items():
                if key in config or key in ("name", "trainable", "dtype"):
                    continue
                if not _is_plain(value):
                    raise NotImplementedError(
                        f"Layer {type(self).__name__} cannot derive get_config() automatically: its "
                        f"__init__ argument {key!r} is a {type(value).__name__}, not a plain type "
                        f"(int, float, str, bool, None, list, tuple, dict). Define get_config() "
                        f"returning the arguments needed to rebuild the layer."
                    )
                config[key] = value
        return config

    @classmethod
    def from_config(cls, config: dict):
        """Recreates a layer from `get_config()` output."""
        return cls(**config)

    def get_build_config(self):
        """`{"input_shape": ...}` (or `{"shapes_dict": ...}` for multi-input builds), as Keras saves it."""
        if isinstance(self._build_shapes, dict) and self._build_arg_names \
                and set(self._build_shapes) == set(self._build_arg_names):
            return {"shapes_dict": self._build_shapes}
        if self._build_shapes is not None:
            return {"input_shape": self._build_shapes}
        return None

    def finalize_state(self):
        """Keras's hook for deriving state after weights are loaded; lamina's layers compute from
        their weights directly, so there is nothing to do (kept so Keras code calling it runs)."""

    def save_own_variables(self, store):
        """Writes this layer's own weights (not its sub-layers') into `store` as `"0"`, `"1"`, ...
        in Keras's order and layout, as Keras's `Layer.save_own_variables` does.

        Weights files call an override of it; an override that keeps extra state calls
        `super().save_own_variables(store)` first (keras.io "Save, serialize, and export models").

        Args:
            store: a dict-like mapping string keys to arrays.
        """
        from lamina.saving.weights_store import own_keras_values

        for index, value in enumerate(own_keras_values(self)):
            store[str(index)] = value

    def load_own_variables(self, store):
        """Assigns this layer's own weights from `store` (the keys `save_own_variables` wrote).

        Args:
            store: a dict-like mapping `"0"`, `"1"`, ... to arrays in Keras layout.
        """
        names = self._own_weight_names()
        keys = [str(index) for index in range(len(names))]
        missing = [key for key in keys if key not in store]
        if missing:
            raise ValueError(
                f"Layer '{self.name}' expected {len(names)} variables ({', '.join(names)}) under keys {keys}, "
                f"but the store has keys {sorted(store)}. The values were saved from a different layer; "
                "rebuild the same architecture before loading.")
        for key, pname in zip(keys, names):
            self._parameters[pname].assign(np.asarray(store[key]))

    def build_from_config(self, config):
        """Builds the layer from `get_build_config()` output (used when loading)."""
        if not config or self.built:
            return
        if "shapes_dict" in config:
            shapes = config["shapes_dict"]
            names = self._build_arg_names
            if shapes and not any(n in shapes for n in names):
                # Keras names the entries after its `build` arguments (an RNN's `sequences_shape`,
                # `initial_state_shape`); where lamina's differ, they match by position.
                values = list(shapes.values())[:len(names)]
                self._run_build([_as_shape(v) for v in values] + [None] * (len(names) - len(values)))
                return
            self._run_build([_as_shape(shapes.get(n)) for n in names])
        elif "input_shape" in config:
            self._run_build([_as_shape(config["input_shape"])])

    # ------------------------------------------------------------------ calling

    def __call__(self, *args, **kwargs):
        if args and _is_concrete(args[0]):
            return nn.Module.__call__(self, *args, **kwargs)
        if _is_symbolic(args) or _is_symbolic(kwargs):
            return symbolic_call(self, args, kwargs)
        args, kwargs = self._convert_arrays(args, kwargs)
        return nn.Module.__call__(self, *args, **kwargs)

    def train(self, mode: bool = True):
        """torch's `train()`/`eval()`; from then on this layer's mode decides `training` (see `forward`)."""
        result = super().train(mode)  # recurses through the sub-modules' own train()
        object.__setattr__(self, "_mode_is_set", True)
        return result

    def forward(self, *args, **kwargs):
        """Runs `call` with Keras semantics; what `nn.Module.__call__` dispatches to."""
        if not self.built:
            self._build_on_first_call(args, kwargs)
        if self._distributed_io is not None and not self._distributed_io.depth:
            return self._distributed_io(self, args, kwargs)  # DTensors inside, plain tensors out
        ctx = CALL_CONTEXT
        outer = ctx.training
        training = None
        if kwargs:
            training = kwargs.pop("training", None)
            if not self._call_has_mask_arg and "mask" in kwargs:
                kwargs.pop("mask")
        from_default = False
        if training is None:
            if outer is not None:
                training = outer
                if ctx.training_is_default and self._call_training_default and not self._mode_is_set:
                    training = True  # the containers passed only their default: keep this layer's
            elif self._mode_is_set or not self._call_training_default:
                training = self.training
                # A container nobody put in train()/eval() mode passes its value down marked as a
                # default: its sub-layers that declare `training=True` keep that, as in Keras.
                from_default = not self._mode_is_set
            else:
                training = True
        if self._call_has_training_arg:
            kwargs["training"] = training
        if outer is None and _LOSS_TRACKER:
            Layer._clear_losses()  # a new top-level call: forget the previous call's add_loss values
        if self._cast_inputs_to is not None:
            args = _cast_floats(args, self._cast_inputs_to)
        masking = ctx.masking or self._overrides_compute_mask
        if masking:
            mask = self._incoming_mask(args, kwargs)
        # Inner layers inherit this call's training value (also when `call` does not pass it on).
        sets_context = training is not outer and bool(self._modules)
        if sets_context:
            outer_is_default = ctx.training_is_default
            ctx.training = training
            ctx.training_is_default = from_default
        try:
            if self._autocast_dtype is None:
                outside = None
                if self._cast_inputs_to is not None:
                    from lamina.mixed_precision.autocast import outside_autocast

                    outside = outside_autocast(args)
                if outside is None:
                    outputs = self.call(*args, **kwargs)
                else:
                    with outside:
                        outputs = self.call(*args, **kwargs)
            else:
                from lamina.mixed_precision.autocast import autocast_for

                with autocast_for(self, args):
                    outputs = self.call(*args, **kwargs)
        except Exception as error:
            self._explain_call_error(error, args)
            raise
        finally:
            if sets_context:
                ctx.training = outer
                ctx.training_is_default = outer_is_default
        if self.activity_regularizer is not None:
            self._add_activity_losses(outputs)
        if masking and args and (self.supports_masking or self._overrides_compute_mask):
            _set_mask(outputs, self.compute_mask(args[0], mask))
        return outputs

    def _add_activity_losses(self, outputs):
        """Keras 3: one loss per output tensor, divided by its batch size (so the strength does not
        depend on the batch size)."""
        for output in tree.flatten(outputs):
            if isinstance(output, torch.Tensor):
                loss = self.activity_regularizer(output)
                if output.dim() > 0:
                    loss = loss / max(output.shape[0], 1)
                self.add_loss(loss)

    def _incoming_mask(self, args, kwargs):
        """The eager mask: an explicit `mask=` or the `_keras_mask` of the first input."""
        mask = kwargs.get("mask")
        if mask is None and args:
            mask = _get_mask(args[0])
            if mask is not None and self._call_has_mask_arg and not receives_implicit_mask(args, kwargs):
                warn_mask_not_applied(self, kwargs)
                return mask  # still the mask `compute_mask` sees, as in Keras
        if self._call_has_mask_arg:
            kwargs["mask"] = mask
        return mask

    def _explain_call_error(self, error, args):
        """On failure, check the declared input spec (and dtypes) to raise a clearer error."""
        if isinstance(error, (ValueError, TypeError)) and f"'{self.name}'" in str(error):
            return
        expected = backend.to_torch_dtype(self.compute_dtype) if not self.compute_dtype.startswith("mixed") \
            else None
        for index, value in enumerate(tree.flatten(list(args[:1]))):
            if isinstance(value, torch.Tensor) and value.is_floating_point() and expected is not None \
                    and value.dtype != expected and any(p.dtype == expected for p in self._parameters.values()
                                                        if p is not None):
                raise TypeError(
                    f"Layer '{self.name}' computes in {self.compute_dtype} but input {index} is "
                    f"{backend.dtype_name(value.dtype)}. Cast the input (e.g. x.float()) or create the "
                    f"layer with dtype='{backend.dtype_name(value.dtype)}'."
                ) from error
        if self.input_spec is not None and args:
            try:
                assert_input_compatibility(self.input_spec, args[0], self.name)
            except ValueError as clearer:
                raise clearer from error

    # Layers whose `call` takes NumPy string arrays (see lamina.layers.preprocessing._strings).
    _accepts_strings = False

    def _convert_arrays(self, args, kwargs):
        """NumPy arrays given to a layer become tensors on the layer's device."""
        if not any(isinstance(a, np.ndarray) for a in tree.flatten(list(args))):
            return args, kwargs
        device = _module_device(self)

        def convert(value):
            if isinstance(value, np.ndarray) and value.dtype.kind in "USO":
                # Strings have no torch tensor: string arrays reach `call` as they are in the layers
                # that accept them (text/lookup layers, models); any other layer refuses them here.
                # A user's own layer may take them too (keras.io's QREmbedding wraps a StringLookup).
                if not self._accepts_strings and type(self).__module__.startswith("lamina."):
                    raise TypeError(
                        f"Layer '{self.name}' ({type(self).__name__}) received a NumPy array of "
                        f"dtype {value.dtype} (strings or objects), which has no tensor form. Only the "
                        f"text and lookup layers (TextVectorization, StringLookup, Hashing) take "
                        f"strings: map them to numbers with one of those first.")
                return value
            if isinstance(value, np.ndarray):
                tensor = torch.from_numpy(value)
                if tensor.is_floating_point() and tensor.dtype == torch.float64:
                    tensor = tensor.to(backend.to_torch_dtype(self.compute_dtype))
                return tensor.to(device)
            return value

        return tuple(tree.map_structure(convert, list(args))), kwargs

    def _build_on_first_call(self, args, kwargs):
        # Keras's rule for `build_config`: a layer not yet built when first called is built then,
        # through its own `build` or the default one, and either way records the input shape(s);
        # layers built at construction (e.g. Keras's pooling, Dropout, Activation) record none.
        # So the default build also goes through `_run_build`, which records the shapes.
        shapes = self._shapes_for_build(args, kwargs)
        self._run_build(shapes, device=_first_tensor_device(args) if self._build_is_overridden() else None)
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    @classmethod
    def _build_is_overridden(cls) -> bool:
        return cls.build is not Layer.build

    def _shapes_for_build(self, args, kwargs, names=None):
        """Maps call arguments to `build`'s (or `names`') parameters, as Keras does.

        A single parameter receives the shape structure of the first argument;
        several parameters named `<arg>_shape` receive the shapes of the call
        arguments of the same names (e.g. `build(query_shape, value_shape)`).
        """
        names = self._build_arg_names if names is None else names
        if len(names) <= 1 or not all(n.endswith("_shape") for n in names):
            first = args[0] if args else next(iter(kwargs.values()), None)
            return [_shape_of(first)]
        call_values = dict(zip(self._call_arg_names, args))
        call_values.update(kwargs)
        return [_shape_of(call_values.get(n[: -len("_shape")])) for n in names]

    def _run_build(self, shapes, device=None):
        """Calls `build(*shapes)` outside any shape-inference trace, on the right device.

        Args:
            shapes: list of positional arguments for `build` (one shape structure
                per `*_shape` parameter).
            device: where `add_weight` creates the weights (default device if None).
        """
        from lamina.graph.shape_inference import outside_trace

        shapes = [_unify_batch(s) for s in shapes]
        with outside_trace(), _BuildDevice(device):
            if self._build_arg_names:
                self.build(*shapes)
            else:  # `def build(self)` (keras.io's GRN/VSN layers): Keras passes no shape then
                self.build()
        if _distribution_base.current_distribution() is not None:  # a ModelParallel runs layers owning DTensors
            _distribution_base.adopt_built_layer(self)
        if len(shapes) == 1:
            self._build_shapes = shapes[0]
        else:
            self._build_shapes = dict(zip(self._build_arg_names, shapes))
        self.built = True

    # ------------------------------------------------------------------ graph info

    def _get_node_attribute(self, attr, label):
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer '{self.name}' has never been called on symbolic inputs, so it has no {label}."
            )
        values = {id(getattr(n, attr)) for n in self._inbound_nodes}
        if len(self._inbound_nodes) > 1 and len(values) > 1:
            raise AttributeError(
                f"Layer '{self.name}' has been called {len(self._inbound_nodes)} times (it is shared), so "
                f"its {label} is ambiguous. Use layer.get_{label}_at(node_index) instead."
            )
        return getattr(self._inbound_nodes[0], attr)

    @property
    def input(self):
        """The symbolic input of this layer (single-node layers only)."""
        return self._get_node_attribute("input_structure", "input")

    @property
    def output(self):
        """The symbolic output of this layer (single-node layers only)."""
        return self._get_node_attribute("outputs", "output")

    def get_input_at(self, node_index):
        return self._inbound_nodes[node_index].input_structure

    def get_output_at(self, node_index):
        return self._inbound_nodes[node_index].outputs

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    def extra_repr(self):
        return f"name={self.name!r}"


# ---------------------------------------------------------------------- helpers

# Layers holding `add_loss` values from the current call (cleared per top-level call), in the order
# they added them (a dict used as an ordered set: the terms are summed in call order, run to run).
# A plain builtin container on purpose: torch.compile replays mutations of a global dict after its
# graph, but not of a `set` subclass, whose `add` was lost, so the next step never cleared the
# layer's stale loss and backpropagated through the previous step's freed graph.
_LOSS_TRACKER = {}


def _first_tensor_device(args):
    for value in tree.flatten(list(args)):
        if isinstance(value, torch.Tensor):
            # Fake tensors from shape inference report the device they stand in for.
            return value.device
    return None


def _module_device(module):
    for p in module.parameters():
        return p.device
    for b in module.buffers():
        return b.device
    return torch.get_default_device()


def _unify_batch(shape):
    """During a shape-inference trace, the stand-in batch size is recorded as None."""
    stand_in = CALL_CONTEXT.trace_batch_size
    if isinstance(shape, list) and shape and all(isinstance(s, (tuple, list, dict)) or s is None for s in shape):
        return [_unify_batch(s) for s in shape]
    if isinstance(shape, dict):
        return {k: _unify_batch(v) for k, v in shape.items()}
    if isinstance(shape, (tuple, list)):
        shape = tuple(None if d is None else int(d) for d in shape)
        if stand_in is not None and shape and shape[0] == stand_in:
            shape = (None,) + shape[1:]
    return shape


def _as_shape(shape):
    """JSON lists back to shape tuples (nested lists of shapes stay lists)."""
    if isinstance(shape, dict):
        return {k: _as_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple, dict)):
        return [_as_shape(s) for s in shape]
    if isinstance(shape, (list, tuple)):
        return tuple(shape)
    return shape


def _is_plain(value) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def _get_mask(value):
    return getattr(value, "_keras_mask", None)


def _set_mask(outputs, mask):
    """Attaches an eager mask to the output tensor (Keras's `_keras_mask`).

    Skipped under torch.compile: compiled Functional/Sequential models pass masks
    explicitly, and attribute writes on tensors would break the graph.
    """
    if mask is None or torch.compiler.is_compiling():
        return
    if isinstance(outputs, torch.Tensor):
        try:
            outputs._keras_mask = mask
            CALL_CONTEXT.masking = True
        except (AttributeError, RuntimeError):
            pass
    elif isinstance(outputs, (list, tuple)):
        # Several outputs: a list of masks (compute_mask returning one per output) is matched by
        # position; one mask applies to every output, as in Keras.
        masks = mask if isinstance(mask, (list, tuple)) and len(mask) == len(outputs) else [mask] * len(outputs)
        for output, each in zip(outputs, masks):
            if isinstance(output, torch.Tensor) and isinstance(each, torch.Tensor):
                _set_mask(output, each)


def _global_policy_is_mixed():
    from lamina.mixed_precision import global_policy_name

    return global_policy_name().startswith("mixed_")


def _cast_floats(args, dtype):
    """Floating-point inputs to the layer's compute dtype (Keras `autocast` for non-default policies)."""
    return tuple(a.to(dtype) if isinstance(a, torch.Tensor) and a.is_floating_point() and a.dtype != dtype
                 else a for a in args)
