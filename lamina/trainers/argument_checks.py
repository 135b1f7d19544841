"""Checks of `fit`/`evaluate`/`predict` arguments that would otherwise fail deep in torch or silently.

Each check runs once at the entry of the call (never per step) and raises an error that names the
argument, what was expected, what was received and how to fix it.
"""

import numbers

import numpy as np
import torch

from lamina.backend.dtypes import dtype_name
from lamina.trainers.data_adapters.structure import input_names_of

__all__ = ["check_counts", "check_no_strings", "check_targets_given", "check_class_ids", "check_class_weight"]


def _positive_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0


def check_counts(caller, **counts):
    """`batch_size`, `steps`... must be None or positive ints; `epochs`/`initial_epoch` ints >= 0.

    Example:
        >>> check_counts("fit", batch_size=0)
        ValueError: fit(): batch_size must be a positive int (samples per batch) or None; received batch_size=0.
    """
    for name, value in counts.items():
        if value is None and name not in ("epochs", "initial_epoch"):
            continue
        if name in ("epochs", "initial_epoch"):
            if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0):
                what = "the index of the last epoch" if name == "epochs" else "the epoch to start from"
                raise ValueError(f"{caller}(): {name} must be an int >= 0 ({what}); received {name}={value!r}.")
        elif not _positive_int(value):
            what = "samples per batch" if "batch_size" in name else "a number of batches"
            raise ValueError(f"{caller}(): {name} must be a positive int ({what}) or None; received {name}={value!r}.")


def _is_strings(value):
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "US":
            return True
        if value.dtype == object:
            return any(isinstance(v, (str, bytes)) for v in value.flat)
        return False
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (str, bytes)) for v in value):
        return True
    return False


def _leaves(data, label):
    """[(path, leaf, key or index of the top-level entry)] of an array structure."""
    if isinstance(data, dict):
        return [(f"{label}[{k!r}]", v, k) for k, v in data.items()]
    if isinstance(data, (list, tuple)) and not _is_strings(data) and data \
            and all(isinstance(v, (np.ndarray, torch.Tensor, list, tuple)) for v in data):
        return [(f"{label}[{i}]", v, i) for i, v in enumerate(data)]
    return [(label, data, 0)]


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"dtype {value.dtype}, shape {value.shape}"
    return f"a {type(value).__name__} of {len(value)} strings"


def _symbolic_inputs(model):
    try:  # an unbuilt Sequential has no inputs yet (it builds on the first batch)
        inputs = getattr(model, "inputs", None)
        return list(inputs) if inputs else []
    except (TypeError, ValueError):
        return []


def check_no_strings(model, x, y, caller):
    """Refuses arrays of strings where the model takes numbers (torch cannot convert them).

    An input declared with a string dtype is left alone (for layers that take strings); every
    target is numeric.
    """
    names = input_names_of(model) or []
    inputs = _symbolic_inputs(model)
    for path, value, key in _leaves(x, "x"):
        if not _is_strings(value):
            continue
        index = names.index(key) if isinstance(key, str) and key in names else key if isinstance(key, int) else None
        if not inputs:
            continue  # a Sequential not built yet takes its first batch's dtypes (strings too)
        tensor = inputs[index] if index is not None and index < len(inputs) else None
        dtype = getattr(tensor, "dtype", "float32")
        dtype = dtype_name(dtype) if isinstance(dtype, torch.dtype) else str(dtype)
        if dtype == "string":
            continue
        name = names[index] if index is not None and index < len(names) else None
        where = f"input '{name}' of model '{model.name}'" if name else f"model '{model.name}'"
        raise TypeError(
            f"{caller}(): {path} is an array of strings ({_describe(value)}), but {where} takes {dtype} numbers. "
            f"Turn the strings into numbers first (e.g. map each one to an id with a vocabulary)."
        )
    for path, value, key in _leaves(y, "y"):
        if _is_strings(value):
            raise TypeError(
                f"{caller}(): {path} (the targets) is an array of strings ({_describe(value)}); losses and metrics "
                f"compare predictions with numbers. Encode the labels as class ids (e.g. with "
                f"`np.unique(y, return_inverse=True)[1]`) or as numbers."
            )


def check_targets_given(model, batch, caller, step_name):
    """A model compiled with a loss needs targets, unless its `train_step`/`test_step` is its own."""
    from lamina.trainers.trainer import Trainer

    if getattr(type(model), step_name) is not getattr(Trainer, step_name):
        return
    state = model._compile_state
    if state is None or not state.loss_entries or batch[1] is not None:
        return
    losses = ", ".join(f"{getattr(fn, 'name', type(fn).__name__)} for output '{name}'"
                       for _, fn, _, name in state.loss_entries)
    raise ValueError(
        f"{caller}(): model '{model.name}' was compiled with a loss ({losses}), which compares predictions with "
        f"targets, but no targets were given (y is None). Pass y=..., or make the dataset/generator yield "
        f"(x, y) pairs, or override train_step/test_step for a model that trains without targets."
    )


def _sparse_entries(model):
    """(output index, output name, number of classes, ignore_class) of the sparse-crossentropy losses."""
    from lamina.losses.probabilistic import sparse_categorical_crossentropy

    state = model._compile_state
    shapes = getattr(state, "pred_shapes", None)
    if state is None or shapes is None:
        return []
    out = []
    for index, fn, _, name in state.loss_entries:
        if getattr(fn, "fn", None) is not sparse_categorical_crossentropy:
            continue
        kwargs = getattr(fn, "_fn_kwargs", {}) or {}
        if getattr(fn, "axis", kwargs.get("axis", -1)) != -1:
            continue
        classes = shapes[index][-1] if shapes[index] else None
        if isinstance(classes, int):
            out.append((index, name, classes, getattr(fn, "ignore_class", kwargs.get("ignore_class"))))
    return out


def check_class_ids(model, y, caller, label="y"):
    """Class ids given to a sparse crossentropy must lie in [0, classes - 1] (checked once on array data)."""
    if y is None:
        return
    entries = _sparse_entries(model)
    if not entries:
        return
    flat = model._compile_state.flat_true(y)
    for index, name, classes, ignore_class in entries:
        ids = flat[index]
        if not isinstance(ids, torch.Tensor) or ids.numel() == 0 or ids.is_complex():
            continue
        valid = ids if ignore_class is None else ids[ids != ignore_class]
        if valid.numel() == 0:
            continue
        low, high = (v.item() for v in torch.aminmax(valid))  # one pass over the labels, not two
        if low >= 0 and high < classes:
            continue
        bad = high if high >= classes else low
        raise ValueError(
            f"{caller}(): {label} for output '{name}' holds class id {bad:g} (ids range over [{low:g}, {high:g}]), "
            f"but its sparse_categorical_crossentropy loss needs class ids in [0, {classes - 1}]: the output "
            f"has {classes} classes. Check the labels, the number of units of output '{name}', or pass "
            f"ignore_class= to the loss for a padding label."
        )


def check_class_weight(model, class_weight, caller):
    """`class_weight` keys must be class ids of the (single) output: ints in [0, classes - 1]."""
    if class_weight is None:
        return
    if not isinstance(class_weight, dict):
        raise TypeError(f"{caller}(): class_weight must be a dict {{class_id: weight}}; received a "
                        f"{type(class_weight).__name__}.")
    for key, value in class_weight.items():
        if not isinstance(key, numbers.Integral) or isinstance(key, bool) or key < 0:
            raise ValueError(f"{caller}(): class_weight keys must be class ids (ints >= 0); received key {key!r}.")
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise ValueError(f"{caller}(): class_weight[{key}] must be a number; received {value!r}.")
    state = model._compile_state
    shapes = getattr(state, "pred_shapes", None)
    if not shapes or len(shapes) != 1 or not shapes[0]:
        return
    units = shapes[0][-1] if len(shapes[0]) > 1 else 1
    if not isinstance(units, int):
        return
    classes = 2 if units == 1 else units  # one sigmoid unit: classes 0 and 1
    unknown = sorted(k for k in class_weight if k >= classes)
    if unknown:
        name = state.output_names[0]
        raise ValueError(
            f"{caller}(): class_weight names class(es) {unknown} that output '{name}' does not have: its "
            f"{units} unit(s) give classes 0 to {classes - 1}. Remove those keys or check the output layer."
        )
