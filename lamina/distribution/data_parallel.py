"""`DataParallel`: synchronous data parallelism with torch's `DistributedDataParallel`.

Each process (rank) holds a full replica. `fit`:

- wraps the model in `torch.nn.parallel.DistributedDataParallel` (`wrap_model`)
  and runs the training forward through it, so gradients are averaged over
  ranks by DDP's bucketed hooks *during* `backward` (communication overlaps the
  remaining backward compute); DDP also broadcasts rank 0's weights and buffers
  when it is built, so every replica starts equal;
- gives each rank its slice of every *global* batch (`batch_size` is global and
  is split evenly over ranks), so all ranks run the same number of steps;
- averages the epoch logs (loss, metrics) over ranks, so callbacks such as
  EarlyStopping decide identically everywhere;
- prints progress and runs file-writing callbacks (ModelCheckpoint, CSVLogger,
  BackupAndRestore) on rank 0 only.

A model that overrides `train_step` calls itself (not the DDP wrapper), so for
it the trainer falls back to `wrap_step`: one all-reduce of the flattened
gradients right before the optimizer step (same numbers, no overlap).

Without a distribution none of this runs: the trainer's hot path is unchanged.
"""

import atexit
import gc
import warnings
import weakref

import numpy as np
import torch
import torch.distributed as dist

from lamina.distribution.base import (
    DEFAULT_BATCH_DIM_NAME,
    Distribution,
    distribution,
    mesh_from_devices,
    set_distribution,
)
from lamina.distribution.devices import init_process_group, list_devices
from lamina.distribution.layouts import DeviceMesh, TensorLayout

__all__ = ["DataParallel", "distribution", "set_distribution"]

_CURRENT = None
_EXIT_HOOK = False
_WRAPPED = weakref.WeakSet()  # models whose training forward runs through a DDP wrapper (see wrap_model)


def _destroy_process_groups_at_exit():
    """Shuts torch.distributed down while the interpreter is still whole.

    A script that trains under torchrun and simply ends leaves the process group alive; torch
    then destroys it during interpreter finalization, where gloo's worker threads may still
    hold finished work whose tensors refer to Python objects. Releasing those needs the GIL of
    an interpreter being torn down, and the process aborts with `terminate called without an
    active exception` (SIGABRT) after training succeeded. Destroying the groups from an
    `atexit` hook (which runs before finalization) joins those threads cleanly. A script that
    destroyed the group itself makes this a no-op.

    The DDP wrappers lamina made are dropped first (their reducers hold the group and its
    buffers), and garbage is collected before and after, so that the C++ objects are freed
    here rather than by the interpreter's teardown.
    """
    for model in list(_WRAPPED):
        if model.__dict__.get("_train_module") not in (None, model):
            model.__dict__["_train_module"] = model
            model._train_ready = False  # a later fit would wrap the model again
    _WRAPPED.clear()
    if not (dist.is_available() and dist.is_initialized()):
        return
    gc.collect()
    try:
        dist.destroy_process_group()
    except Exception as error:  # noqa: BLE001 - exiting anyway (e.g. a peer died): never mask the exit status
        warnings.warn(f"lamina.distribution: destroying the process group at exit failed "
                      f"({type(error).__name__}: {error}).", stacklevel=1)
    gc.collect()


def _register_exit_hook():
    global _EXIT_HOOK
    if not _EXIT_HOOK:
        atexit.register(_destroy_process_groups_at_exit)
        _EXIT_HOOK = True


class DataParallel(Distribution):
    """Data parallelism over `torch.distributed` processes (torch's `DistributedDataParallel`).

    Keras's arguments first; the process-group settings follow as keyword-only
    extras. The mesh is 1-D (its first axis is the batch axis); in torch each of
    its devices is one process, so it must have as many devices as the run has
    processes.

    Args:
        device_mesh: a `DeviceMesh` (its first axis splits the batch), or None.
        devices: devices for a 1-D mesh named "batch" (instead of
            `device_mesh`); default: `list_devices()`, one per process.
        auto_shard_dataset: split array data over processes in `fit` (default);
            False when each process already holds its own part (`batch_size`
            is then per process).
        backend: "gloo" (CPU) or "nccl" (CUDA); default: "nccl" when CUDA is
            available, else "gloo".
        timeout: seconds a collective waits for the other ranks before the run
            fails (a dead rank then ends the run instead of hanging it).
        init_method: torch.distributed init method (default: env variables set
            by torchrun: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE). Without
            them a single process runs as a group of one.
        rank, world_size: explicit values instead of the env variables.

    Example:
        >>> lamina.distribution.set_distribution(lamina.distribution.DataParallel())
        >>> model.fit(x, y, batch_size=64)  # 64 = global batch over all ranks
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True, *, backend=None, timeout=300,
                 init_method="env://", rank=None, world_size=None):
        if not dist.is_available():
            raise RuntimeError("DataParallel: this torch build has no torch.distributed support.")
        self.timeout = float(timeout)
        self.backend = init_process_group(backend, self.timeout, init_method, rank, world_size, caller="DataParallel")
        if device_mesh:
            if not isinstance(device_mesh, DeviceMesh):
                raise ValueError(f"DataParallel: Expect `mesh` to be an instance of `DeviceMesh`. Received: "
                                 f"mesh={device_mesh} (of type {type(device_mesh).__name__}).")
            if device_mesh.devices.ndim != 1:
                warnings.warn(f"DataParallel: Expect the input mesh to be 1D, but received "
                              f"mesh.devices.ndim={device_mesh.devices.ndim}. The first axis will be used for "
                              f"data-parallel sharding.", stacklevel=2)
            batch_dim_name = device_mesh.axis_names[0]
        else:
            device_mesh = mesh_from_devices(devices if devices is not None and len(devices) else list_devices())
            batch_dim_name = DEFAULT_BATCH_DIM_NAME
        super().__init__(device_mesh, batch_dim_name, auto_shard_dataset)
        size = device_mesh.devices.size
        if size != self.world_size or sorted(device_mesh.ranks().flat) != list(range(self.world_size)):
            raise ValueError(
                f"DataParallel: the mesh's devices {device_mesh.devices.flatten().tolist()} must be the "
                f"{self.world_size} device(s) of this run's {self.world_size} process(es), one each (torch drives "
                f"one device per process: ids 0..{self.world_size - 1}). Launch {size} processes (torchrun "
                f"--nproc_per_node={size}) or use devices=lamina.distribution.list_devices().")

    @property
    def num_model_replicas(self):
        return self.device_mesh.devices.size

    @property
    def data_shard_id(self):
        """This process's place in the mesh (every device is a replica, whatever the mesh's rank)."""
        return int(np.flatnonzero(self.device_mesh.ranks().ravel() == self._process_id)[0])

    def _data_shards(self):
        if not getattr(self, "_auto_shard_dataset", True):
            return 1, 0
        if getattr(self, "_device_mesh", None) is None:  # made without __init__ (tests of the shard layout)
            return self.world_size, self.rank
        return self.num_model_replicas, self.data_shard_id

    def get_variable_layout(self, variable):
        layout = getattr(variable, "_layout", None)
        if layout is not None:
            return layout
        return TensorLayout([None] * len(variable.shape), self.device_mesh)

    def get_tensor_layout(self, path):
        return None  # data parallelism leaves intermediate tensors as they are

    # ------------------------------------------------------------------ weights and gradients

    def wrap_model(self, model):
        """`model` wrapped in `DistributedDataParallel` (broadcasts rank 0's weights on creation).

        The wrapper is what the trainer calls for the training forward; the model
        keeps owning the parameters, so saving, `get_weights` and evaluation use
        the model itself.
        """
        from torch.nn.parallel import DistributedDataParallel

        device = next((p.device for p in model.parameters()), torch.device("cpu"))
        device_ids = [device.index if device.index is not None else torch.cuda.current_device()] \
            if device.type == "cuda" else None
        if not any(p.requires_grad for p in model.parameters()):
            raise ValueError(f"DataParallel: model '{getattr(model, 'name', type(model).__name__)}' has no "
                             f"trainable parameters; there is nothing to train in parallel.")
        if any(getattr(p, "_layout", None) is not None for p in model.parameters()):
            raise ValueError(
                f"DataParallel: model '{getattr(model, 'name', type(model).__name__)}' has variables laid out by a "
                f"ModelParallel (DTensors), which torch's DistributedDataParallel cannot train. Run fit under that "
                f"ModelParallel: lamina.distribution.set_distribution(model_parallel), or fit inside its scope().")
        _WRAPPED.add(model)
        # Buffers (BatchNormalization's moving statistics) follow rank 0 at every forward: torch's
        # default in every version (`broadcast_buffers`, deprecated by name in 2.13, is not passed).
        return DistributedDataParallel(model, device_ids=device_ids, output_device=device_ids[0] if device_ids
                                       else None)

    def wrap_step(self, params, step):
        """An optimizer step that first averages gradients over ranks."""
        params = list(params)
        world = self.world_size

        def distributed_step():
            grads = [p.grad for p in params if p.grad is not None]
            if grads:
                # One collective for all gradients (flattened), like DDP's buckets.
                flat = torch.cat([g.reshape(-1) for g in grads])
                dist.all_reduce(flat)
                flat.div_(world)
                offset = 0
                for g in grads:
                    g.copy_(flat[offset:offset + g.numel()].view_as(g))
                    offset += g.numel()
            step()

        return distributed_step


def prepare_fit(strategy, model, x, y, sample_weight, batch_size, verbose, callbacks):
    """What `fit` trains on in this rank: its shard of array data, local batch size, rank-0-only output.

    Returns:
        `(x, y, sample_weight, local_batch_size, verbose, callbacks)`.
    """
    from lamina.trainers.data_adapters.make import is_array_structure
    from lamina.utils import tree

    batch_size = batch_size or 32
    if is_array_structure(x):
        parts = [p for p in (x, y, sample_weight) if p is not None]
        flat = [tree.flatten(p) if tree.is_nested(p) else [p] for p in parts]
        sizes = [len(f) for f in flat]
        sharded, batch_size = strategy.shard_arrays([np.asarray(a) if isinstance(a, (list, tuple)) else a
                                                     for f in flat for a in f], batch_size)
        rebuilt, start = [], 0
        for part, size in zip(parts, sizes):
            chunk = sharded[start:start + size]
            rebuilt.append(tree.pack_like(part, chunk) if tree.is_nested(part) else chunk[0])
            start += size
        it = iter(rebuilt)
        x = next(it)
        y = next(it) if y is not None else None
        sample_weight = next(it) if sample_weight is not None else None
    elif strategy.auto_shard_dataset and strategy.num_model_replicas > 1:
        warnings.warn(f"{type(strategy).__name__}: fit() received a Dataset/DataLoader/generator, which lamina cannot "
                      "shard; give each process its own part (torch.utils.data.DistributedSampler) and "
                      "a per-process batch size (and auto_shard_dataset=False to silence this).", stacklevel=3)
    if not strategy.is_chief:
        verbose = 0
    return x, y, sample_weight, batch_size, verbose, strategy.filter_callbacks(callbacks)
