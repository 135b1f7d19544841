"""Where application weights come from: a path the user gives, or Keras's cache for "imagenet".

Nothing is downloaded. `weights="imagenet"` looks for Keras's own file name in Keras's cache folder
(`$KERAS_HOME/models/`, else `~/.keras/models/`, or `/tmp/.keras/models/` when the home folder is
not writable, as Keras does) and otherwise fails with the file name, the folder and the URL.

A path is loaded by its kind: a Keras 3 `.weights.h5` file or `.keras` archive through lamina's
loader, a Keras 2-format `.h5` (how Keras distributes its ImageNet weights) by layer name, with
every weighted layer on both sides required to match.
"""

import os

from lamina.saving import legacy_h5

__all__ = ["keras_home", "cached_file", "check_weights_argument", "load_application_weights"]


def keras_home():
    """Keras's home folder: `$KERAS_HOME`, else `~/.keras` (`/tmp/.keras` if home is read-only)."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return os.path.join(base, ".keras")


def cached_file(file_name, url, what, cache_subdir="models"):
    """The path of `file_name` in Keras's cache, or a `FileNotFoundError` saying how to put it there."""
    folder = os.path.join(os.path.expanduser(keras_home()), cache_subdir)
    path = os.path.join(folder, file_name)
    if os.path.isfile(path):
        return path
    raise FileNotFoundError(
        f"{what}: the file '{file_name}' is not in Keras's cache (expected at {path!r}). lamina does not "
        f"download files; download it from {url} (on a machine with network access) and place it in "
        f"{folder!r}, or set the KERAS_HOME environment variable to the folder that holds "
        f"'{cache_subdir}/{file_name}', or pass its path as `weights=`.")


def check_weights_argument(weights, include_top, classes):
    """Keras's checks of the `weights`/`classes` pair, done before the model is built."""
    if not (weights in {"imagenet", None} or (isinstance(weights, (str, os.PathLike))
                                               and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random initialization), 'imagenet' "
                         "(pre-training on ImageNet), or the path to the weights file to be loaded. "
                         f"Received: weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError('If using `weights="imagenet"` with `include_top=True`, `classes` should be 1000. '
                         f"Received: classes={classes}")


def load_application_weights(model, weights, file_name=None, base_url=None, url=None):
    """Loads `weights` ("imagenet", a path or None) into a freshly built application `model`.

    Args:
        model: the application model.
        weights: "imagenet", a path, or None (nothing to load).
        file_name: Keras's cache file name for "imagenet" (include_top decides which).
        base_url: the folder URL Keras downloads `file_name` from (shown in the error).
        url: the full download URL, when its file name differs from `file_name`.
    """
    if weights is None:
        return
    if weights == "imagenet":
        if file_name is None:
            raise ValueError(f"{model.name}: no ImageNet weights exist for these arguments.")
        path = cached_file(file_name, url or (base_url or "") + file_name,
                           what=f"ImageNet weights for model '{model.name}'")
    else:
        path = os.fspath(weights)
    load_weights_file(model, path)


def load_weights_file(model, path):
    """Loads a `.weights.h5`, `.keras` or Keras 2-format `.h5` file into `model`."""
    if legacy_h5.is_legacy_h5(path):
        legacy_h5.load_weights(model, path, by_name=True, require_all=True)
    else:
        model.load_weights(path)
