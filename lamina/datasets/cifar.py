"""Reading one CIFAR batch file (a pickled dict of NumPy arrays and lists) without arbitrary unpickling."""

import numpy as np

from lamina.datasets._safe_pickle import RestrictedUnpickler

__all__ = ["load_batch"]


def load_batch(fpath, label_key="labels"):
    """`(data (n, 3, 32, 32) uint8, labels list)` from a CIFAR python batch file."""
    with open(fpath, "rb") as f:
        content = RestrictedUnpickler(f, encoding="bytes").load()
    if not isinstance(content, dict):
        raise ValueError(f"{fpath} is not a CIFAR batch file (expected a pickled dict, found "
                         f"{type(content).__name__}).")
    content = {key.decode("utf8") if isinstance(key, bytes) else key: value for key, value in content.items()}
    if "data" not in content or label_key not in content:
        raise ValueError(f"{fpath} lacks 'data' or {label_key!r} (it holds {sorted(content)}).")
    data = np.asarray(content["data"])
    return data.reshape(data.shape[0], 3, 32, 32), content[label_key]
