"""Writes tests/datasets/keras_values/loaders.json: what Keras 3's imdb/reuters/boston/california loaders
return for small fake cache files (made by tests/datasets/fake_files.py).

Keras's loader modules are executed from the installed Keras's source with `get_file` replaced by a
function returning the fake file (Keras's package cannot be imported here without TensorFlow); every
other line of the loaders is Keras's own.

Run: /tmp/lamina-keras-venv/bin/python tools/keras_crosscheck/make_dataset_loader_values.py
"""

import importlib.util
import json
import os
import sys
import tempfile
import types

import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "datasets"))
import fake_files  # noqa: E402

spec = importlib.util.find_spec("keras")
KERAS_SRC = os.path.join(os.path.dirname(spec.origin), "src")


def _stub_packages(fake_path):
    def keras_export(*_, **__):
        return lambda f: f

    modules = {
        "keras": types.ModuleType("keras"), "keras.src": types.ModuleType("keras.src"),
        "keras.src.api_export": types.SimpleNamespace(keras_export=keras_export),
        "keras.src.utils": types.ModuleType("keras.src.utils"),
        "keras.src.utils.file_utils": types.SimpleNamespace(get_file=lambda *a, **k: fake_path[0]),
        "keras.src.datasets": types.ModuleType("keras.src.datasets"),
    }
    sys.modules.update(modules)
    for name in ("python_utils",):
        module = _load(f"keras.src.utils.{name}", os.path.join(KERAS_SRC, "utils", f"{name}.py"))
        setattr(sys.modules["keras.src.utils"], name, module)
    npz = _load("keras.src.datasets.npz_utils", os.path.join(KERAS_SRC, "datasets", "npz_utils.py"))
    sys.modules["keras.src.datasets"].npz_utils = npz


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _plain(value):
    if isinstance(value, np.ndarray) and value.dtype == object:
        return [list(map(int, v)) for v in value]
    return np.asarray(value).tolist()


def main():
    fake_path = [None]
    _stub_packages(fake_path)
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        cases = {
            "imdb": [dict(), dict(num_words=6, skip_top=1), dict(maxlen=5, oov_char=None, start_char=None),
                     dict(index_from=0, seed=7)],
            "reuters": [dict(), dict(num_words=5, test_split=0.4), dict(maxlen=4, oov_char=None)],
            "boston_housing": [dict(), dict(test_split=0.3, seed=1)],
            "california_housing": [dict(), dict(version="small", test_split=0.5)],
        }
        writers = {"imdb": fake_files.write_imdb, "reuters": fake_files.write_reuters,
                   "boston_housing": fake_files.write_boston, "california_housing": fake_files.write_california}
        for name, kwargs_list in cases.items():
            fake_path[0] = writers[name](os.path.join(folder, f"{name}.npz"))
            module = _load(f"keras.src.datasets.{name}", os.path.join(KERAS_SRC, "datasets", f"{name}.py"))
            out[name] = []
            for kwargs in kwargs_list:
                (x_train, y_train), (x_test, y_test) = module.load_data(**kwargs)
                out[name].append(dict(kwargs=kwargs, x_train=_plain(x_train), y_train=_plain(y_train),
                                      x_test=_plain(x_test), y_test=_plain(y_test)))
    target = os.path.join(ROOT, "tests", "datasets", "keras_values", "loaders.json")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w") as f:
        json.dump(out, f)
    print("wrote", target)


if __name__ == "__main__":
    main()
