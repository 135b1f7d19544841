"""`get_file`: a file from a URL, cached in Keras's cache folder (`~/.keras/datasets` by default)."""

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

__all__ = ["get_file", "keras_home", "validate_file", "hash_file", "extract_archive"]


def keras_home():
    """`$KERAS_HOME`, else `~/.keras`: where Keras (and lamina) cache downloaded files."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def _hasher(algorithm, file_hash=None):
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None and len(file_hash) == 64):
        return hashlib.sha256()
    if algorithm in ("md5", "auto"):
        return hashlib.md5()
    raise ValueError(f"get_file: hash_algorithm must be 'md5', 'sha256' or 'auto'; received {algorithm!r}.")


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """The hex digest of a file (`"sha256"`, `"md5"` or `"auto"` = sha256)."""
    hasher = _hasher("sha256" if algorithm == "auto" else algorithm)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """True when the file's hash equals `file_hash` (`"auto"`: sha256 for a 64-character hash, else md5)."""
    hasher = _hasher(algorithm, file_hash)
    name = "sha256" if hasher.name == "sha256" else "md5"
    return str(hash_file(fpath, name, chunk_size)) == str(file_hash)


def _safe_members(archive_path, names, target):
    root = os.path.realpath(target)
    for name in names:
        destination = os.path.realpath(os.path.join(target, name))
        if os.path.commonpath([root, destination]) != root:
            raise ValueError(f"get_file: archive {archive_path!r} holds a member outside the extraction folder "
                             f"({name!r}); refusing to extract it.")


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extracts a tar (gz/bz2/xz) or zip archive into `path`; True if it was an archive of those formats."""
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                _safe_members(file_path, archive.getnames(), path)
                try:
                    archive.extractall(path, filter="data")
                except TypeError:  # Python without extraction filters
                    archive.extractall(path)
            return True
        if fmt == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                _safe_members(file_path, archive.namelist(), path)
                archive.extractall(path)
            return True
    return False


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """Returns the local path of `origin`, downloading it into the cache first if it is not there.

    The file is `<cache_dir>/<cache_subdir>/<fname>` (`cache_dir` defaults to `$KERAS_HOME` or `~/.keras`),
    so files Keras downloaded before are reused. Without network access a missing file is an error saying
    where to put it.

    Args:
        fname: the file name in the cache (default: the last part of `origin`'s path); no folders.
        origin: the URL (`https://...`, `file://...`).
        untar: deprecated Keras flag: extract a tar archive.
        md5_hash: deprecated; use `file_hash`.
        file_hash: expected md5 or sha256 hex digest; a cached file that does not match is fetched again.
        cache_subdir: the sub-folder of the cache (an absolute path is used as is).
        hash_algorithm: `"md5"`, `"sha256"` or `"auto"` (by the hash's length).
        extract: extract the archive (tar or zip) and return the extraction folder.
        archive_format: `"auto"`, `"tar"`, `"zip"` or None.
        cache_dir: the cache's base folder.
        force_download: fetch even when the file is cached.

    Returns:
        The path of the file, or of the extraction folder with `extract`/`untar`.

    Example:
        >>> path = get_file("mnist.npz", "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz")
    """
    if origin is None:
        raise ValueError('get_file: specify the "origin" argument (the URL of the file to download).')
    if cache_dir is None:
        cache_dir = keras_home()
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(os.fspath(cache_dir))
    try:
        os.makedirs(base, exist_ok=True)
    except OSError:
        pass  # not writable: Keras falls back to /tmp/.keras
    if not os.access(base, os.W_OK):
        base = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    provided = fname
    fname = os.fspath(fname) if fname else ""
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"get_file: cannot take a file name from origin {origin!r}; pass `fname`.")
    elif os.sep in fname:
        raise ValueError(f"get_file: `fname` must be a file name without folders (use `cache_dir` for the folder); "
                         f"received fname={fname!r}.")
    if extract or untar:
        if provided and "." in fname:
            target = os.path.join(datadir, fname)
            fname = fname[:fname.find(".")]
            extraction_dir = os.path.join(datadir, f"{fname}_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            target = os.path.join(datadir, f"{fname}_archive")
    else:
        target = os.path.join(datadir, fname)

    if (extract or untar) and not force_download and not os.path.exists(target) and os.path.isdir(extraction_dir) \
            and os.listdir(extraction_dir):
        return extraction_dir  # already extracted (the archive was deleted): usable offline
    download = force_download or not os.path.exists(target)
    stale = False
    if not download and file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
        print(f"A local file was found, but its {hash_algorithm} hash does not match the expected value "
              f"{file_hash} (incomplete or outdated); fetching it again.")
        download = stale = True
    if download:
        _download(origin, target, stale)
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            raise ValueError(f"get_file: the file fetched from {origin} to {target} is incomplete or corrupted: "
                             f"its {hash_algorithm} hash does not match the expected value {file_hash}.")
    if extract or untar:
        if download or not os.path.exists(extraction_dir):
            if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
                import warnings

                warnings.warn(f"get_file: could not extract {target!r}: not a tar or zip archive.", stacklevel=2)
        return extraction_dir
    return target


def _download(origin, target, stale=False):
    print(f"Downloading data from {origin}")
    partial = target + ".part"
    try:
        with urllib.request.urlopen(origin, timeout=60) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out)
        os.replace(partial, target)
    except (urllib.error.URLError, OSError, ValueError) as error:
        if os.path.exists(partial):
            os.remove(partial)
        reason = getattr(error, "reason", error)
        state = ("the cached file there does not have the expected hash" if stale
                 else "the file is not in the cache")
        raise OSError(
            f"get_file: could not fetch {origin} ({reason}) and {state}. Without network access, copy the file "
            f"to {target} (the cache path Keras uses too) and call again."
        ) from error
