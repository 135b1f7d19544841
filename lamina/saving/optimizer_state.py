"""Optimizer state inside the weights h5, so training resumes exactly after loading.

Two views are written under `optimizer/`:

- `optimizer/vars/<i>`: what Keras 3's optimizer holds in `variables`, in its
  order, layouts and units (`keras_optimizer_variables`), so Keras 3 resumes
  training from a lamina file; a Keras-written file is read back through the
  same mapping (`load_keras_optimizer_variables`).
- `optimizer/lamina_state`: the complete `optimizer.state_dict()` (torch's
  per-parameter steps and moments, EMA, accumulators), as datasets plus a JSON
  description of the structure in the attribute `structure`. Nothing is
  pickled; on load the JSON only ever produces dicts, lists, numbers and the
  stored arrays.
"""

import json

import numpy as np
import torch

from lamina.distribution.base import assign_full, full_value
from lamina.saving.errors import CorruptFileError, LoadError, SavingError

__all__ = ["save_optimizer_state", "load_optimizer_state"]

_STATE = "optimizer/lamina_state"


def _optimizer(model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(optimizer, "built", False) or not hasattr(optimizer, "state_dict"):
        return None
    return optimizer


def _encode(value, arrays):
    if isinstance(value, torch.Tensor):
        tensor = full_value(value.detach()).cpu()
        key = str(len(arrays))
        dtype = str(tensor.dtype).replace("torch.", "")
        if tensor.dtype == torch.bfloat16:
            tensor = tensor.float()
        arrays[key] = tensor.numpy()
        return {"__tensor__": key, "dtype": dtype}
    if isinstance(value, dict):
        return {"__dict__": [[_encode(k, arrays), _encode(v, arrays)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return {"__list__" if isinstance(value, list) else "__tuple__": [_encode(v, arrays) for v in value]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise SavingError(f"The optimizer state holds a {type(value).__name__} ({value!r}), which cannot be stored "
                      f"without pickling; optimizer state is saved as arrays and JSON only.")


def _decode(value, group, depth=0):
    if depth > 64:
        raise CorruptFileError("The stored optimizer state is nested too deeply; the file is corrupt.")
    if isinstance(value, dict):
        if "__tensor__" in value:
            key = value["__tensor__"]
            if not isinstance(key, str) or key not in group:
                raise CorruptFileError(f"The stored optimizer state refers to a missing array {key!r}.")
            array = np.asarray(group[key][()])
            if array.dtype.kind not in "fiub":
                raise CorruptFileError(f"Optimizer array {key!r} has unsupported dtype {array.dtype}.")
            dtype = getattr(torch, str(value.get("dtype", "")), None)
            tensor = torch.from_numpy(np.array(array, copy=True).reshape(array.shape))
            return tensor.to(dtype) if isinstance(dtype, torch.dtype) else tensor
        if "__dict__" in value:
            return {_decode(k, group, depth + 1): _decode(v, group, depth + 1) for k, v in value["__dict__"]}
        if "__list__" in value:
            return [_decode(v, group, depth + 1) for v in value["__list__"]]
        if "__tuple__" in value:
            return tuple(_decode(v, group, depth + 1) for v in value["__tuple__"])
        raise CorruptFileError("The stored optimizer state has an unknown entry.")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise CorruptFileError("The stored optimizer state is malformed.")


def save_optimizer_state(model, h5file):
    """Writes the built optimizer's state of `model` (no-op when there is none)."""
    optimizer = _optimizer(model)
    if optimizer is None:
        return
    keras_vars = h5file.create_group("optimizer/vars")
    keras_vars.attrs["name"] = type(optimizer).__name__.lower()
    for index, value in enumerate(keras_optimizer_variables(model, optimizer)):
        keras_vars.create_dataset(str(index), data=value)
    # Keras also writes each wrapped optimizer under its own path (`optimizer/inner_optimizer/vars`,
    # `optimizer/optimizers/sgd/vars`); lamina reads `optimizer/vars` only, Keras reads both.
    for path, values in _keras_children(model, optimizer, "optimizer"):
        group = h5file.create_group(f"{path}/vars")
        for index, value in enumerate(values):
            group.create_dataset(str(index), data=value)
    arrays = {}
    structure = _encode(optimizer.state_dict(), arrays)
    group = h5file.create_group(_STATE)
    group.attrs["structure"] = json.dumps(structure)
    for key, array in arrays.items():
        group.create_dataset(key, data=array)


def _keras_children(model, optimizer, prefix):
    """`(h5 path, Keras variables)` of the optimizers a wrapper holds, depth first."""
    out = []
    for path, child in getattr(optimizer, "_keras_child_optimizers", lambda: [])():
        out.append((f"{prefix}/{path}", keras_optimizer_variables(model, child)))
        out.extend(_keras_children(model, child, f"{prefix}/{path}"))
    return out


def _keras_ordered_params(model, optimizer):
    """The optimizer's parameters in Keras's order (the model's trainable weights)."""
    index = getattr(optimizer, "_index", {})
    ordered = [w for w in model.trainable_weights if id(w) in index]
    seen = {id(w) for w in ordered}
    return ordered + [p for p in optimizer._params if id(p) not in seen]


def _keras_slot_plan(model, optimizer):
    """(param, torch state key) for every Keras slot variable, in Keras's order."""
    return optimizer._keras_slot_order(_keras_ordered_params(model, optimizer))


def _to_keras_layout(model, param, value):
    perm = model._weight_perm(param)
    return value.permute(*np.argsort(perm).tolist()) if perm is not None and value.shape == param.shape else value


def keras_optimizer_variables(model, optimizer):
    """The arrays Keras 3's optimizer holds in `optimizer.variables`, in its order and units.

    `[iterations, learning_rate (when a float), EMA averages, gradient accumulators,
    slots per Keras's variable-creation order, trailing scalars]`, every slot in the
    Keras layout of its weight (so a Keras 3 model loaded from the file resumes training).
    """
    if hasattr(optimizer, "_keras_variables"):  # wrappers (LossScaleOptimizer, MultiOptimizer)
        return optimizer._keras_variables(model)

    def numpy(tensor):
        tensor = full_value(tensor.detach()).cpu()  # a DTensor (lamina/distribution): gathered
        return (tensor.float() if tensor.dtype == torch.bfloat16 else tensor).numpy()

    # Keras stores its raw step counter (`_iterations`: micro-steps under gradient accumulation).
    out = [np.asarray(optimizer._iterations, dtype=np.int64)]
    if isinstance(optimizer._learning_rate, float):
        out.append(np.asarray(optimizer._learning_rate, dtype=np.float32))
    params = _keras_ordered_params(model, optimizer)
    position = {id(p): i for i, p in enumerate(optimizer._params)}
    for extra in (optimizer._ema, optimizer._accumulators):
        if extra:
            out.extend(numpy(_to_keras_layout(model, p, extra[position[id(p)]])) for p in params)
    state = optimizer._torch.state if optimizer._torch is not None else {}
    for param, key in _keras_slot_plan(model, optimizer):
        value = state.get(param, {}).get(key)
        if value is None:
            value = torch.zeros_like(param)
        value = optimizer._slot_to_keras(key, value.detach())
        out.append(numpy(_to_keras_layout(model, param, value)))
    out.extend(numpy(value) for value in optimizer._keras_trailing_variables())
    return out


def load_keras_optimizer_variables(model, optimizer, arrays, where):
    """Restores the state of a Keras-written file's `optimizer/vars` (see `keras_optimizer_variables`).

    Returns False, with a warning, when the stored variables do not match this optimizer (another
    class or options): training then restarts its moments, as Keras does in that case.
    """
    expected = keras_optimizer_variables(model, optimizer)
    if len(arrays) != len(expected) or any(np.shape(a) != np.shape(e) for a, e in zip(arrays, expected)):
        _warn_mismatch(optimizer, where, len(arrays), len(expected))
        return False
    if hasattr(optimizer, "_load_keras_variables"):  # wrappers (LossScaleOptimizer, MultiOptimizer)
        return optimizer._load_keras_variables(model, arrays, where)
    arrays = list(arrays)
    optimizer._iterations = int(np.asarray(arrays.pop(0)))
    optimizer._counters_diverged = True  # torch's per-parameter step counters follow at the next step
    if isinstance(optimizer._learning_rate, float):
        optimizer._learning_rate = float(np.asarray(arrays.pop(0)))
    params = _keras_ordered_params(model, optimizer)
    position = {id(p): i for i, p in enumerate(optimizer._params)}

    def from_keras_layout(param, array, like):
        value = torch.from_numpy(np.array(array, copy=True))
        perm = model._weight_perm(param)
        if perm is not None and value.dim() == len(perm):
            value = value.permute(*perm)
        return value.to(dtype=like.dtype, device=like.device)

    with torch.no_grad():
        for extra in (optimizer._ema, optimizer._accumulators):
            if extra:
                for p in params:
                    target = extra[position[id(p)]]
                    assign_full(target, from_keras_layout(p, arrays.pop(0), target))
        state = optimizer._torch.state
        for param, key in _keras_slot_plan(model, optimizer):
            entry = state[param]
            target = entry.get(key)
            if target is None:
                target = entry[key] = torch.zeros_like(param, memory_format=torch.preserve_format)
            value = from_keras_layout(param, arrays.pop(0), target)
            assign_full(target, optimizer._slot_from_keras(key, value))
    optimizer._load_keras_trailing_variables([torch.from_numpy(np.asarray(a)) for a in arrays])
    return True


def load_optimizer_state(model, h5file, where):
    """Restores the optimizer state saved with the model, building the optimizer on its parameters.

    A lamina file restores the complete torch state (`optimizer/lamina_state`); a Keras-written
    file has only Keras's `optimizer/vars`, which are converted (step count, learning rate,
    moments, in Keras's order and units).
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "load_state_dict"):
        return
    if _STATE not in h5file:
        if "optimizer/vars" in h5file:
            _load_keras_written(model, optimizer, h5file["optimizer/vars"], where)
        return
    group = h5file[_STATE]
    try:
        structure = json.loads(group.attrs["structure"])
        state = _decode(structure, group)
    except LoadError:
        raise
    except Exception as error:
        raise CorruptFileError(f"The optimizer state in {where} is malformed: {error}") from error
    if not getattr(optimizer, "built", False):
        # The same parameter list the trainer builds the optimizer with.
        optimizer.build([p for p in model.parameters() if p.requires_grad])
    try:
        optimizer.load_state_dict(state)
    except Exception as error:
        raise LoadError(f"Could not restore the optimizer state from {where}: {type(error).__name__}: {error}. "
                        f"Load with compile=False to skip it.") from error


def _warn_mismatch(optimizer, where, received, expected):
    import warnings

    warnings.warn(f"The optimizer variables in {where} ({received} arrays) do not match this "
                  f"{type(optimizer).__name__} ({expected} expected, e.g. another optimizer class or "
                  f"options); its state starts afresh, as Keras does in that case.", stacklevel=4)


def _load_keras_written(model, optimizer, group, where):
    """Keras's `optimizer/vars/<i>` datasets into `optimizer` (shapes checked before reading)."""
    if not getattr(optimizer, "built", False):
        optimizer.build([p for p in model.parameters() if p.requires_grad])
    keys = sorted(group.keys(), key=lambda k: int(k) if k.isdigit() else -1)
    if any(not k.isdigit() for k in keys) or keys != [str(i) for i in range(len(keys))]:
        raise CorruptFileError(f"The optimizer variables in {where} are not numbered 0..n-1: {keys[:10]}.")
    expected = keras_optimizer_variables(model, optimizer)
    if len(keys) != len(expected) or any(tuple(group[k].shape) != np.shape(e) for k, e in zip(keys, expected)):
        _warn_mismatch(optimizer, where, len(keys), len(expected))
        return
    arrays = []
    for key in keys:
        array = np.asarray(group[key][()])
        if array.dtype.kind not in "fiub":
            raise CorruptFileError(f"Optimizer variable {key} in {where} has unsupported dtype {array.dtype}.")
        arrays.append(array)
    load_keras_optimizer_variables(model, optimizer, arrays, where)
