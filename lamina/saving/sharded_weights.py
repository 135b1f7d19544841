"""Sharded weights files in Keras 3's layout: `<base>.weights.json` plus `<base>_00000.weights.h5`, ...

`save_weights(model, "m.weights.json", max_shard_size=2)` splits the weights over h5 files of
at most `max_shard_size` GB each (Keras's `ShardedH5IOStore`):

- each shard holds the same group layout as a single `.weights.h5` file
  (`layers/dense/vars/0`, ...); a layer whose variables straddle two shards has a
  `vars` group in both;
- the JSON index is `{"metadata": {"total_size": <bytes>}, "weight_map": {"/layers/dense/vars":
  ["m_00000.weights.h5"], ...}}`: as Keras writes it, a group of one variable maps to a file
  name, a group of several to the list of the shards holding them;
- a new shard starts when adding a variable would take the current one past the limit; a
  single variable larger than the limit is an error.

Loading reads the index, opens only the shard files it names (plain file names in the index's
folder) and presents their groups as one file to the ordinary weights reader.
"""

import io
import json
import os
import re
import warnings

import numpy as np

from lamina.saving import archive
from lamina.saving.errors import CorruptFileError, SavingError

__all__ = ["save_sharded_weights", "ShardedWeightsReader", "shard_file_name", "is_sharded_path"]

_SHARD_NAME = re.compile(r"^[^/\\]+\.weights\.h5$")
# An index names one shard list per layer: a few MB for the largest models, never hundreds.
MAX_INDEX_BYTES = 64 * 2 ** 20


def is_sharded_path(filepath) -> bool:
    """Whether `filepath` names a sharded weights index (Keras: ends in `weights.json`)."""
    return os.fspath(filepath).endswith("weights.json")


def _index_path(filepath):
    filepath = os.fspath(filepath)
    if not filepath.endswith(".json"):
        # Keras renames `x.weights.h5` to `x.weights.json` with a warning when sharding.
        root, _ = os.path.splitext(filepath)
        new_path = root + ".json"
        warnings.warn(f"Saving sharded weights requires `*.json` as the extension. The original path: "
                      f"{filepath} will be renamed to {new_path}.", stacklevel=4)
        filepath = new_path
    return filepath


def shard_file_name(index_path, number) -> str:
    """Keras's name of shard `number`: `<stem without .weights>_<number:05>.weights.h5`."""
    stem = os.path.splitext(os.path.basename(index_path))[0].replace(".weights", "")
    return f"{stem}_{number:05}.weights.h5"


def _entries(model):
    """`[(group path, object name, {key: array})]` in Keras's saving order."""
    from lamina.saving.weights_store import _own_values, _walk

    out = []

    def visit(obj, path):
        out.append((path, str(getattr(obj, "name", type(obj).__name__)), _own_values(obj)))

    _walk(model, "", visit, set())
    return out


def _readable(size):
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f}{unit}"
        size /= 1024


def save_sharded_weights(model, filepath, max_shard_size):
    """Writes `model`'s weights as Keras's sharded files; returns the index path.

    Args:
        model: a built lamina model or layer.
        filepath: the index path, ending in `weights.json` (a `.weights.h5` path is renamed to
            `.weights.json` with a warning, as Keras does).
        max_shard_size: the largest shard, in GB (int or float; Keras's unit: 1 GB = 1024**3 bytes).

    Raises:
        SavingError: a non-positive `max_shard_size`, or one variable larger than it.
    """
    import h5py

    if isinstance(max_shard_size, bool) or not isinstance(max_shard_size, (int, float)) or max_shard_size <= 0:
        raise SavingError(f"save_weights: `max_shard_size` must be a positive number of GB (e.g. 2 or 0.5), "
                          f"received max_shard_size={max_shard_size!r}.")
    index_path = _index_path(filepath)
    limit = float(max_shard_size) * 1024 ** 3
    shards = []  # [(file name, BytesIO, h5py.File)]
    weight_map = {}
    total = 0.0
    current = 0.0

    def new_shard():
        buffer = io.BytesIO()
        shards.append((shard_file_name(index_path, len(shards)), buffer, h5py.File(buffer, "w")))

    new_shard()
    try:
        for path, name, values in _entries(model):
            group_key = f"{path}/vars" if path else "vars"
            for key, value in values.items():
                value = np.asarray(value)
                size = float(value.nbytes)
                total += size
                if size > limit:
                    raise SavingError(
                        f"save_weights: the size of weight {key!r} of '{name}' ('/{group_key}') is "
                        f"{_readable(size)}, which exceeds max_shard_size={max_shard_size} "
                        f"({_readable(limit)}). Increase max_shard_size to at least {size / 1024 ** 3:.4g}.")
                current += size
                if current > limit:
                    new_shard()
                    current = size
                file_name, _, h5file = shards[-1]
                group = h5file.get(group_key)
                if group is None:
                    group = h5file.create_group(group_key)
                    group.attrs["name"] = name
                group.create_dataset(key, data=value)
                # Keras's bookkeeping: a group's first variable records its file name, any further
                # variable turns the entry into a list (so groups of 2+ variables always hold lists).
                stored = weight_map.get("/" + group_key)
                if stored is None:
                    weight_map["/" + group_key] = file_name
                else:
                    if not isinstance(stored, list):
                        stored = weight_map["/" + group_key] = [stored]
                    if file_name not in stored:
                        stored.append(file_name)
    finally:
        for _, _, h5file in shards:
            h5file.close()
    folder = os.path.dirname(os.path.abspath(index_path))
    for file_name, buffer, _ in shards:
        data = buffer.getvalue()
        archive.atomic_write(os.path.join(folder, file_name), lambda handle, data=data: handle.write(data))
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    text = json.dumps(index, indent=4)
    # The index last: it names only shards that are already complete on disk.
    archive.atomic_write(index_path, lambda handle: handle.write(text.encode()))
    return index_path


class _MergedGroup(dict):
    """The datasets of one `vars` group gathered from every shard that holds part of it."""


class ShardedWeightsReader:
    """Opens a Keras sharded weights index for `load_weights_from_h5` (a context manager).

    Only the shard files the index names are opened, and only from the index's own folder.

    Args:
        filepath: the `*.weights.json` index.
    """

    def __init__(self, filepath):
        self.filepath = os.fspath(filepath)
        self.where = repr(self.filepath)
        if not os.path.isfile(self.filepath):
            raise FileNotFoundError(f"No sharded weights index at {self.where}.")
        size = os.path.getsize(self.filepath)
        if size > MAX_INDEX_BYTES:
            raise CorruptFileError(f"{self.where} is {size:,} bytes, over the {MAX_INDEX_BYTES:,} an index of shard "
                                   f"names can need (one line per layer); refusing to read it.")
        try:
            with open(self.filepath, "rb") as handle:
                index = archive.parse_json(handle.read(), self.where, "load_weights")
        except CorruptFileError:
            raise
        except Exception as error:
            raise CorruptFileError(f"{self.where} is not a readable sharded weights index: {error}") from error
        weight_map = index.get("weight_map") if isinstance(index, dict) else None
        if not isinstance(weight_map, dict):
            raise CorruptFileError(f"{self.where} is not a Keras sharded weights index: it has no 'weight_map' "
                                   f"object. Expected {{'metadata': {{...}}, 'weight_map': {{group: file}}}}.")
        self.weight_map = {}
        for group, files in weight_map.items():
            names = files if isinstance(files, list) else [files]
            for name in names:
                if not isinstance(name, str) or not _SHARD_NAME.match(name) or name in (".", ".."):
                    raise CorruptFileError(f"{self.where} names shard {name!r} for {group!r}; a shard must be a "
                                           f"plain file name ending in '.weights.h5' beside the index.")
            self.weight_map[group] = names
        self.folder = os.path.dirname(os.path.abspath(self.filepath))
        self._files = {}

    def _file(self, name):
        import h5py

        if name not in self._files:
            path = os.path.join(self.folder, name)
            if not os.path.isfile(path):
                raise CorruptFileError(f"Shard {name!r} named by {self.where} is missing from {self.folder!r}; "
                                       f"copy every shard file along with the index.")
            try:
                self._files[name] = h5py.File(path, "r")
            except Exception as error:
                raise CorruptFileError(f"Shard {name!r} of {self.where} is not a valid h5 file: {error}") from error
        return self._files[name]

    def read_group(self, path, where):
        """The datasets stored for `path` (a `dict` name -> h5py.Dataset), or None if absent."""
        import h5py

        key = f"/{path}/vars" if path else "/vars"
        names = self.weight_map.get(key)
        if names is None:
            return None
        merged = _MergedGroup()
        for name in names:
            group = self._file(name).get(key)
            if group is None:
                continue
            if not isinstance(group, h5py.Group):
                raise CorruptFileError(f"'{key}' in shard {name!r} of {where} is not an h5 group.")
            merged.update(group.items())
        return merged

    def close(self):
        for h5file in self._files.values():
            h5file.close()
        self._files = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
