"""`KerasFileEditor`: inspect and edit the weights inside a `.keras` or `.weights.h5` file.

Keras's tool for repairing files whose weights no longer match a model (a renamed or removed
layer, an extra weight): open the file, `summary()` its weight tree, `compare(model)` it with a
model, edit it (`rename_object`, `delete_object`, `add_object`, `delete_weight`, `add_weights`)
and `save` a `.weights.h5` that `model.load_weights` accepts. The weight tree is a nested dict
mirroring the file's h5 groups (`{"layers": {"dense": {"0": array, "1": array}}}`, empty
groups and the `vars` level left out, as Keras does).
"""

import io
import json
import math
import os
import zipfile

import numpy as np

__all__ = ["KerasFileEditor"]

_MAX_BYTES = 1 << 32  # refuse datasets over 4 GiB, as Keras does


def _extract(group, where):
    import h5py

    result = {}
    for key in group.keys():
        link = group.get(key, getclass=True, getlink=True)
        if link in (h5py.ExternalLink, h5py.SoftLink):
            raise ValueError(f"KerasFileEditor: {where} holds an HDF5 {link.__name__} at '{key}'; refused.")
        value = group[key]
        if isinstance(value, h5py.Group):
            inner = value["vars"] if "vars" in value.keys() and isinstance(value["vars"], h5py.Group) else value
            if len(value) == 0 or len(inner) == 0:
                continue
            sub = _extract(inner, where)
            if sub:
                result[key] = sub
            continue
        if not isinstance(value, h5py.Dataset):
            continue
        if value.external or value.is_virtual:
            raise ValueError(f"KerasFileEditor: {where} holds an external or virtual dataset at '{key}'; refused.")
        if len(value.shape) > 64 or math.prod(value.shape) * value.dtype.itemsize > _MAX_BYTES:
            raise ValueError(f"KerasFileEditor: dataset '{key}' in {where} is malformed or too large to load.")
        result[key] = value[()]
    return result


def _weights_tree_of(model):
    """The weight tree lamina writes for `model` (what a saved file of it would hold)."""
    import h5py

    from lamina.saving.weights_store import save_weights_to_h5

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        save_weights_to_h5(model, f)
        return _extract(f, "the reference model")


class KerasFileEditor:
    """Opens a `.keras` or `.weights.h5` file for inspection and weight editing.

    Args:
        filepath: path of a `.keras` archive or a `.weights.h5` file.

    Attributes:
        weights_dict: the nested weight tree (see the module docstring).
        config, metadata: the archive's `config.json` / `metadata.json` (None for `.weights.h5`).

    Example:
        >>> editor = KerasFileEditor("old.keras")
        >>> editor.compare(model)["status"]
        'error'
        >>> editor.rename_object("dense_3", "dense_2")
        >>> editor.save("fixed.weights.h5"); model.load_weights("fixed.weights.h5")
    """

    def __init__(self, filepath):
        import h5py

        filepath = os.fspath(filepath)
        self.filepath = filepath
        self.config = None
        self.metadata = None
        if filepath.endswith(".keras"):
            with zipfile.ZipFile(filepath, "r") as archive:
                self.config = json.loads(archive.read("config.json"))
                self.metadata = json.loads(archive.read("metadata.json"))
                data = archive.read("model.weights.h5")
            with h5py.File(io.BytesIO(data), "r") as f:
                self.weights_dict = _extract(f, filepath)
        elif filepath.endswith(".weights.h5"):
            with h5py.File(filepath, "r") as f:
                self.weights_dict = _extract(f, filepath)
        else:
            raise ValueError(
                f"Invalid filename: expected a `.keras` or `.weights.h5` extension. Received: filepath={filepath}"
            )
        print(f"Keras file '{filepath}'")
        if self.metadata is not None:
            print(f"Saved with Keras {self.metadata.get('keras_version')} - date: {self.metadata.get('date_saved')}")

    # ------------------------------------------------------------------ inspecting

    def summary(self):
        """Prints the weight tree: one line per object, weights with shape and dtype."""
        def show(d, indent):
            for key, value in d.items():
                if isinstance(value, dict):
                    print(f"{'  ' * indent}{key}")
                    show(value, indent + 1)
                else:
                    print(f"{'  ' * indent}{key}: shape={tuple(value.shape)}, dtype={value.dtype}")

        show(self.weights_dict, 0)

    def compare(self, reference_model):
        """Lists every mismatch between the file and `reference_model`'s weights.

        Returns:
            `{"status": "success" | "error", "error_count": int, "match_count": int}`.
        """
        print("Running comparison")
        reference = _weights_tree_of(reference_model)
        errors, matches = [], 0

        def walk(target, ref, path, target_name, ref_name, count_matches):
            nonlocal matches
            for key, ref_value in ref.items():
                inner = f"{path}/{key}"
                if key not in target:
                    kind = "Object" if isinstance(ref_value, dict) else "Weight"
                    errors.append(f"...{kind} {inner} present in {ref_name}, missing from {target_name}")
                elif isinstance(ref_value, dict):
                    if isinstance(target[key], dict):
                        walk(target[key], ref_value, inner, target_name, ref_name, count_matches)
                    else:
                        errors.append(f"...{inner} is an object in {ref_name} but a weight in {target_name}")
                elif count_matches:
                    if isinstance(target[key], dict) or tuple(target[key].shape) != tuple(ref_value.shape):
                        shape = "an object" if isinstance(target[key], dict) else f"shape={tuple(target[key].shape)}"
                        errors.append(f"...Weight shape mismatch for {inner}\n    In {ref_name}: "
                                      f"shape={tuple(ref_value.shape)}\n    In {target_name}: {shape}")
                    else:
                        matches += 1

        walk(self.weights_dict, reference, "", "saved file", "reference model", True)
        walk(reference, self.weights_dict, "", "reference model", "saved file", False)
        for line in errors:
            print(line)
        if errors:
            print(f"Found {len(errors)} error{'s' if len(errors) != 1 else ''}: saved file is not compatible "
                  "with the reference model")
        else:
            print(f"Comparison successful: saved file is compatible with the reference model\n"
                  f"    Found {matches} matching weight{'s' if matches != 1 else ''}")
        return {"status": "error" if errors else "success", "error_count": len(errors), "match_count": matches}

    # ------------------------------------------------------------------ editing

    def _locate(self, name):
        """`(parent dict, key)` of the object named `name` (a leaf name or a full path)."""
        if "/" in name:
            parts = name.split("/")
            parent = self.weights_dict
            for part in parts[:-1]:
                if not isinstance(parent.get(part), dict):
                    raise ValueError(f"Path '{name}' not found in the file. Use `editor.summary()` to list objects.")
                parent = parent[part]
            if parts[-1] not in parent:
                raise ValueError(f"Path '{name}' not found in the file. Use `editor.summary()` to list objects.")
            return [(parent, parts[-1])]
        found = []

        def search(d):
            for key, value in d.items():
                if isinstance(value, dict):
                    search(value)
            if name in d:
                found.append((d, name))

        search(self.weights_dict)
        if len(found) > 1:
            raise ValueError(f"Name '{name}' occurs more than once in the file; pass its full path instead.")
        if not found:
            raise ValueError(f"Name '{name}' does not appear in the file. Use `editor.summary()` to list objects.")
        return found

    def rename_object(self, object_name, new_name):
        """Renames an object (e.g. `"dense_3"` or `"layers/dense_3"`) to the leaf name `new_name`."""
        if "/" in new_name:
            raise ValueError(f"Argument `new_name` should be a leaf name, not a path. Received: new_name='{new_name}'")
        for parent, key in self._locate(object_name):
            parent[new_name] = parent.pop(key)

    def delete_object(self, object_name):
        """Removes an object (a layer's weights, or a whole subtree) from the file."""
        for parent, key in self._locate(object_name):
            parent.pop(key)

    def add_object(self, object_path, weights):
        """Adds an object at `object_path` holding `weights` (`{"0": array, "1": array}`)."""
        weights = _check_weights(weights)
        parts = object_path.split("/")
        parent = self.weights_dict
        for part in parts[:-1]:
            if not isinstance(parent.get(part), dict):
                raise ValueError(f"Path '{'/'.join(parts[:-1])}' not found in the file.")
            parent = parent[part]
        parent[parts[-1]] = weights

    def delete_weight(self, object_name, weight_name):
        """Removes the weight `weight_name` (e.g. `"1"`) from an object."""
        for parent, key in self._locate(object_name):
            if weight_name not in parent[key]:
                raise ValueError(f"Weight {weight_name} not found in object {object_name}. "
                                 f"Weights found: {list(parent[key].keys())}")
            parent[key].pop(weight_name)

    def add_weights(self, object_name, weights):
        """Adds weights (`{"2": array}`) to an existing object."""
        weights = _check_weights(weights)
        for parent, key in self._locate(object_name):
            parent[key].update(weights)

    # ------------------------------------------------------------------ saving

    def save(self, filepath):
        """Writes the edited weights to a `.weights.h5` file (what `model.load_weights` reads)."""
        import h5py

        filepath = os.fspath(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError(f"Invalid `filepath` argument: expected a `.weights.h5` extension. "
                             f"Received: filepath={filepath}")

        def write(d, f, path):
            leaves = {k: v for k, v in d.items() if not isinstance(v, dict)}
            if leaves:
                group = f.require_group(f"{path}/vars" if path else "vars")
                for key, value in leaves.items():
                    group.create_dataset(key, data=value)
            for key, value in d.items():
                if isinstance(value, dict) and value:
                    write(value, f, f"{path}/{key}" if path else key)

        with h5py.File(filepath, "w") as f:
            write(self.weights_dict, f, "")

    def resave_weights(self, filepath):
        """Same as `save`."""
        self.save(filepath)


def _check_weights(weights):
    if not isinstance(weights, dict):
        raise ValueError(
            "Argument `weights` should be a dict where keys are weight names (usually '0', '1', etc.) and "
            f"values are NumPy arrays. Received: type(weights)={type(weights)}"
        )
    return {str(k): np.asarray(v) for k, v in weights.items()}
