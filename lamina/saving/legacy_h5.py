"""Keras 2 (legacy) `.h5` weights: the format of Keras's pretrained application weights.

Layout of such a file (or of the `model_weights` group of a legacy full-model `.h5`):
the root attribute `layer_names` lists the layers; each layer has a group with the attribute
`weight_names`, and the arrays are the datasets `group[weight_name]`, in the layer's Keras
weight order and layout (kernels `(kh, kw, in, out)`, BatchNormalization gamma, beta,
moving_mean, moving_variance).

Two ways to match, as Keras's `legacy_h5_format`:
- by order (`load_weights_from_hdf5_group`): the i-th layer with weights in the file goes to the
  i-th layer with weights in `model.layers`;
- by name (`load_weights_from_hdf5_group_by_name`): each file layer goes to the model layer of the
  same name; with `require_all=True` (what `lamina.applications` uses) every weighted layer on
  either side must find its partner, so a file for another `include_top`, `classes` or family is
  refused instead of half-loaded.

Every check is done before any weight is assigned: a refused file leaves the model untouched.
"""

import os

import numpy as np

from lamina.saving.errors import CorruptFileError, WeightMismatchError

__all__ = [
    "load_weights",
    "load_weights_from_hdf5_group",
    "load_weights_from_hdf5_group_by_name",
    "save_weights_to_hdf5_group",
    "is_legacy_h5",
]


def is_legacy_h5(filepath) -> bool:
    """True for an `.h5`/`.hdf5` path that is not a Keras 3 `.weights.h5` file."""
    name = os.fspath(filepath)
    return name.endswith((".h5", ".hdf5")) and not name.endswith(".weights.h5")


def load_weights(model, filepath, by_name=False, skip_mismatch=False, require_all=False):
    """Loads a Keras 2-format `.h5` weights (or full-model) file into `model`.

    Args:
        model: a built lamina model.
        filepath: path of the `.h5` file.
        by_name: match layers by name instead of by order.
        skip_mismatch: with `by_name`, leave layers whose weights do not fit as they are
            (with a warning) instead of failing.
        require_all: with `by_name`, every weighted layer of the model and of the file must
            have a partner of the same name.

    Example:
        >>> load_weights(model, "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", by_name=True)
    """
    import h5py

    path = os.fspath(filepath)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No weights file at {path!r}.")
    try:
        handle = h5py.File(path, "r")
    except Exception as error:
        raise CorruptFileError(f"{path!r} is not a valid h5 weights file: {error}") from error
    with handle:
        group = handle
        if "layer_names" not in group.attrs and "model_weights" in group:
            group = group["model_weights"]
        if by_name:
            load_weights_from_hdf5_group_by_name(group, model, skip_mismatch=skip_mismatch,
                                                 where=repr(path), require_all=require_all)
        else:
            load_weights_from_hdf5_group(group, model, where=repr(path))


def _decode(values):
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def _file_layers(group, where):
    """[(layer name, [arrays])] for the file layers that hold weights, in file order."""
    if "layer_names" not in group.attrs:
        raise CorruptFileError(f"{where} is not a Keras 2-format weights file: it has no 'layer_names' "
                               f"attribute (a Keras 3 weights file must be named '*.weights.h5').")
    out = []
    for name in _decode(group.attrs["layer_names"]):
        if name not in group:
            raise CorruptFileError(f"{where} lists layer '{name}' in 'layer_names' but has no group for it.")
        layer_group = group[name]
        weight_names = _decode(layer_group.attrs.get("weight_names", []))
        if not weight_names:
            continue
        arrays = []
        for weight_name in weight_names:
            if weight_name not in layer_group:
                raise CorruptFileError(f"{where}: layer '{name}' lists weight '{weight_name}' but holds no such "
                                       f"dataset.")
            arrays.append(np.asarray(layer_group[weight_name]))
        out.append((name, arrays))
    return out


def _keras_shapes(layer):
    """The Keras-layout shapes of `layer.weights`, without copying the values."""
    shapes = []
    for param in layer.weights:
        perm = layer._weight_perm(param) if hasattr(layer, "_weight_perm") else None
        shape = tuple(param.shape)
        shapes.append(shape if perm is None else tuple(shape[i] for i in np.argsort(perm)))
    return shapes


def _weighted_layers(model):
    return [layer for layer in model.layers if layer.weights]


def _check_layer(layer, file_name, arrays, where):
    """None when `arrays` fit `layer`, else the message saying what does not fit."""
    expected = _keras_shapes(layer)
    if len(expected) != len(arrays):
        return (f"Layer '{layer.name}' expects {len(expected)} weight(s) with shapes {expected}; {where} holds "
                f"{len(arrays)} for layer '{file_name}' with shapes {[a.shape for a in arrays]}.")
    for index, (shape, array) in enumerate(zip(expected, arrays)):
        if tuple(shape) != tuple(array.shape):
            return (f"Layer '{layer.name}' weight {index} expects shape {tuple(shape)}; {where} holds shape "
                    f"{tuple(array.shape)} for layer '{file_name}'. The file was written for a model with "
                    f"other arguments (input channels, `classes`, `alpha`, ...) or another architecture.")
    return None


def load_weights_from_hdf5_group(group, model, where="the weights file"):
    """Loads by order: the i-th weighted file layer into the i-th weighted layer of `model`."""
    layers = _weighted_layers(model)
    saved = _file_layers(group, where)
    if len(layers) != len(saved):
        raise WeightMismatchError(
            f"Layer count mismatch when loading weights from {where}: the model has {len(layers)} layers with "
            f"weights, the file has {len(saved)}. Use a file written for the same architecture and arguments, "
            f"or load by name (`by_name=True`).")
    for layer, (name, arrays) in zip(layers, saved):
        problem = _check_layer(layer, name, arrays, where)
        if problem:
            raise WeightMismatchError(problem)
    for layer, (_, arrays) in zip(layers, saved):
        layer.set_weights(arrays)


def load_weights_from_hdf5_group_by_name(group, model, skip_mismatch=False, where="the weights file",
                                         require_all=False):
    """Loads by name: each file layer into the model layer of the same name."""
    import warnings

    saved = _file_layers(group, where)
    by_name = {layer.name: layer for layer in _weighted_layers(model)}
    file_names = {name for name, _ in saved}
    if require_all:
        for name, arrays in saved:
            if name not in by_name:
                raise WeightMismatchError(
                    f"{where} holds weights for layer '{name}' (shapes {[a.shape for a in arrays]}), which the "
                    f"model '{model.name}' does not have. The file was written for another architecture or "
                    f"other arguments (e.g. `include_top=True` weights for an `include_top=False` model).")
        for name, layer in by_name.items():
            if name not in file_names:
                raise WeightMismatchError(
                    f"{where} has no weights for layer '{name}' (shapes {_keras_shapes(layer)}) of the model "
                    f"'{model.name}'. The file was written for another architecture or other arguments (e.g. "
                    f"`include_top=False` weights for an `include_top=True` model).")
    plan = []
    for name, arrays in saved:
        layer = by_name.get(name)
        if layer is None:
            continue
        problem = _check_layer(layer, name, arrays, where)
        if problem:
            if skip_mismatch:
                warnings.warn(f"Skipping loading weights for layer '{name}': {problem}", stacklevel=3)
                continue
            raise WeightMismatchError(problem)
        plan.append((layer, arrays))
    for layer, arrays in plan:
        layer.set_weights(arrays)


def save_weights_to_hdf5_group(group, model):
    """Writes `model`'s weights in the Keras 2 layout (one group per layer, `weight_names`)."""
    layers = list(model.layers)
    group.attrs["layer_names"] = [layer.name.encode("utf8") for layer in layers]
    group.attrs["backend"] = b"torch"
    group.attrs["keras_version"] = b"lamina"
    for layer in layers:
        layer_group = group.create_group(layer.name)
        values = layer.get_weights() if layer.weights else []
        names = _weight_names(layer, len(values))
        layer_group.attrs["weight_names"] = [n.encode("utf8") for n in names]
        for name, value in zip(names, values):
            layer_group.create_dataset(name, data=value)


def _weight_names(layer, count):
    names, seen = [], set()
    for index, param in enumerate(layer.weights[:count]):
        base = getattr(param, "name", None) or f"weight_{index}"
        base = base.split("/")[-1].split(".")[-1]
        name = f"{layer.name}/{base}:0"
        while name in seen:
            name = f"{layer.name}/{base}_{index}:0"
        seen.add(name)
        names.append(name)
    return names
