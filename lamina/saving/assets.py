"""The `assets/` folder of a `.keras` archive: files layers write beside their weights.

Keras 3 gives every object of the model that has `save_assets(dir_path)` a folder named after
its path in the weights file (`assets/layers/string_lookup/`, `assets/layers/text_vectorization/
_lookup_layer/`, ...) and zips whatever it writes there; `load_assets(dir_path)` reads it back
after the object's weights. The lookup layers and `TextVectorization` store an adapted
vocabulary there as `vocabulary.txt` (one token per line, special tokens first); their config
then holds `"vocabulary": null`. lamina writes and reads the same layout, so such files move
both ways with Keras.

Loading runs no code from the file: asset files are copied, size-checked, into a private
temporary folder and parsed by the layer (`vocabulary.txt` as text).

While an archive is written, `writing_archive()` is active; layers whose config would otherwise
carry their adapted state inline (lamina's `get_config` does, for clones and JSON) leave it to
the assets then, as Keras does.
"""

import contextlib
import os
import shutil
import tempfile
import threading

__all__ = ["ASSETS", "writing_archive", "is_writing_archive", "collect_assets", "read_asset_members",
           "restore_assets"]

ASSETS = "assets"
_STATE = threading.local()


@contextlib.contextmanager
def writing_archive():
    """Marks the current thread as writing a `.keras` archive (see the module docstring)."""
    depth = getattr(_STATE, "depth", 0)
    _STATE.depth = depth + 1
    try:
        yield
    finally:
        _STATE.depth = depth


def is_writing_archive():
    """True inside `writing_archive()`."""
    return getattr(_STATE, "depth", 0) > 0


def _objects_with(model, method):
    """`[(path, obj)]` of every object in the weights walk that defines `method`, in Keras's order."""
    from lamina.saving.weights_store import _walk

    found = []

    def visit(obj, path):
        if callable(getattr(obj, method, None)):
            found.append((path, obj))

    _walk(model, "", visit, set())
    return found


def collect_assets(model):
    """`{archive member name: bytes}` of every file the model's objects write in `save_assets`."""
    members = {}
    with tempfile.TemporaryDirectory(prefix="lamina-assets-") as root:
        for path, obj in _objects_with(model, "save_assets"):
            folder = os.path.join(root, *path.split("/")) if path else root
            os.makedirs(folder, exist_ok=True)
            obj.save_assets(folder)
        for current, _, files in os.walk(root):
            for filename in sorted(files):
                full = os.path.join(current, filename)
                relative = os.path.relpath(full, root).replace(os.sep, "/")
                with open(full, "rb") as handle:
                    members[f"{ASSETS}/{relative}"] = handle.read()
    return dict(sorted(members.items()))


def read_asset_members(model, reader, where="the archive"):
    """`{member name: bytes}` of the asset files the model's objects will read: only the files
    directly in the folder of an object that has `load_assets`, at most `MAX_ASSET_BYTES` in all
    (each member's declared size is checked before it is inflated)."""
    from lamina.saving.archive import MAX_ASSET_BYTES
    from lamina.saving.errors import CorruptFileError

    folders = {f"{ASSETS}/{path}/" if path else f"{ASSETS}/" for path, _ in _objects_with(model, "load_assets")}
    if not folders:
        return {}
    wanted = [name for name in reader.names() if not name.endswith("/")
              and name[: name.rfind("/") + 1] in folders]
    members, total = {}, 0
    for name in wanted:
        declared = reader.size(name) or 0
        if total + declared > MAX_ASSET_BYTES:
            raise CorruptFileError(f"The asset files of {where} declare more than {MAX_ASSET_BYTES:,} bytes in "
                                   f"all; refusing to read them ({name!r}).")
        members[name] = reader.read(name)
        total += len(members[name])
    return members


def restore_assets(model, reader):
    """Calls `load_assets(folder)` on every object of `model` that has it, each folder holding the
    archive's `assets/<path>/` files (an empty folder when the archive has none for it)."""
    targets = _objects_with(model, "load_assets")
    if not targets:
        return
    names = [n for n in reader.names() if n.startswith(ASSETS + "/") and not n.endswith("/")]
    root = tempfile.mkdtemp(prefix="lamina-assets-")
    try:
        for name in names:
            # Member names were checked when the archive was opened (no absolute or ".." parts).
            destination = os.path.join(root, *name.split("/")[1:])
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            with open(destination, "wb") as handle:
                handle.write(reader.read(name))
        for path, obj in targets:
            folder = os.path.join(root, *path.split("/")) if path else root
            os.makedirs(folder, exist_ok=True)
            obj.load_assets(folder)
    finally:
        shutil.rmtree(root, ignore_errors=True)
