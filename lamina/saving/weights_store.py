"""Model weights <-> Keras's h5 layout (`layers/<snake_class>[_n]/vars/<i>`).

The walk reproduces Keras's `saving_lib._save_state`: each object writes its
own variables to `<path>/vars` (attribute `name` = its name), then visits its
children: a Functional/Sequential model's `layers` first (named by
snake_case class and order, never by layer name), then sub-layer attributes
sorted with private ones last. A layer may override the layout with
`save_own_variables(store)` / `load_own_variables(store)` (store: a dict-like
of `"0"`, `"1"`, ... -> arrays) and `_saveable_children()` returning
`[(attribute_name, child_or_list)]` (LSTM returns `[("cell", ...)]`-like
structures to match Keras).

Loading reads and checks every array first and assigns only when all of them
fit, so a bad file never leaves a half-loaded model.
"""

import numpy as np
import torch
from torch import nn

from lamina.backend import to_snake_case
from lamina.distribution.base import assign_full, full_value
from lamina.saving.errors import WeightMismatchError

__all__ = ["save_weights_to_h5", "load_weights_from_h5", "own_keras_values", "stored_weight_bytes"]

MAX_ELEMENTS = 2 ** 34  # refuse absurd declared dataset sizes before reading them


def _name_key(name):
    return "~" + name if name.startswith("_") else name


def own_keras_values(layer):
    """The layer's own parameters (not sub-layers'), Keras order and layout."""
    out = []
    for pname in layer._own_weight_names():
        value = full_value(layer._parameters[pname].detach())  # a DTensor (lamina/distribution): gathered
        perm = layer._weight_specs.get(pname, {}).get("perm")
        if perm is not None:
            value = value.permute(*np.argsort(perm).tolist())
        out.append(value.cpu().numpy())
    return out


def _children(obj):
    """`[(attribute, child_or_list)]` in Keras's visiting order."""
    from lamina.layers.layer import Layer
    from lamina.models.functional import Functional
    from lamina.models.model import Model
    from lamina.models.sequential import Sequential

    custom = getattr(obj, "_saveable_children", None)
    if custom is not None:
        return list(custom())
    if isinstance(obj, (Functional, Sequential)):
        from lamina.layers.core.torch_op import TorchOp

        # Keras's `Functional.layers` leaves out operations (`x + y`), which own no state.
        out = [("layers", [layer for layer in obj.layers if not isinstance(layer, TorchOp)])]
        optimizer = getattr(obj, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "save_own_variables"):
            out.append(("optimizer", optimizer))
        return out
    if not isinstance(obj, Layer):
        return []
    items = []
    for attr, module in obj._modules.items():
        if module is None:
            continue
        if isinstance(module, (nn.ModuleList, nn.ModuleDict)) and not isinstance(module, Layer):
            items.append((attr, list(module.children())))
        else:
            items.append((attr, module))
    if isinstance(obj, Model):  # Keras's Model.layers property is walked like any attribute
        items.append(("layers", obj._sub_layers()))
        optimizer = getattr(obj, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "save_own_variables"):
            items.append(("optimizer", optimizer))
    return sorted(items, key=lambda item: _name_key(item[0]))


def _walk(obj, path, visit, seen):
    """Calls `visit(obj, path)` for every saveable in Keras's order (each object once)."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    visit(obj, path)
    if not isinstance(obj, nn.Module) or getattr(obj, "_saveable_children", None) is None and \
            not hasattr(obj, "_own_weight_names"):
        return
    for attr, child in _children(obj):
        child_path = f"{path}/{attr}" if path else attr
        if isinstance(child, (list, tuple)):
            used = {}
            for item in child:
                if not isinstance(item, nn.Module) and not hasattr(item, "save_own_variables"):
                    continue
                # A class exported under another name than Keras's own (GroupQueryAttention, whose
                # Keras class is GroupedQueryAttention) names its h5 group after Keras's class.
                name = getattr(type(item), "_keras_h5_name", None) or to_snake_case(type(item).__name__)
                if name in used:
                    used[name] += 1
                    name = f"{name}_{used[name]}"
                else:
                    used[name] = 0
                if id(item) in seen:
                    continue
                _walk(item, f"{child_path}/{name}", visit, seen)
        else:
            _walk(child, child_path, visit, seen)


def _custom_hook(obj, name):
    """`obj.<name>` (`save_own_variables` / `load_own_variables`) when the object has its own, else
    None. `Layer`'s generic hooks count as none: the code here does the same with its shape checks,
    DTensor gathering and `skip_mismatch` reporting."""
    from lamina.layers.core.lora_quant import LoraQuantMixin
    from lamina.layers.layer import Layer

    method = getattr(obj, name, None)
    if method is None:
        return None
    owner = next((cls for cls in type(obj).__mro__ if name in vars(cls)), None)
    if owner is Layer or (owner is LoraQuantMixin and not obj._stores_own_variables()):
        return None
    return method


def _own_values(obj):
    """`{"0": array, ...}` an object stores at its path."""
    store = {}
    custom = _custom_hook(obj, "save_own_variables")
    if custom is not None:
        custom(store)
        return store
    if hasattr(obj, "_own_weight_names"):
        for i, value in enumerate(own_keras_values(obj)):
            store[str(i)] = value
    elif isinstance(obj, nn.Module):  # a plain torch module: its state_dict, as Keras's TorchModuleWrapper
        for key, value in obj.state_dict().items():
            store[key] = value.detach().cpu().numpy()
    return store


def save_weights_to_h5(model, h5file):
    """Writes every weight of `model` into the open h5py file `h5file`."""
    def visit(obj, path):
        group = h5file.create_group(f"{path}/vars" if path else "vars")
        group.attrs["name"] = str(getattr(obj, "name", type(obj).__name__))
        for key, value in _own_values(obj).items():
            group.create_dataset(key, data=np.asarray(value))

    _walk(model, "", visit, set())


class _ReadStore(dict):
    """The arrays found at one path (already checked to be plain numeric datasets)."""


def _read_group(h5file, path, where):
    import h5py

    key = f"{path}/vars" if path else "vars"
    if hasattr(h5file, "read_group"):  # a sharded file: the group's datasets gathered from its shards
        group = h5file.read_group(path, where)
    else:
        group = h5file.get(key)
        if group is not None and not isinstance(group, h5py.Group):
            raise WeightMismatchError(f"'{key}' in {where} is not an h5 group; the file is corrupt.")
    store = _ReadStore()
    if group is None:
        return None
    for name, dataset in group.items():
        if not isinstance(dataset, h5py.Dataset):
            raise WeightMismatchError(f"'{key}/{name}' in {where} is not a dataset; the file is corrupt.")
        store[name] = dataset
    return store


def _check_and_read(dataset, expected_shape, label, where):
    shape = tuple(dataset.shape or ())
    if shape != tuple(expected_shape):
        raise WeightMismatchError(
            f"{label}: the file {where} holds shape {shape} at '{dataset.name}', but the model expects "
            f"{tuple(expected_shape)}. The file was saved from a different architecture; rebuild the same "
            f"model or pass skip_mismatch=True to load_weights."
        )
    if dataset.dtype.kind not in "fiub" or int(np.prod(shape, dtype=np.int64)) > MAX_ELEMENTS:
        raise WeightMismatchError(f"{label}: dataset '{dataset.name}' in {where} has unsupported dtype "
                                  f"{dataset.dtype} or size.")
    try:
        return np.asarray(dataset[()])
    except Exception as error:
        raise WeightMismatchError(f"{label}: could not read '{dataset.name}' from {where}: {error}") from error


def stored_weight_bytes(model):
    """The bytes of weights `load_weights_from_h5` will read for `model`, or None if unknown.

    Unknown when an object stores its own variables (`load_own_variables`): its layout is its own.
    """
    from lamina.layers.layer import Layer

    total = [0]

    def visit(obj, path):
        if total[0] is None:
            return
        if _custom_hook(obj, "load_own_variables") is not None:
            total[0] = None
            return
        if isinstance(obj, Layer):
            tensors = [obj._parameters[name] for name in obj._own_weight_names()]
        elif isinstance(obj, nn.Module):
            tensors = list(obj.state_dict(keep_vars=True).values())
        else:
            return
        total[0] += sum(t.numel() * t.element_size() for t in tensors)

    _walk(model, "", visit, set())
    return total[0]


def load_weights_from_h5(model, h5file, where="the weights file", skip_mismatch=False):
    """Reads every weight of `model` from `h5file`; assigns only if all of them fit.

    Returns:
        The list of warnings (paths skipped because of `skip_mismatch`).
    """
    from lamina.layers.layer import Layer

    assignments, skipped = [], []

    def visit(obj, path):
        label = f"'{getattr(obj, 'name', type(obj).__name__)}' ({type(obj).__name__}) at '{path or '/'}'"
        store = _read_group(h5file, path, where)
        if _custom_hook(obj, "load_own_variables") is not None:
            assignments.append(("custom", obj, dict(store or {})))
            return
        if isinstance(obj, Layer):
            targets = [(pname, obj._parameters[pname], obj._weight_specs.get(pname, {}).get("perm"))
                       for pname in obj._own_weight_names()]
        elif isinstance(obj, nn.Module):
            targets = [(k, v, None) for k, v in obj.state_dict(keep_vars=True).items()]
        else:
            return
        if not targets:
            return
        try:
            if store is None:
                raise WeightMismatchError(f"{label}: the file {where} has no weights for it (no '{path}/vars').")
            keys = [str(i) for i in range(len(targets))] if isinstance(obj, Layer) else [t[0] for t in targets]
            if len(store) != len(targets) or set(store) != set(keys):
                raise WeightMismatchError(
                    f"{label}: the file {where} holds {len(store)} weight(s) {sorted(store)}, the model expects "
                    f"{len(targets)}. The file was saved from a different architecture.")
            for key, (pname, param, perm) in zip(keys, targets):
                keras_shape = tuple(param.shape) if perm is None else \
                    tuple(param.shape[i] for i in np.argsort(perm))
                value = _check_and_read(store[key], keras_shape, label, where)
                assignments.append(("param", param, (value, perm)))
        except WeightMismatchError as error:
            if not skip_mismatch:
                raise
            skipped.append(str(error))

    _walk(model, "", visit, set())
    with torch.no_grad():
        for kind, target, payload in assignments:
            if kind == "custom":
                target.load_own_variables({k: np.asarray(v[()]) for k, v in payload.items()})
                continue
            value, perm = payload
            # np.ascontiguousarray would turn a 0-d value (a step count) into shape (1,).
            tensor = torch.from_numpy(np.array(value, copy=True).reshape(np.shape(value)))
            if perm is not None:
                tensor = tensor.permute(*perm)
            assign_full(target, tensor.to(dtype=target.dtype, device=target.device))
    return skipped
