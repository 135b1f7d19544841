"""Reading Keras's dataset files without arbitrary unpickling: only NumPy arrays (and plain containers)."""

import io
import pickle
import zipfile

import numpy as np

__all__ = ["RestrictedUnpickler", "load_npz", "ORIGIN_FOLDER"]

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# Rebuilding an ndarray needs exactly these globals; anything else (os.system, eval, ...) is refused.
_ALLOWED = frozenset({("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
                      ("numpy._core.multiarray", "_reconstruct")})


class RestrictedUnpickler(pickle.Unpickler):
    """A `pickle.Unpickler` that rebuilds NumPy arrays, lists, dicts, numbers and strings only."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"Refusing to load `{module}.{name}` from a dataset file: only NumPy arrays "
                                     f"are allowed. The file may be corrupted or malicious.")


def _read_npy(buffer):
    try:
        return np.lib.format.read_array(buffer, allow_pickle=False)
    except ValueError:  # an object array: a pickle stream after the header
        buffer.seek(0)
        major, _ = np.lib.format.read_magic(buffer)
        if major == 1:
            np.lib.format.read_array_header_1_0(buffer)
        elif major in (2, 3):
            np.lib.format.read_array_header_2_0(buffer)
        else:
            raise ValueError(f"Unsupported .npy format version {major}.") from None
        return RestrictedUnpickler(buffer).load()


def load_npz(path):
    """An `.npz` file -> `{name: array}`; object arrays are unpickled with `RestrictedUnpickler`."""
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith(".npy"):
                    with archive.open(member) as raw:
                        arrays[member[:-4]] = _read_npy(io.BytesIO(raw.read()))
    except zipfile.BadZipFile as error:
        raise ValueError(f"{path} is not a valid .npz file ({error}); delete it so that it is fetched again.") \
            from error
    return arrays


def require(arrays, keys, path):
    missing = [key for key in keys if key not in arrays]
    if missing:
        raise ValueError(f"{path} lacks the arrays {missing} (it holds {sorted(arrays)}); it is not the file Keras "
                         f"uses. Delete it so that it is fetched again.")
    return [arrays[key] for key in keys]
