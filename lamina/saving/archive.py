"""Reading and writing the `.keras` container: a zip, or the same files in a folder.

Writes are atomic: everything goes to a temporary file in the destination's
folder, which is flushed, fsynced and `os.replace`d over the destination, so an
interrupted save (error, KeyboardInterrupt, full disk) leaves the previous file
untouched. Reads never trust the archive: member names, declared sizes and
actual sizes are bounded and checked before anything is parsed.
"""

import gc
import io
import json
import os
import shutil
import stat
import tempfile
import zipfile

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

from lamina.saving.errors import CorruptFileError, SavingError

__all__ = ["CONFIG", "METADATA", "WEIGHTS", "atomic_write", "remove_stale_temporaries", "write_archive",
           "read_archive", "open_archive", "ArchiveReader", "parse_json", "MAX_JSON_BYTES", "MAX_JSON_CONTAINERS",
           "MAX_JSON_ITEMS", "MAX_WEIGHTS_BYTES", "MAX_EXPANSION", "EXPANSION_FLOOR"]

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
# A config of tens of thousands of layers is a few MiB; parsing 16 MiB of JSON stays well under a
# GiB of Python objects whatever the JSON holds.
MAX_JSON_BYTES = 16 * 2 ** 20
MAX_JSON_CONTAINERS = 1_000_000
MAX_JSON_ITEMS = 2_000_000
MAX_WEIGHTS_BYTES = 64 * 2 ** 30
# Files under assets/ (vocabularies: a few MiB even for large ones).
MAX_ASSET_BYTES = 1 * 2 ** 30
MAX_MEMBERS = 10_000
# Keras and lamina store members uncompressed (ratio 1); trained float weights recompressed with
# deflate shrink by a few percent, and only runs of zeros shrink 10x or more. A member above the
# floor that inflates beyond this ratio is a decompression bomb and is refused before reading.
MAX_EXPANSION = 10
EXPANSION_FLOOR = 16 * 2 ** 20


def _current_umask():
    """The process umask, read without changing it where the system allows (Linux)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: read by setting it, at once put back
    os.umask(mask)
    return mask


def _final_mode(filepath):
    """The mode a plain `open(filepath, "wb")` would leave: the existing file's, else 0o666 minus umask."""
    try:
        return stat.S_IMODE(os.stat(filepath).st_mode)
    except OSError:
        return 0o666 & ~_current_umask()


def _temporary_prefix(filepath):
    # Temporaries are named after their target, so the next save of the same target finds the ones a
    # killed save left behind.
    return f".tmp-{os.path.basename(filepath)}-"


def _lock(fd):
    """Marks a temporary as in use until its descriptor closes (or its process dies)."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)


def _is_abandoned(path):
    """Whether no live save holds `path` (its writer was killed)."""
    if fcntl is None:
        return True  # Windows: a file another process has open cannot be removed, so trying is safe
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def remove_stale_temporaries(filepath):
    """Deletes the `.tmp-<name>-*.partial` files that killed saves of `filepath` left; returns their names."""
    folder = os.path.dirname(os.path.abspath(filepath))
    prefix = _temporary_prefix(filepath)
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if name.startswith(prefix) and name.endswith(".partial"):
            path = os.path.join(folder, name)
            if os.path.isfile(path) and _is_abandoned(path):
                try:
                    os.unlink(path)
                    removed.append(name)
                except OSError:
                    pass
    return removed


def atomic_write(filepath, write_fn):
    """Runs `write_fn(fileobj)` on a temp file beside `filepath`, then renames it into place.

    Temporaries that earlier, killed saves of the same target left behind are removed first (a live
    save's temporary is locked and kept). The file gets the mode a plain `open()` would give it.
    """
    folder = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(folder):
        raise SavingError(f"Cannot save to {filepath!r}: the folder {folder!r} does not exist.")
    remove_stale_temporaries(filepath)
    mode = _final_mode(filepath)
    fd, tmp = tempfile.mkstemp(prefix=_temporary_prefix(filepath), suffix=".partial", dir=folder)
    try:
        _lock(fd)
        with os.fdopen(fd, "wb") as handle:
            write_fn(handle)
            handle.flush()
            os.fsync(handle.fileno())
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
            if fcntl is not None:
                # Renamed while still locked, so no other save can take it for abandoned.
                os.replace(tmp, filepath)
        if fcntl is None:
            os.chmod(tmp, mode)
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
        # mkdtemp makes the folder private (0o700); a saved folder gets a plain mkdir's mode.
        os.chmod(staging, 0o777 & ~_current_umask())
        for name, data in members.items():
            target = os.path.join(staging, *name.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)  # assets/<path>/ folders
            atomic_write(target, lambda handle, data=data: handle.write(data))
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


def _check_declared(info, limit, where):
    """Refuses a member by its declared sizes alone, before anything is decompressed."""
    if info.file_size > limit:
        raise CorruptFileError(f"'{info.filename}' in {where} declares {info.file_size:,} bytes, over the limit of "
                               f"{limit:,}; refusing to load it.")
    if info.file_size > EXPANSION_FLOOR and info.file_size > MAX_EXPANSION * max(info.compress_size, 1):
        raise CorruptFileError(
            f"'{info.filename}' in {where} declares {info.file_size:,} bytes but stores only {info.compress_size:,} "
            f"(it would inflate {info.file_size / max(info.compress_size, 1):,.0f}x, beyond the {MAX_EXPANSION}x of "
            f"any real weights file): a decompression bomb. Refusing to load it.")


def _read_member(archive, name, limit, where):
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise CorruptFileError(f"{where} has no '{name}'; it is not a complete .keras archive "
                               f"(members: {archive.namelist()[:20]}).") from None
    _check_declared(info, limit, where)
    try:
        with archive.open(info) as handle:
            # Streamed in chunks, never more than declared: a member that inflates beyond its header
            # is cut here and fails the size check (and the CRC).
            chunks, total = [], 0
            while total < info.file_size:
                chunk = handle.read(min(1 << 22, info.file_size - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            if handle.read(1):
                raise CorruptFileError(f"'{name}' in {where} is larger than its declared size.")
            data = b"".join(chunks)
            del chunks
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


_LIMITS = {CONFIG: "MAX_JSON_BYTES", METADATA: "MAX_JSON_BYTES", WEIGHTS: "MAX_WEIGHTS_BYTES"}


def _limit(name):
    if name not in _LIMITS and name.startswith("assets/"):
        return MAX_ASSET_BYTES
    return globals()[_LIMITS[name]]  # read at call time, so tests and users can lower a limit


class ArchiveReader:
    """A `.keras` zip or saved-model folder, opened for reading members one at a time.

    Opening checks everything that needs no decompression: the member count, every member's name
    (no absolute or `..` paths) and every member's declared size and compression ratio. Members are
    then read when asked for, each with a limit, so a loader can decide how much it needs first.

    Example:
        >>> with open_archive("m.keras") as reader:
        ...     config = reader.read("config.json")
    """

    def __init__(self, filepath):
        self.filepath = filepath
        self.where = repr(str(filepath))
        self._zip = None
        if os.path.isdir(filepath):
            return
        if not os.path.exists(filepath):
            raise FileNotFoundError(f"No model file at {self.where}.")
        try:
            self._zip = zipfile.ZipFile(filepath, "r")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            raise CorruptFileError(f"{self.where} is not a valid .keras archive (a zip file): {error}.") from error
        try:
            infos = self._zip.infolist()
            if len(infos) > MAX_MEMBERS:
                raise CorruptFileError(f"{self.where} has {len(infos)} members; refusing to load it.")
            for info in infos:
                _check_member_name(info.filename, self.where)
                _check_declared(info, _limit(info.filename) if info.filename in _LIMITS else MAX_WEIGHTS_BYTES,
                                self.where)
        except BaseException:
            self._zip.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def names(self):
        """Every member name (for a folder: its files' paths with "/" separators)."""
        if self._zip is not None:
            return self._zip.namelist()
        found = []
        for current, _, files in os.walk(self.filepath):
            for filename in files:
                found.append(os.path.relpath(os.path.join(current, filename), self.filepath).replace(os.sep, "/"))
        return sorted(found)

    def size(self, name):
        """The declared (uncompressed) size of member `name`, or None if it is missing."""
        if self._zip is None:
            path = os.path.join(self.filepath, name)
            return os.path.getsize(path) if os.path.isfile(path) else None
        try:
            return self._zip.getinfo(name).file_size
        except KeyError:
            return None

    def read(self, name, limit=None):
        """The bytes of member `name`, refused if it declares more than `limit` (default: its kind's)."""
        limit = _limit(name) if limit is None else min(limit, _limit(name))
        if self._zip is None:
            return _read_file(os.path.join(self.filepath, name), limit, name, self.where)
        return _read_member(self._zip, name, limit, self.where)


open_archive = ArchiveReader


def read_archive(filepath, names=(METADATA, CONFIG, WEIGHTS)):
    """`{name: bytes}` for the requested members of a `.keras` zip or saved-model folder."""
    with ArchiveReader(filepath) as reader:
        return {name: reader.read(name) for name in names}


def parse_json(data: bytes, name, where):
    """Parses JSON bytes with a clear error for bad encoding, syntax, nesting depth or size.

    The numbers of lists and objects and of items are bounded before parsing (counting opening
    brackets and commas over-counts, never under-counts), since each costs a Python object and
    time to walk.
    """
    containers, items = data.count(b"[") + data.count(b"{"), data.count(b",")
    if containers > MAX_JSON_CONTAINERS or items > MAX_JSON_ITEMS:
        raise CorruptFileError(f"'{name}' in {where} holds about {containers:,} lists and objects and {items:,} "
                               f"items, over the limits of {MAX_JSON_CONTAINERS:,} and {MAX_JSON_ITEMS:,} (a model "
                               f"config of thousands of layers holds far fewer); refusing to parse it.")
    collecting = gc.isenabled()
    gc.disable()  # a JSON tree holds no cycles; collecting while it is built only costs time
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise CorruptFileError(f"'{name}' in {where} is not valid JSON: {type(error).__name__}: "
                               f"{str(error)[:200]}") from error
    finally:
        if collecting:
            gc.enable()
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
