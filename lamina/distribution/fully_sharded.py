"""`FullyShardedDataParallel`: data parallelism with sharded weights (torch FSDP2, `fully_shard`).

For models whose weights, gradients and optimizer state do not fit one device:
each rank stores only a 1/world_size shard of every parameter (a `DTensor`),
and FSDP all-gathers a layer's full weights just before that layer runs
(forward and backward) and reduce-scatters its gradients right after, so the
optimizer updates only the local shard. Data handling is that of `DataParallel`
(global batch split over ranks, logs averaged, rank-0-only files).

Sharding unit: every lamina layer that owns parameters directly, then the
model (what is left), so at most one layer's full weights exist at a time.

Works on CPU (gloo, checked with torch 2.13) and CUDA (nccl). Caveats:

- after `fit` the model stays sharded: `get_weights`, `save`, `evaluate` and
  `predict` gather shards with collectives, so *every* rank must call them;
- lamina optimizers use torch's foreach kernels on shards (torch has no
  sharding rule for its fused kernels).
"""

import torch

from lamina.distribution.data_parallel import DataParallel

__all__ = ["FullyShardedDataParallel"]


def _fully_shard():
    try:
        from torch.distributed.fsdp import fully_shard
    except ImportError:
        fully_shard = None
    return fully_shard


class FullyShardedDataParallel(DataParallel):
    """Fully sharded data parallelism (FSDP2) over `torch.distributed` processes.

    Args:
        reshard_after_forward: free each layer's gathered weights after its
            forward (less memory, one more all-gather in backward); False keeps
            them until backward (faster, more memory).
        **kwargs: as `DataParallel` (backend, timeout, init_method, rank, world_size).

    Example:
        >>> lamina.distribution.set_distribution(lamina.distribution.FullyShardedDataParallel())
        >>> model.fit(x, y, batch_size=64)  # under torchrun; every rank runs this script
    """

    shards_parameters = True

    def __init__(self, reshard_after_forward=True, **kwargs):
        if _fully_shard() is None:
            raise RuntimeError(f"FullyShardedDataParallel needs torch.distributed.fsdp.fully_shard (torch >= 2.6); "
                               f"this torch is {torch.__version__}. Upgrade torch, or use DataParallel.")
        super().__init__(**kwargs)
        self.reshard_after_forward = bool(reshard_after_forward)
        from torch.distributed.device_mesh import init_device_mesh

        device_type = "cuda" if self.backend == "nccl" else "cpu"
        self.mesh = init_device_mesh(device_type, (self.world_size,))

    def wrap_model(self, model):
        """Shards `model`'s parameters in place (per layer, then the model) and returns the model.

        Must run before the optimizer is built: the optimizer has to hold the
        sharded parameters, which replace the original ones.
        """
        if getattr(model, "_lamina_fsdp", False):
            return model
        fully_shard = _fully_shard()
        from lamina.layers.layer import Layer

        # Each rank keeps its slice of its *own* values: make them rank 0's first (ranks may have
        # initialized differently), as DDP does on creation.
        self.broadcast_parameters(model)
        for module in list(model.modules())[1:]:
            if isinstance(module, Layer) and any(True for _ in module.parameters(recurse=False)):
                fully_shard(module, mesh=self.mesh, reshard_after_forward=self.reshard_after_forward)
        fully_shard(model, mesh=self.mesh, reshard_after_forward=self.reshard_after_forward)
        model.__dict__["_lamina_fsdp"] = True
        return model
