"""Data-parallel training over processes (torchrun / multi-GPU / multi-node).

Under `torchrun` (env `RANK`, `WORLD_SIZE`, `MASTER_ADDR`, `MASTER_PORT`),
`fit` distributes automatically; `set_distribution(DataParallel())` does it
explicitly. See `data_parallel.py` for the semantics.
"""

from lamina.distribution.data_parallel import (
    DataParallel,
    distribution,
    set_distribution,
)

__all__ = ["DataParallel", "distribution", "set_distribution"]
