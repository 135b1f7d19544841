"""keras.datasets loaders on small fake files in Keras's cache layout, in a temporary KERAS_HOME.

IMDB, Reuters and the housing sets are compared with what Keras 3's own loaders return for the same files
(tests/datasets/keras_values/loaders.json, made by tools/keras_crosscheck/make_dataset_loader_values.py).
"""

import json
import os
import pickle
import sys

import numpy as np
import pytest

import lamina as keras
import lamina.utils.file_utils

sys.path.insert(0, os.path.dirname(__file__))
import fake_files  # noqa: E402

_KERAS = json.load(open(os.path.join(os.path.dirname(__file__), "keras_values", "loaders.json")))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A KERAS_HOME whose datasets/ folder the test fills; Keras's hashes (of the real files) are not checked."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(lamina.utils.file_utils, "validate_file", lambda *args, **kwargs: True)
    folder = tmp_path / "keras_home" / "datasets"
    folder.mkdir(parents=True)
    return folder


def _plain(value):
    if isinstance(value, np.ndarray) and value.dtype == object:
        return [list(map(int, v)) for v in value]
    return np.asarray(value).tolist()


_WRITERS = {"imdb": fake_files.write_imdb, "reuters": fake_files.write_reuters,
            "boston_housing": fake_files.write_boston, "california_housing": fake_files.write_california}


@pytest.mark.parametrize("name, index", [(name, i) for name in _KERAS for i in range(len(_KERAS[name]))])
def test_loaders_match_keras(cache, name, index):
    case = _KERAS[name][index]
    _WRITERS[name](str(cache / f"{name}.npz"))
    (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data(**case["kwargs"])
    for key, value in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)):
        if name.endswith("housing"):
            np.testing.assert_allclose(value, case[key], rtol=0, atol=0)
        else:
            assert _plain(value) == case[key], key


def test_mnist(cache):
    fake_files.write_mnist(str(cache / "mnist.npz"))
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    assert x_train.shape == (6, 28, 28) and x_train.dtype == np.uint8
    assert y_train.tolist() == list(range(6)) and x_test.shape == (2, 28, 28)


def test_fashion_mnist(cache):
    arrays = fake_files.write_fashion_mnist(str(cache / "fashion-mnist"))
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["train"][0])
    np.testing.assert_array_equal(y_test, arrays["t10k"][1])


def test_cifar10_from_extracted_folder(cache):
    batches, test = fake_files.write_cifar10(str(cache))
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and y_train.shape == (10, 1) and y_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train[0], batches[0][b"data"][0].reshape(3, 32, 32).transpose(1, 2, 0))
    assert y_test[:, 0].tolist() == test[b"labels"] and x_test.shape == (3, 32, 32, 3)


def test_cifar100_extracts_archive(cache, tmp_path):
    train, test = fake_files.write_cifar100(str(cache), str(tmp_path / "src"))
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar100.load_data(label_mode="coarse")
    assert x_train.shape == (4, 32, 32, 3) and y_train[:, 0].tolist() == train[b"coarse_labels"]
    assert os.path.isdir(cache / "cifar-100-python-target" / "cifar-100-python")
    with pytest.raises(ValueError, match='`label_mode` must be "fine" or "coarse"'):
        keras.datasets.cifar100.load_data(label_mode="medium")


def test_cifar_pickle_cannot_run_code(cache):
    fake_files.write_cifar10(str(cache))

    class Exploit:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    path = cache / "cifar-10-batches-py-target" / "cifar-10-batches-py" / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": Exploit(), b"labels": [0]}))
    with pytest.raises(pickle.UnpicklingError, match="only NumPy arrays are allowed"):
        keras.datasets.cifar10.load_data()


def test_word_indexes_and_label_names(cache):
    (cache / "imdb_word_index.json").write_text(json.dumps({"the": 1, "movie": 2}))
    (cache / "reuters_word_index.json").write_text(json.dumps({"said": 1}))
    assert keras.datasets.imdb.get_word_index() == {"the": 1, "movie": 2}
    assert keras.datasets.reuters.get_word_index() == {"said": 1}
    names = keras.datasets.reuters.get_label_names()
    assert len(names) == 46 and names[3] == "earn"


def test_missing_file_offline_says_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    import urllib.request

    def offline(*args, **kwargs):
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(OSError, match=r"copy the file to .*datasets.mnist\.npz"):
        keras.datasets.mnist.load_data()


def test_bad_arguments(cache):
    with pytest.raises(ValueError, match="`test_split` must be a fraction"):
        keras.datasets.boston_housing.load_data(test_split=1.5)
    fake_files.write_california(str(cache / "california_housing.npz"))
    with pytest.raises(ValueError, match="`version` must be 'small' or 'large'"):
        keras.datasets.california_housing.load_data(version="medium")
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        keras.datasets.imdb.load_data(nb_words=3)
