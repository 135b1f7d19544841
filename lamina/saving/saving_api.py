"""`save_model` / `load_model` / weights files / JSON configs, in Keras 3's formats.

A `.keras` path gets a zip holding `metadata.json`, `config.json` and
`model.weights.h5`; any other path gets the same three files in a folder.
Loading accepts both, written by lamina or by Keras 3. Nothing is ever
unpickled; Lambda bytecode is refused unless `safe_mode=False`.
"""

import contextlib
import datetime
import io
import json
import os
import warnings

from lamina.saving import archive, registration
from lamina.saving.errors import CorruptFileError, LoadError, SavingError
from lamina.saving.load_budget import weight_budget
from lamina.saving.model_config import model_from_config, reading_keras_written_config, serialize_layer
from lamina.saving.optimizer_state import load_optimizer_state, save_optimizer_state
from lamina.saving.safe_mode import safe_mode_scope
from lamina.saving.weights_store import load_weights_from_h5, save_weights_to_h5, stored_weight_bytes

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "model_to_config", "model_to_json",
           "model_from_json", "clone_model", "KERAS_VERSION"]

KERAS_VERSION = "3.15.1"  # the Keras release whose format these files follow


def model_to_config(model) -> dict:
    """The full `config.json` entry of a model (with build_config and compile_config)."""
    entry = serialize_layer(model)
    compile_config = None
    get_compile_config = getattr(model, "get_compile_config", None)
    if callable(get_compile_config):
        compile_config = get_compile_config()
    entry["compile_config"] = compile_config if compile_config is not None else {}
    return entry


def _weights_bytes(model, include_optimizer=False) -> bytes:
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5file:
        save_weights_to_h5(model, h5file)
        if include_optimizer:
            save_optimizer_state(model, h5file)
    return buffer.getvalue()


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves architecture, weights and compile config in Keras 3's `.keras` format.

    Args:
        model: a lamina model (or layer).
        filepath: path ending in `.keras` (zip archive), or any other path
            (the same files in a folder).
        overwrite: if False, an existing file is an error.
        zipped: True writes a zip archive (the path must end in `.keras`),
            False the same files unzipped into a folder at `filepath` (as
            Keras's `zipped=False`, even for a `.keras` path). None (default)
            chooses by the path: zip for `.keras`, folder otherwise.
        **kwargs: Keras's `include_optimizer` (default True: the optimizer
            state is saved) and the deprecated `save_format` (ignored with a
            warning for `.keras` paths); anything else is an error.

    The file is replaced atomically: an interrupted save leaves the old one.

    Example:
        >>> save_model(model, "model.keras")                 # doctest: +SKIP
        >>> save_model(model, "model_dir", zipped=False)     # doctest: +SKIP
    """
    filepath = os.fspath(filepath)
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    if kwargs:
        raise ValueError(f"save_model: the following argument(s) are not supported: {sorted(kwargs)}. "
                         f"Accepted: overwrite, zipped, include_optimizer.")
    if save_format:
        if not filepath.endswith(".keras"):
            raise ValueError(f"save_model: the `save_format` argument is deprecated in Keras 3; remove it and pass "
                             f"a path ending in '.keras'. Received save_format={save_format!r}, "
                             f"filepath={filepath!r}.")

        warnings.warn(f"The `save_format` argument is deprecated in Keras 3 and is ignored (the format follows "
                      f"the path). Received save_format={save_format!r}.", stacklevel=2)
    if zipped is None:
        zipped = filepath.endswith(".keras")
    elif zipped and not filepath.endswith(".keras"):
        raise ValueError(f"save_model: zipped=True needs a path ending in '.keras', received {filepath!r}. Use "
                         f"a '.keras' path, or zipped=False to write the files into a folder.")
    if not overwrite and os.path.exists(filepath):
        raise SavingError(f"{filepath!r} already exists and overwrite=False; pass overwrite=True to replace it.")
    if filepath.endswith(".h5") or filepath.endswith(".hdf5"):
        raise SavingError(f"Cannot save to {filepath!r}: the legacy Keras 2 HDF5 model format is not supported. "
                          f"Use a '.keras' path (or '.weights.h5' with save_weights for weights only).")
    if not model.built:
        # Keras saves it anyway (the config, and the weights of any layer already built, as in the
        # keras.io serialization guide's Sequential of a hand-built custom layer) and warns.
        warnings.warn(f"You are saving model '{model.name}', which has not yet been built. It might not contain "
                      "any weights yet. Consider building the model first by calling it on some data.",
                      stacklevel=2)
    from lamina.saving.assets import collect_assets, writing_archive

    try:
        with writing_archive():  # adapted vocabularies go to assets/, not the config (as Keras)
            config_json = json.dumps(model_to_config(model))
            asset_members = collect_assets(model)
    except TypeError as error:
        raise SavingError(f"The config of model '{model.name}' is not JSON-serializable: {error}. Make the "
                          f"get_config() of custom layers return plain values.") from error
    from lamina import __version__

    # Keras reads none of metadata.json; "lamina_version" tells lamina who wrote the file, and
    # "keras_recorded_training" that some `training: false` node arguments are Keras's defaults
    # from a Keras-written file (see model_config._KERAS_WRITTEN), not the user's choice.
    metadata = {"keras_version": KERAS_VERSION, "lamina_version": __version__,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    if any(getattr(node, "keras_recorded_kwargs", None) for module in model.modules()
           for node in getattr(module, "_inbound_nodes", ())):
        metadata["keras_recorded_training"] = True
    metadata = json.dumps(metadata)
    members = {archive.METADATA: metadata.encode(), archive.CONFIG: config_json.encode(),
               archive.WEIGHTS: _weights_bytes(model, include_optimizer=bool(include_optimizer))}
    members.update(asset_members)
    archive.write_archive(filepath, members, as_zip=bool(zipped))


class _AssetReader:
    """The asset members already read from the archive, served as `restore_assets` reads them."""

    def __init__(self, data):
        self._data = data

    def names(self):
        return list(self._data)

    def read(self, name):
        return self._data[name]


def _from_keras_compile_config(config):
    # Keras writes its backend's *resolved* jit_compile: True for every model compiled with the
    # default on JAX or TensorFlow, which says nothing about the user's wish for torch. Keras's
    # "auto" on torch means eager, so such a file trains eagerly here; compile again with
    # jit_compile=True to opt in to torch.compile.
    if config.get("jit_compile") is True:
        config = {**config, "jit_compile": "auto"}
    return config


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved by `save_model` or by Keras 3 (`.keras` zip or folder).

    Args:
        filepath: the `.keras` file or saved-model folder.
        custom_objects: `{"Name": class_or_function}` for custom classes.
        compile: restore the compile config (and optimizer state) if saved. A
            Keras-written `jit_compile=True` (what Keras records for its default on
            JAX/TensorFlow) loads as `"auto"` (eager); compile again to opt in.
        safe_mode: with True (the default) the file reaches only lamina's classes and
            functions (Keras's names for them), objects registered with
            `register_keras_serializable` and `custom_objects`: nothing it names is imported
            or called, Lambda bytecode is refused. Pass False only for a trusted file.

    Raises:
        LoadError (a ValueError) subclasses for any problem with the file: `UnsafeObjectError`
        for a name safe mode refuses, `MissingClassError`, `WeightMismatchError` (also for a
        config declaring more weights than the archive stores, before they are allocated) and
        `CorruptFileError` (also for a decompression bomb or an oversized member, before it is
        inflated); the limits are in `lamina.saving.archive` and `lamina.saving.load_budget`.
    """
    filepath = os.fspath(filepath)
    from lamina.saving.assets import read_asset_members, restore_assets

    where = repr(filepath)
    if filepath.endswith(".weights.h5"):
        raise LoadError(f"{where} holds weights only; build the model and call model.load_weights({where}).")
    # Opening checks every member's name, declared size and compression ratio; nothing is inflated yet.
    with archive.open_archive(filepath) as reader:
        metadata = archive.parse_json(reader.read(archive.METADATA), archive.METADATA, where)
        config = archive.parse_json(reader.read(archive.CONFIG), archive.CONFIG, where)
        held = reader.size(archive.WEIGHTS)
        if held is None:
            reader.read(archive.WEIGHTS)  # the clear "no model.weights.h5" error
        keras_written = not (isinstance(metadata, dict) and "lamina_version" in metadata)
        keras_training_flags = keras_written or (isinstance(metadata, dict)
                                                 and metadata.get("keras_recorded_training") is True)
        # The config may only declare as many bytes of weights as the weights member holds, checked
        # before each weight is allocated (load_budget).
        with reading_keras_written_config() if keras_training_flags else contextlib.nullcontext(), \
                weight_budget(held, where):
            model = model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)
        weights = reader.read(archive.WEIGHTS, limit=_weights_limit(model, held, where))
        asset_data = read_asset_members(model, reader, where)
    compile_config = config.get("compile_config")
    if isinstance(compile_config, dict) and keras_written:
        compile_config = _from_keras_compile_config(compile_config)
    if compile and compile_config and hasattr(model, "compile_from_config"):
        try:
            # A scope, not an argument: Keras's `compile_from_config(config)` signature is what
            # subclasses override.
            with registration.custom_object_scope(custom_objects or {}), safe_mode_scope(safe_mode):
                model.compile_from_config(compile_config)
        except Exception as error:
            # As Keras: the architecture and weights are still usable; compile again by hand.
            import warnings

            warnings.warn(f"The model in {where} was loaded but not compiled: its compile config could not be "
                          f"restored ({type(error).__name__}: {error}). Call model.compile(...) yourself.",
                          stacklevel=2)
    with archive.h5_from_bytes(weights, where) as h5file:
        del weights
        _load_weights(model, h5file, where, skip_mismatch=False)
        # Keras loads each object's assets after its weights (tf-idf vocabularies need both).
        restore_assets(model, _AssetReader(asset_data))
        if compile and getattr(model, "compiled", False):
            try:
                load_optimizer_state(model, h5file, where)
            except LoadError:
                raise
            except Exception as error:  # h5py errors on damaged files
                raise CorruptFileError(f"Could not read the optimizer state in {where}: {type(error).__name__}: "
                                       f"{error}") from error
    return model


# A weights member holds the model's weights, the optimizer's (at most a few slots per weight, and
# an EMA copy) and h5 bookkeeping; anything far beyond that is not this model's file.
_WEIGHTS_PER_MODEL_BYTE = 8
_WEIGHTS_OVERHEAD_BYTES = 16 * 2 ** 20


def _weights_limit(model, held, where):
    """The most bytes the weights member of `model`'s file may inflate to (checked before reading)."""
    needed = stored_weight_bytes(model)
    if needed is None:  # a layer with its own storage layout: only the archive's general limits apply
        return None
    limit = _WEIGHTS_PER_MODEL_BYTE * needed + _WEIGHTS_OVERHEAD_BYTES
    if held > limit:
        raise CorruptFileError(
            f"'model.weights.h5' in {where} declares {held:,} bytes, but the model its config describes has "
            f"{needed:,} bytes of weights (at most {limit:,} with optimizer state and overhead). The file is "
            f"corrupt or crafted; refusing to read it.")
    return limit


def _load_weights(model, h5file, where, skip_mismatch):
    try:
        skipped = load_weights_from_h5(model, h5file, where=where, skip_mismatch=skip_mismatch)
    except LoadError:
        raise
    except Exception as error:  # h5py errors on damaged files
        raise CorruptFileError(f"Could not read the weights in {where}: {type(error).__name__}: {error}") \
            from error
    if skipped:
        import warnings

        warnings.warn(f"load_weights skipped {len(skipped)} mismatched object(s): " + " | ".join(skipped),
                      stacklevel=3)


def save_weights(model, filepath, overwrite=True, max_shard_size=None, **kwargs):
    """Saves only the weights, in Keras 3's layout (atomically).

    Args:
        model: a built lamina model or layer.
        filepath: a path ending in `.weights.h5`; with `max_shard_size`, the sharded index path
            ending in `.weights.json` (the shards `<base>_00000.weights.h5`, ... go beside it).
        overwrite: if False, an existing file is an error.
        max_shard_size: None for one file, else the largest shard in GB (Keras's sharded format,
            see `lamina.saving.sharded_weights`).
        **kwargs: none are used; Keras's signature has them.

    Example:
        >>> lamina.saving.save_weights(model, "m.weights.json", max_shard_size=0.5)
        >>> lamina.saving.load_weights(model, "m.weights.json")
    """
    if kwargs:
        raise TypeError(f"save_weights() got unexpected keyword arguments {sorted(kwargs)}; it accepts "
                        f"model, filepath, overwrite and max_shard_size.")
    filepath = os.fspath(filepath)
    if max_shard_size is None and not filepath.endswith(".weights.h5"):
        raise SavingError(f"save_weights needs a path ending in '.weights.h5', received {filepath!r}. "
                          f"Use model.save('x.keras') to save the whole model, or pass max_shard_size with a "
                          f"'.weights.json' path for sharded weights.")
    if max_shard_size is not None and not filepath.endswith(("weights.h5", "weights.json")):
        raise SavingError(f"save_weights with max_shard_size={max_shard_size!r} needs a path ending in "
                          f"'.weights.json', received {filepath!r}.")
    if not overwrite and os.path.exists(filepath):
        raise SavingError(f"{filepath!r} already exists and overwrite=False.")
    if max_shard_size is not None:
        from lamina.saving.sharded_weights import save_sharded_weights

        save_sharded_weights(model, filepath, max_shard_size)
        return
    data = _weights_bytes(model)
    archive.atomic_write(filepath, lambda handle: handle.write(data))


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Loads weights from a `.weights.h5` file, a sharded `.weights.json` index, a `.keras`
    archive or a saved-model folder.

    Args:
        model: the built lamina model or layer to fill.
        filepath: the file to read (written by lamina or by Keras 3).
        skip_mismatch: leave layers whose stored weights do not fit as they are (with a
            warning) instead of failing the whole load.
        **kwargs: `by_name` (as Keras): match layers by name, for Keras 2-format `.h5` files
            only; anything else is a TypeError.
    """
    import h5py

    from lamina.saving import legacy_h5

    by_name = kwargs.pop("by_name", False)
    if kwargs:
        raise TypeError(f"load_weights() got unexpected keyword arguments {sorted(kwargs)}; it accepts model, "
                        f"filepath, skip_mismatch and by_name.")
    filepath = os.fspath(filepath)
    if legacy_h5.is_legacy_h5(filepath):  # Keras 2's format, as Keras 3's Model.load_weights reads it
        legacy_h5.load_weights(model, filepath, by_name=by_name, skip_mismatch=skip_mismatch)
        return
    if by_name:
        raise ValueError(f"load_weights: by_name=True is only supported for Keras 2-format '.h5' files, "
                         f"received {filepath!r}. Keras 3 files (.weights.h5, .weights.json, .keras) load by "
                         f"structure; pass skip_mismatch=True to skip layers that do not fit.")
    where = repr(filepath)
    if filepath.endswith("weights.json"):
        from lamina.saving.sharded_weights import ShardedWeightsReader

        with ShardedWeightsReader(filepath) as reader:
            _load_weights(model, reader, where, skip_mismatch)
        return
    if filepath.endswith(".weights.h5"):
        if not os.path.isfile(filepath):
            raise FileNotFoundError(f"No weights file at {where}.")
        try:
            h5file = h5py.File(filepath, "r")
        except Exception as error:
            raise CorruptFileError(f"{where} is not a valid h5 weights file: {error}") from error
    else:
        members = archive.read_archive(filepath, names=(archive.WEIGHTS,))
        h5file = archive.h5_from_bytes(members[archive.WEIGHTS], where)
    with h5file:
        _load_weights(model, h5file, where, skip_mismatch)


def model_to_json(model, **kwargs) -> str:
    """The model's config entry as a JSON string (`json.dumps` keyword arguments allowed)."""
    return json.dumps(model_to_config(model), **kwargs)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """Rebuilds a model (fresh weights) from `model.to_json()` output."""
    config = archive.parse_json(json_string.encode() if isinstance(json_string, str) else json_string,
                                "the JSON string", "model_from_json")
    return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs):
    """A new model with `model`'s architecture and fresh weights; see `lamina.models.cloning.clone_model`.

    (Defined here so `lamina.saving` and `lamina.models` export one function; the models
    package imports saving, so the implementation is imported when called.)
    """
    from lamina.models.cloning import clone_model as clone

    return clone(model, input_tensors=input_tensors, clone_function=clone_function, call_function=call_function,
                 recursive=recursive, **kwargs)
