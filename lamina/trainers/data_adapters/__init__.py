"""Data handling for fit/evaluate/predict: in-memory arrays and iterables."""

from lamina.trainers.data_adapters.array_data import ArrayData
from lamina.trainers.data_adapters.iterable_data import IterableData, unpack_batch
from lamina.trainers.data_adapters.make import make_data

__all__ = ["ArrayData", "IterableData", "make_data", "unpack_batch"]
