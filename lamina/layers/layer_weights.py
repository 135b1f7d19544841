"""The weights half of `Layer`: creating, listing, freezing, reading and writing weights.

Kept apart from the call protocol in `layer.py`. Weights are `Variable`s
(`torch.nn.Parameter`s) registered on the module; their Keras order is own
trainable-by-design weights, own other weights, then each sub-layer's weights.
A weight stored in a torch layout (conv kernels) carries the permutation from
its Keras layout, which `get_weights`/`set_weights` undo and apply.
"""

import math

import numpy as np
import torch
from torch import nn

from lamina import backend
from lamina.layers.variable import Variable

__all__ = ["WeightsMixin", "in_keras_layout"]


def in_keras_layout(fn, perm):
    """`fn` (a regularizer or constraint written for the Keras layout) applied to a weight stored
    permuted by `perm`: the weight is seen in Keras layout (a view) and a tensor result is
    permuted back, so `max_norm(axis=0)` on a Dense kernel means what it means in Keras."""
    if perm is None:
        return fn
    inverse = np.argsort(perm).tolist()
    perm = list(perm)

    def apply(value):
        result = fn(value.permute(*inverse))
        return result.permute(*perm) if result.dim() == len(perm) else result

    return apply


class WeightsMixin:
    """Weight management for `Layer` (an `nn.Module`); not used on its own."""

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool):
        value = bool(value)
        self._trainable = value
        for pname, param in self._parameters.items():
            if param is not None:
                spec = self._weight_specs.get(pname)
                param.requires_grad_(value and (spec["trainable"] and not spec.get("frozen") if spec else True))
        for child in self._modules.values():
            _set_module_trainable(child, value)

    def _rename_parameter(self, old, new):
        """`self.w = self.add_weight(...)`: the parameter's key becomes `w`, keeping its order."""
        self._parameters = type(self._parameters)(
            (new if k == old else k, p) for k, p in self._parameters.items())
        if old in self._weight_specs:
            self._weight_specs = {(new if k == old else k): v for k, v in self._weight_specs.items()}
    # ------------------------------------------------------------------ weights

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none", overwrite_with_gradient=False,
                   name=None, *, _torch_perm=None):
        """Creates a weight, registers it as a parameter and returns it.

        Args:
            shape: the weight's shape in Keras layout (e.g. `(in, out)` for a
                Dense kernel).
            initializer: name or `Initializer`; defaults to `glorot_uniform` for
                floats, `zeros` otherwise.
            dtype: weight dtype; defaults to the layer's variable dtype.
            trainable: False makes a non-trainable weight: no gradient, still in
                `state_dict` and in `non_trainable_weights`.
            regularizer: name or `Regularizer`; its penalty joins `layer.losses`.
            constraint: name or `Constraint` applied after each optimizer step.
            name: attribute name of the parameter (`layer.<name>`).

        Keras 2's order `add_weight(name, shape, ...)` is accepted too.

        Returns:
            The new `Variable` (a `torch.nn.Parameter`).

        Example:
            >>> self.kernel = self.add_weight(shape=(4, 8), initializer="glorot_uniform", name="kernel")
        """
        from lamina import constraints, initializers, regularizers

        if isinstance(shape, str):
            raise TypeError(
                f"add_weight on layer '{self.name}': the first argument is the shape (Keras 3 order), "
                f"received the string {shape!r}. Call add_weight(shape=..., name={shape!r}, ...)."
            )
        if shape is None:
            shape = ()
        try:
            shape = tuple(int(d) for d in shape)
        except (TypeError, ValueError):
            raise ValueError(
                f"add_weight on layer '{self.name}' needs a fully known shape of ints; "
                f"received shape={shape!r} for weight {name!r}."
            ) from None
        torch_dtype = backend.to_torch_dtype(dtype or self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if torch_dtype.is_floating_point else "zeros"
        initializer = initializers.get(initializer)
        name = self._unique_weight_name(name)
        # While a file is loaded, its weights member bounds what its config may allocate
        # (lamina/saving/load_budget.py); checked before the initializer runs.
        from lamina.saving.load_budget import charge_weight

        charge_weight(self.name, name, shape, torch_dtype.itemsize)
        device = _build_device()
        with torch.no_grad():
            if isinstance(initializer, initializers.Initializer):
                value = initializer(shape, dtype=torch_dtype, device=device)
            else:  # a user's Keras-style callable(shape, dtype=None)
                value = initializer(shape, dtype=torch_dtype)
            value = torch.as_tensor(value, dtype=torch_dtype, device=device)
            if _torch_perm is not None:
                value = value.permute(*_torch_perm).contiguous()
        param = Variable(value, requires_grad=bool(trainable) and self._trainable)
        param._keras_name = name
        param._owner_path = self.name
        if _torch_perm is not None:
            param._keras_perm = tuple(_torch_perm)
        self.register_parameter(name, param)
        self._weight_specs[name] = {
            "trainable": bool(trainable),
            "regularizer": regularizers.get(regularizer) if regularizer is not None else None,
            "constraint": constraints.get(constraint) if constraint is not None else None,
            "perm": tuple(_torch_perm) if _torch_perm is not None else None,
        }
        from lamina.distribution.base import current_distribution

        strategy = current_distribution()  # ModelParallel lays a variable out as it is made (DTensor)
        if strategy is not None and hasattr(strategy, "distribute_weight"):
            param = strategy.distribute_weight(self, name, param)
        return param

    def _unique_weight_name(self, name):
        base = name or "variable"
        base = "".join(c if (c.isalnum() or c == "_") else "_" for c in base)
        if base[0].isdigit():
            base = "_" + base
        candidate, index = base, 1
        while candidate in self._parameters or (candidate in self.__dict__) or candidate in self._modules:
            if name is not None and candidate == base and candidate in self._parameters:
                raise ValueError(f"Layer '{self.name}' already has a weight named '{name}'.")
            candidate = f"{base}_{index}"
            index += 1
        return candidate

    def _own_weight_names(self):
        """Own parameter names in Keras order: trainable-by-design first, then the rest."""
        names = [n for n in self._parameters if self._parameters[n] is not None]
        specs = self._weight_specs
        first = [n for n in names if specs.get(n, {"trainable": True})["trainable"]]
        rest = [n for n in names if n not in first]
        return first + rest

    def _sub_layers(self):
        """Direct child modules in tracking order (lamina layers and plain torch modules)."""
        out = []
        for module in self._modules.values():
            if isinstance(module, (nn.ModuleList, nn.ModuleDict)) and not isinstance(module, WeightsMixin):
                out.extend(_flatten_containers(module))
            elif module is not None:
                out.append(module)
        return out

    @property
    def weights(self) -> list:
        """All weights: own (trainable then non-trainable), then each sub-layer's."""
        seen, out = set(), []
        for n in self._own_weight_names():
            p = self._parameters[n]
            if id(p) not in seen:
                seen.add(id(p))
                out.append(p)
        for child in self._sub_layers():
            for p in _module_weights(child):
                if id(p) not in seen:
                    seen.add(id(p))
                    out.append(p)
        return out

    @property
    def trainable_weights(self) -> list:
        return [w for w in self.weights if w.requires_grad] if self._trainable else []

    @property
    def non_trainable_weights(self) -> list:
        if not self._trainable:
            return self.weights
        return [w for w in self.weights if not w.requires_grad]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def _weight_perm(self, param):
        owner, pname = _find_owner(self, param)
        if owner is None or not isinstance(owner, WeightsMixin):
            return None
        return owner._weight_specs.get(pname, {}).get("perm")

    def get_weights(self) -> list:
        """The weights as NumPy arrays, in Keras layout and order."""
        out = []
        for w in self.weights:
            value = w.detach()
            if hasattr(value, "full_tensor"):  # an FSDP shard (DTensor): gather it (collective, every rank)
                value = value.full_tensor()
            perm = self._weight_perm(w)
            if perm is not None:
                value = value.permute(*np.argsort(perm).tolist())
            out.append(value.cpu().numpy().copy())
        return out

    def set_weights(self, weights) -> None:
        """Sets the weights from NumPy arrays in Keras layout and order (see `get_weights`)."""
        params = self.weights
        weights = list(weights)
        if len(weights) != len(params):
            raise ValueError(
                f"Layer '{self.name}' expects {len(params)} weight arrays "
                f"({', '.join(p.name if isinstance(p, Variable) else 'tensor' for p in params) or 'none'}), "
                f"but received a list of {len(weights)}."
            )
        with torch.no_grad():
            for index, (param, value) in enumerate(zip(params, weights)):
                array = value.detach().cpu() if isinstance(value, torch.Tensor) else torch.from_numpy(np.array(value))
                perm = self._weight_perm(param)
                keras_shape = tuple(param.shape) if perm is None else tuple(param.shape[i] for i in np.argsort(perm))
                if tuple(array.shape) != keras_shape:
                    label = param.path if isinstance(param, Variable) else f"weight {index}"
                    raise ValueError(
                        f"Layer '{self.name}' weight {index} ('{label}') expects shape {keras_shape}, "
                        f"received an array of shape {tuple(array.shape)}."
                    )
                if perm is not None:
                    array = array.permute(*perm)
                array = array.to(dtype=param.dtype, device=param.device)
                if hasattr(param, "device_mesh") and hasattr(param, "to_local"):  # a DTensor (lamina/distribution)
                    from torch.distributed.tensor import distribute_tensor

                    # Every process holds the full array: each keeps its own part, no communication.
                    array = distribute_tensor(array, param.device_mesh, param.placements, src_data_rank=None)
                param.copy_(array)

    def count_params(self) -> int:
        """Number of scalars in all weights; the layer must be built."""
        if not self.built and not any(True for _ in self.parameters()):
            raise ValueError(
                f"You called count_params() on layer '{self.name}', which is not built yet, so it has "
                f"no weights. Build it first with layer.build(input_shape) or by calling it on data."
            )
        return int(sum(math.prod(w.shape) for w in self.weights))


class _BuildDevice:
    """Device on which `add_weight` creates weights during one `build`."""

    current = None

    def __init__(self, device):
        self.device = device

    def __enter__(self):
        self.previous = _BuildDevice.current
        _BuildDevice.current = self.device

    def __exit__(self, *exc):
        _BuildDevice.current = self.previous


def _build_device():
    if _BuildDevice.current is not None:
        return _BuildDevice.current
    return torch.get_default_device()


def _flatten_containers(container):
    out = []
    for module in container._modules.values():
        if isinstance(module, (nn.ModuleList, nn.ModuleDict)) and not isinstance(module, WeightsMixin):
            out.extend(_flatten_containers(module))
        elif module is not None:
            out.append(module)
    return out


def _module_weights(module):
    if isinstance(module, WeightsMixin):
        return module.weights
    # A plain torch module: its parameters, then its persistent buffers (e.g. running stats).
    return list(module.parameters()) + [b for n, b in module.named_buffers()
                                        if n.split(".")[-1] not in _non_persistent(module, n)]


def _non_persistent(module, qualified_name):
    owner = module
    parts = qualified_name.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part)
    return owner._non_persistent_buffers_set


def _find_owner(root, param):
    for module in root.modules():
        for pname, p in module._parameters.items():
            if p is param:
                return module, pname
    return None, None


def _set_module_trainable(module, value):
    if isinstance(module, WeightsMixin):
        module.trainable = value
        return
    if isinstance(module, (nn.ModuleList, nn.ModuleDict)):
        for child in module.children():
            _set_module_trainable(child, value)
        return
    for param in module.parameters():
        param.requires_grad_(value)


