"""`keras.datasets`: Keras's small datasets, read from Keras's cache files (`~/.keras/datasets`).

Each loader calls `keras.utils.get_file` with Keras's file name, URL and hash, so a file Keras
downloaded before is used as it is; without network access a missing file is an error that says
where to put it. Pickled parts (CIFAR batches, IMDB/Reuters ragged arrays) are read with an unpickler
that only rebuilds NumPy arrays, never arbitrary objects.
"""

from lamina.datasets import (boston_housing, california_housing, cifar10, cifar100, fashion_mnist, imdb, mnist,
                             reuters)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist",
           "reuters"]
