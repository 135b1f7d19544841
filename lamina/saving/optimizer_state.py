"""Optimizer state inside the weights h5, so training resumes exactly after loading.

Two views are written under `optimizer/`:

- `optimizer/vars/<i>`: the optimizer's `variables` (iterations, learning
  rate, then per-parameter slots), Keras's own layout for optimizer state.
- `optimizer/lamina_state`: the complete `optimizer.state_dict()` (torch's
  per-parameter steps and moments, EMA, accumulators), as datasets plus a JSON
  description of the structure in the attribute `structure`. Nothing is
  pickled; on load the JSON only ever produces dicts, lists, numbers and the
  stored arrays.
"""

import json

import numpy as np
import torch

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
        tensor = value.detach().cpu()
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
    owners = _slot_owners(optimizer)
    for index, variable in enumerate(optimizer.variables):
        value = variable.detach().cpu()
        if value.dtype == torch.bfloat16:
            value = value.float()
        param = owners.get(id(variable))
        if param is not None and value.shape == param.shape:
            # Slots of a weight stored in torch layout (conv kernels) go to the file in Keras's
            # layout, like the weight itself, so Keras 3 can load them.
            perm = model._weight_perm(param)
            if perm is not None:
                value = value.permute(*np.argsort(perm).tolist())
        keras_vars.create_dataset(str(index), data=value.numpy())
    arrays = {}
    structure = _encode(optimizer.state_dict(), arrays)
    group = h5file.create_group(_STATE)
    group.attrs["structure"] = json.dumps(structure)
    for key, array in arrays.items():
        group.create_dataset(key, data=array)


def _slot_owners(optimizer):
    """id(slot tensor) -> the parameter it belongs to (moments of a conv kernel, ...)."""
    owners = {}
    torch_optimizer = getattr(optimizer, "_torch", None)
    if torch_optimizer is None:
        return owners
    for param in getattr(optimizer, "_params", []):
        for value in torch_optimizer.state.get(param, {}).values():
            if isinstance(value, torch.Tensor):
                owners[id(value)] = param
    return owners


def load_optimizer_state(model, h5file, where):
    """Restores the optimizer state saved with the model, building the optimizer on its parameters.

    Does nothing if the model has no optimizer or the file holds no lamina optimizer state (a
    Keras-written file: its `optimizer/vars` do not describe torch's state, so training restarts
    its moments, as after compiling).
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "load_state_dict") or _STATE not in h5file:
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
