"""Matching user data to a model's inputs/outputs by name, and converting it to tensors.

Everything here runs once per `fit`/`evaluate`/`predict` call (or once per batch
for iterables), never per layer call; errors name the input or output at fault.
"""

import numpy as np
import torch

__all__ = ["to_tensor", "convert_structure", "flatten_with_paths", "check_keys", "input_names_of",
           "output_names_of", "class_weight_to_sample_weight", "num_samples"]


def to_tensor(value, device=None):
    """NumPy arrays/lists/scalars to tensors; float64 becomes torch's default float dtype."""
    if isinstance(value, torch.Tensor):
        tensor = value
    elif isinstance(value, np.ndarray):
        if value.dtype.kind in "US" or (value.dtype == object and _holds_strings(value)):
            return value  # strings have no tensor: they stay NumPy arrays for the text/lookup layers
        if value.dtype == object:
            raise TypeError(
                f"Data of dtype object (shape {value.shape}) cannot be converted to a tensor; pass numeric "
                f"arrays (strings must be vectorized first)."
            )
        tensor = torch.from_numpy(np.ascontiguousarray(value))
    elif isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return np.asarray(value, dtype=object)  # a list of strings stays a string array
    elif hasattr(value, "__array__") and not isinstance(value, (list, tuple, dict)):
        tensor = torch.from_numpy(np.ascontiguousarray(np.asarray(value)))
    else:
        tensor = torch.as_tensor(value)
    if tensor.dtype == torch.float64:
        tensor = tensor.to(torch.get_default_dtype())
    if device is not None and tensor.device != device:
        tensor = tensor.to(device)
    return tensor


def _holds_strings(array):
    return array.size > 0 and isinstance(array.reshape(-1)[0], (str, bytes))


def convert_structure(data, device=None):
    """Converts every leaf of a tensor/array structure (tuple, list, dict) to a tensor."""
    if data is None:
        return None
    if isinstance(data, dict):
        return {k: convert_structure(v, device) for k, v in data.items()}
    if isinstance(data, (list, tuple)) and data and all(isinstance(v, str) for v in data):
        return np.asarray(data, dtype=object)  # a list of strings: one string array
    if isinstance(data, (list, tuple)) and not _is_array_like_list(data):
        return type(data)(convert_structure(v, device) for v in data) if not hasattr(data, "_fields") \
            else type(data)(*(convert_structure(v, device) for v in data))
    return to_tensor(data, device)


def _is_array_like_list(data):
    """A list of plain numbers (one array), as opposed to a list of arrays."""
    return len(data) > 0 and (all(isinstance(v, (int, float, bool, np.number)) for v in data) or
                              all(isinstance(v, str) for v in data))


def flatten_with_paths(data, label):
    """[(path, leaf)] with readable paths such as `x['text_features']` or `y[1]`."""
    if data is None:
        return []
    if isinstance(data, dict):
        out = []
        for key, value in data.items():
            out.extend(flatten_with_paths(value, f"{label}[{key!r}]"))
        return out
    if isinstance(data, (list, tuple)):
        out = []
        for index, value in enumerate(data):
            out.extend(flatten_with_paths(value, f"{label}[{index}]"))
        return out
    return [(label, data)]


def num_samples(data, label):
    """The common first dimension of all leaves; a clear error when they differ."""
    sizes = []
    for path, leaf in flatten_with_paths(data, label):
        shape = getattr(leaf, "shape", None)
        if shape is None or len(shape) == 0:
            raise ValueError(f"{path} must be an array with a batch dimension; received {type(leaf).__name__} {leaf!r}.")
        sizes.append((path, int(shape[0])))
    return sizes


def input_names_of(model):
    try:  # an unbuilt Sequential has no inputs/outputs yet (it builds on the first batch)
        names = getattr(model, "input_names", None)
        return list(names) if names is not None else None
    except (TypeError, ValueError):
        return None


def output_names_of(model):
    try:  # an unbuilt Sequential has no inputs/outputs yet (it builds on the first batch)
        names = getattr(model, "output_names", None)
        return list(names) if names is not None else None
    except (TypeError, ValueError):
        return None


def check_keys(given, expected, what, model_name):
    """Raises when a dict's keys do not match the expected names exactly."""
    missing = [k for k in expected if k not in given]
    extra = [k for k in given if k not in expected]
    if missing or extra:
        raise ValueError(
            f"Model '{model_name}' has {what}s {expected}, but the data is a dict with keys {list(given)}"
            + (f"; missing: {missing}" if missing else "") + (f"; unexpected: {extra}" if extra else "")
            + f". Dicts are matched to the model's {what}s by name."
        )


def class_weight_to_sample_weight(y, class_weight):
    """Per-sample weights from a `{class_id: weight}` dict, as Keras: argmax of one-hot labels, else the id."""
    if isinstance(y, (dict, list, tuple)):
        raise ValueError(
            "`class_weight` is only supported for models with a single output; for several outputs pass "
            "`sample_weight` instead."
        )
    y = to_tensor(y)
    if y.dim() > 1 and y.shape[-1] > 1:
        ids = y.argmax(-1)
    else:
        ids = y.reshape(y.shape[0]) if y.dim() > 1 else y
        ids = ids.round().long() if ids.is_floating_point() else ids.long()
    size = int(max(max(class_weight.keys()), int(ids.max()) if ids.numel() else 0)) + 1
    table = torch.ones(size, dtype=torch.get_default_dtype())
    for key, value in class_weight.items():
        table[int(key)] = float(value)
    return table.to(ids.device)[ids]
