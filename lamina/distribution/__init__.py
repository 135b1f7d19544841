"""Data-parallel training over processes (torchrun / multi-GPU / multi-node).

Under `torchrun` (env `RANK`, `WORLD_SIZE`, `MASTER_ADDR`, `MASTER_PORT`),
`fit` distributes automatically; `set_distribution(DataParallel())` does it
explicitly (gradients averaged by torch's DistributedDataParallel during
backward). `set_distribution(FullyShardedDataParallel())` also shards the
weights, gradients and optimizer state over ranks (torch FSDP2), for models
that do not fit one device. See `data_parallel.py` and `fully_sharded.py`.
"""

from lamina.distribution.data_parallel import (
    DataParallel,
    distribution,
    set_distribution,
)
from lamina.distribution.fully_sharded import FullyShardedDataParallel

__all__ = ["DataParallel", "FullyShardedDataParallel", "distribution", "set_distribution"]
