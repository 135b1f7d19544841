"""Small files in the formats of Keras's dataset cache (npz, gzipped IDX, pickled CIFAR batches)."""

import gzip
import os
import pickle
import tarfile

import numpy as np

__all__ = ["write_boston", "write_california", "write_cifar10", "write_cifar100", "write_fashion_mnist",
           "write_imdb", "write_mnist", "write_reuters"]


def _ragged(rng, count, vocabulary=9, longest=7):
    array = np.empty(count, dtype=object)
    for i in range(count):
        array[i] = list(map(int, rng.integers(1, vocabulary, size=rng.integers(1, longest))))
    return array


def write_imdb(path):
    rng = np.random.default_rng(0)
    np.savez(path, x_train=_ragged(rng, 12), y_train=rng.integers(0, 2, 12), x_test=_ragged(rng, 8),
             y_test=rng.integers(0, 2, 8))
    return path


def write_reuters(path):
    rng = np.random.default_rng(1)
    np.savez(path, x=_ragged(rng, 15), y=rng.integers(0, 46, 15))
    return path


def write_boston(path):
    rng = np.random.default_rng(2)
    np.savez(path, x=rng.normal(size=(30, 13)).round(3), y=rng.normal(size=30).round(3))
    return path


def write_california(path):
    rng = np.random.default_rng(3)
    np.savez(path, x=rng.normal(size=(40, 8)).round(3), y=rng.normal(size=40).round(3))
    return path


def write_mnist(path):
    rng = np.random.default_rng(4)
    np.savez(path, x_train=rng.integers(0, 255, (6, 28, 28), dtype=np.uint8), y_train=np.arange(6, dtype=np.uint8),
             x_test=rng.integers(0, 255, (2, 28, 28), dtype=np.uint8), y_test=np.arange(2, dtype=np.uint8))
    return path


def write_fashion_mnist(folder):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(5)
    arrays = {}
    for split, count in (("train", 5), ("t10k", 3)):
        labels = rng.integers(0, 10, count, dtype=np.uint8)
        images = rng.integers(0, 255, (count, 28, 28), dtype=np.uint8)
        with gzip.open(os.path.join(folder, f"{split}-labels-idx1-ubyte.gz"), "wb") as f:
            f.write(b"\x00" * 8 + labels.tobytes())
        with gzip.open(os.path.join(folder, f"{split}-images-idx3-ubyte.gz"), "wb") as f:
            f.write(b"\x00" * 16 + images.tobytes())
        arrays[split] = (images, labels)
    return arrays


def _cifar_batch(path, count, label_keys, rng):
    content = {b"data": rng.integers(0, 255, (count, 3072), dtype=np.uint8)}
    for key, classes in label_keys:
        content[key] = [int(v) for v in rng.integers(0, classes, count)]
    with open(path, "wb") as f:
        pickle.dump(content, f)
    return content


def write_cifar10(datasets_dir):
    """The extracted layout: cifar-10-batches-py-target/cifar-10-batches-py/data_batch_{1..5}, test_batch."""
    rng = np.random.default_rng(6)
    folder = os.path.join(datasets_dir, "cifar-10-batches-py-target", "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    batches = [_cifar_batch(os.path.join(folder, f"data_batch_{i}"), 2, [(b"labels", 10)], rng) for i in range(1, 6)]
    test = _cifar_batch(os.path.join(folder, "test_batch"), 3, [(b"labels", 10)], rng)
    return batches, test


def write_cifar100(datasets_dir, tmp_dir):
    """The downloaded archive: cifar-100-python-target_archive (a tar.gz holding cifar-100-python/)."""
    rng = np.random.default_rng(7)
    folder = os.path.join(tmp_dir, "cifar-100-python")
    os.makedirs(folder, exist_ok=True)
    keys = [(b"fine_labels", 100), (b"coarse_labels", 20)]
    train = _cifar_batch(os.path.join(folder, "train"), 4, keys, rng)
    test = _cifar_batch(os.path.join(folder, "test"), 2, keys, rng)
    os.makedirs(datasets_dir, exist_ok=True)
    with tarfile.open(os.path.join(datasets_dir, "cifar-100-python-target_archive"), "w:gz") as archive:
        archive.add(folder, arcname="cifar-100-python")
    return train, test
