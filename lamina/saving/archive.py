"""Reading and writing the `.keras` container: a zip, or the same files in a folder.

Writes are atomic: everything goes to a temporary file in the destination's
folder, which is flushed, fsynced and `os.replace`d over the destination, so an
interrupted save (error, KeyboardInterrupt, full disk) leaves the previous file
untouched. Reads never trust the archive: member names, declared sizes and
actual sizes are bounded and checked before anything is parsed.
"""

import io
import json
import os
import shutil
import tempfile
import zipfile

from lamina.saving.errors import CorruptFileError, SavingError

__all__ = ["CONFIG", "METADATA", "WEIGHTS", "atomic_write", "write_archive", "read_archive", "parse_json",
           "MAX_JSON_BYTES", "MAX_WEIGHTS_BYTES"]

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
MAX_JSON_BYTES = 64 * 2 ** 20
MAX_WEIGHTS_BYTES = 64 * 2 ** 30
MAX_MEMBERS = 10_000


def atomic_write(filepath, write_fn):
    """Runs `write_fn(fileobj)` on a temp file beside `filepath`, then renames it into place."""
    folder = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(folder):
        raise SavingError(f"Cannot save to {filepath!r}: the folder {folder!r} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".partial", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            write_fn(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        # Also on KeyboardInterrupt: drop the partial file, keep the old one.
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_archive(filepath, members: dict, as_zip=True):
    """Writes `{name: bytes}` as a zip (atomically) or into a folder (each file atomically)."""
    if as_zip:
        def write(handle):
            with zipfile.ZipFile(handle, "w") as archive:
                for name, data in members.items():
                    archive.writestr(name, data)
        atomic_write(filepath, write)
        return
    if os.path.exists(filepath) and not os.path.isdir(filepath):
        raise SavingError(f"Cannot save a model folder to {filepath!r}: a file with that name exists. "
                          f"Use a path ending in '.keras' to save a zip archive instead.")
    staging = tempfile.mkdtemp(prefix=".tmp-", dir=os.path.dirname(os.path.abspath(filepath)))
    try:
        for name, data in members.items():
            atomic_write(os.path.join(staging, name), lambda handle, data=data: handle.write(data))
        if os.path.isdir(filepath):
            backup = filepath.rstrip("/\\") + ".old-" + os.path.basename(staging)
            os.replace(filepath, backup)
            os.replace(staging, filepath)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(staging, filepath)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _check_member_name(name, where):
    if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or ":" in name \
            or "\x00" in name:
        raise CorruptFileError(f"{where} contains a member with an unsafe path {name!r}; refusing to load it.")


def _read_member(archive, name, limit, where):
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise CorruptFileError(f"{where} has no '{name}'; it is not a complete .keras archive "
                               f"(members: {archive.namelist()[:20]}).") from None
    if info.file_size > limit:
        raise CorruptFileError(f"'{name}' in {where} declares {info.file_size} bytes, over the limit of {limit}.")
    try:
        with archive.open(info) as handle:
            # Never more than declared: a member that inflates beyond its header is cut and fails the CRC.
            data = handle.read(info.file_size)
            if handle.read(1):
                raise CorruptFileError(f"'{name}' in {where} is larger than its declared size.")
    except CorruptFileError:
        raise
    except Exception as error:  # zlib/CRC errors, truncated data
        raise CorruptFileError(f"Cannot read '{name}' from {where}: {type(error).__name__}: {error}") from error
    if len(data) != info.file_size:
        raise CorruptFileError(f"'{name}' in {where} is truncated ({len(data)} of {info.file_size} bytes).")
    return data


def _read_file(path, limit, name, where):
    if not os.path.isfile(path):
        raise CorruptFileError(f"{where} has no '{name}'; it is not a complete saved-model folder.")
    size = os.path.getsize(path)
    if size > limit:
        raise CorruptFileError(f"'{name}' in {where} is larger than the limit of {limit} bytes.")
    with open(path, "rb") as handle:
        return handle.read(size)


def read_archive(filepath, names=(METADATA, CONFIG, WEIGHTS)):
    """`{name: bytes}` for the requested members of a `.keras` zip or saved-model folder."""
    where = repr(str(filepath))
    limits = {CONFIG: MAX_JSON_BYTES, METADATA: MAX_JSON_BYTES, WEIGHTS: MAX_WEIGHTS_BYTES}
    if os.path.isdir(filepath):
        return {n: _read_file(os.path.join(filepath, n), limits[n], n, where) for n in names}
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No model file at {where}.")
    try:
        archive = zipfile.ZipFile(filepath, "r")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise CorruptFileError(f"{where} is not a valid .keras archive (a zip file): {error}.") from error
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise CorruptFileError(f"{where} has {len(infos)} members; refusing to load it.")
        for info in infos:
            _check_member_name(info.filename, where)
        return {n: _read_member(archive, n, limits[n], where) for n in names}


def parse_json(data: bytes, name, where):
    """Parses JSON bytes with a clear error for bad encoding, syntax or nesting depth."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise CorruptFileError(f"'{name}' in {where} is not valid JSON: {type(error).__name__}: "
                               f"{str(error)[:200]}") from error
    if not isinstance(value, dict):
        raise CorruptFileError(f"'{name}' in {where} must hold a JSON object, found {type(value).__name__}.")
    return value


def h5_from_bytes(data, where):
    """An open read-only h5py file over in-memory bytes (errors become CorruptFileError)."""
    import h5py

    try:
        return h5py.File(io.BytesIO(data), "r")
    except Exception as error:
        raise CorruptFileError(f"The weights in {where} are not a valid h5 file: {error}") from error
