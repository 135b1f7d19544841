"""`lamina.distribution`: Keras 3's distribution API on torch's DeviceMesh and DTensor.

- `DeviceMesh`, `TensorLayout`, `LayoutMap`: a named grid of devices (torch's
  `DeviceMesh`; one device per process), a tensor's split over it (DTensor
  placements), and variable paths mapped to layouts (regex keys).
- `DataParallel`: replicated variables, each process trains on its part of every
  global batch, gradients averaged by torch's `DistributedDataParallel`.
  Under `torchrun` (env `RANK`, `WORLD_SIZE`, `MASTER_ADDR`, `MASTER_PORT`) `fit`
  uses one automatically.
- `ModelParallel`: variables split over the mesh per a `LayoutMap` (DTensor).
- `FullyShardedDataParallel`: data parallelism with sharded weights, gradients and
  optimizer state (torch FSDP2).
- `distribute_tensor`, `distribution`, `set_distribution`, `list_devices`,
  `get_device_count`, `initialize` as in Keras.
See `base.py`, `layouts.py`, `devices.py`, `data_parallel.py`, `model_parallel.py`, `fully_sharded.py`.
"""

from lamina.distribution.base import Distribution, distribute_tensor, distribution, set_distribution
from lamina.distribution.data_parallel import DataParallel
from lamina.distribution.devices import get_device_count, initialize, list_devices
from lamina.distribution.fully_sharded import FullyShardedDataParallel
from lamina.distribution.layouts import DeviceMesh, LayoutMap, TensorLayout
from lamina.distribution.model_parallel import ModelParallel

__all__ = [
    "DataParallel",
    "DeviceMesh",
    "Distribution",
    "FullyShardedDataParallel",
    "LayoutMap",
    "ModelParallel",
    "TensorLayout",
    "distribute_tensor",
    "distribution",
    "get_device_count",
    "initialize",
    "list_devices",
    "set_distribution",
]
