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
import copy
import datetime
import gc
import os
import warnings
import weakref

import numpy as np
import torch
import torch.distributed as dist

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


class DataParallel:
    shards_parameters = False  # FullyShardedDataParallel: parameters are replaced by shards (wrap before build)
    """Data parallelism over `torch.distributed` processes.

    Args:
        backend: "gloo" (CPU) or "nccl" (CUDA); default: "nccl" when CUDA is
            available, else "gloo".
        timeout: seconds a collective waits for the other ranks before the run
            fails (a dead rank then ends the run instead of hanging it).
        init_method: torch.distributed init method (default: env variables set
            by torchrun: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE).
        rank, world_size: explicit values instead of the env variables.

    Example:
        >>> lamina.distribution.set_distribution(lamina.distribution.DataParallel())
        >>> model.fit(x, y, batch_size=64)  # 64 = global batch over all ranks
    """

    def __init__(self, backend=None, timeout=300, init_method="env://", rank=None, world_size=None):
        if not dist.is_available():
            raise RuntimeError("DataParallel: this torch build has no torch.distributed support.")
        self.backend = backend or ("nccl" if torch.cuda.is_available() else "gloo")
        self.timeout = float(timeout)
        if not dist.is_initialized():
            rank = int(os.environ.get("RANK", 0)) if rank is None else int(rank)
            world_size = int(os.environ.get("WORLD_SIZE", 1)) if world_size is None else int(world_size)
            if not 0 <= rank < world_size:
                raise ValueError(f"DataParallel: rank={rank} is outside 0..world_size-1 (world_size={world_size}); "
                                 f"each of the world_size processes needs a distinct RANK in that range.")
            if init_method == "env://" and "MASTER_ADDR" not in os.environ:
                raise RuntimeError(
                    "DataParallel: MASTER_ADDR/MASTER_PORT are not set. Launch with `torchrun "
                    "--nproc_per_node=N script.py`, or set them (and RANK, WORLD_SIZE) yourself.")
            dist.init_process_group(self.backend, init_method=init_method, rank=rank, world_size=world_size,
                                    timeout=datetime.timedelta(seconds=self.timeout))
        _register_exit_hook()
        self.rank = dist.get_rank()
        self.world_size = dist.get_world_size()
        if self.backend == "nccl":
            # One GPU per process: LOCAL_RANK (torchrun) picks it.
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", self.rank % torch.cuda.device_count())))

    @property
    def is_chief(self) -> bool:
        return self.rank == 0

    # ------------------------------------------------------------------ data

    def shard_arrays(self, arrays, batch_size):
        """Rank `r`'s part of each global batch of `batch_size` samples (flat list of arrays)."""
        n = len(arrays[0])
        world, rank = self.world_size, self.rank
        if batch_size % world:
            raise ValueError(f"DataParallel: the global batch_size={batch_size} must be divisible by the "
                             f"number of processes ({world}); use a multiple of {world}.")
        local = batch_size // world
        full = n // batch_size
        index = (np.arange(full)[:, None] * batch_size + rank * local + np.arange(local)[None, :]).ravel()
        tail = n - full * batch_size
        tail_local = tail // world
        if tail % world:
            warnings.warn(f"DataParallel: {tail % world} trailing sample(s) of {n} are dropped so every "
                          f"process runs the same number of steps.", stacklevel=3)
        if tail_local:
            start = full * batch_size + rank * tail_local
            index = np.concatenate([index, np.arange(start, start + tail_local)])
        return [a[torch.as_tensor(index)] if isinstance(a, torch.Tensor) else a[index] for a in arrays], local

    # ------------------------------------------------------------------ weights and gradients

    def broadcast_parameters(self, model):
        """Copies rank 0's parameters and buffers to every rank."""
        with torch.no_grad():
            for tensor in list(model.parameters()) + list(model.buffers()):
                dist.broadcast(tensor.data, src=0)

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

    def explain_failure(self, error):
        """A clear error for a collective that failed because another rank died or hung, else None."""
        text = f"{type(error).__name__}: {error}"
        lost = isinstance(error, getattr(dist, "DistError", ())) or any(
            marker in text for marker in ("Connection closed", "Connection reset", "timed out", "Timeout",
                                          "timeout", "gloo", "NCCL", "Broken pipe"))
        if not lost:
            return None
        return RuntimeError(
            f"DataParallel: rank {self.rank} of {self.world_size} lost contact with the other processes during "
            f"training (a process died, was killed, or stalled for more than timeout={self.timeout:g}s). "
            f"Check the other ranks' logs for the first failure; restart all processes (BackupAndRestore "
            f"resumes from the last epoch). Original error: {text[:500]}")

    def reduce_logs(self, logs):
        """Averages float logs over ranks (equal samples per rank make this the global mean)."""
        keys = sorted(k for k, v in logs.items() if isinstance(v, (int, float)))
        if not keys:
            return logs
        values = torch.tensor([float(logs[k]) for k in keys], dtype=torch.float64)
        if self.backend == "nccl":
            values = values.cuda()
        dist.all_reduce(values)
        values = (values / self.world_size).tolist()
        return {**logs, **dict(zip(keys, values))}

    def filter_callbacks(self, callbacks):
        """Rank 0 keeps all callbacks; the others drop the ones that write files.

        `BackupAndRestore` stays on every rank in a read-only form: all ranks must
        restore the same backup at the start (or they would diverge), but only
        rank 0 writes and deletes it.
        """
        if self.is_chief or not callbacks:
            return callbacks
        from lamina.callbacks import BackupAndRestore, CSVLogger, ModelCheckpoint

        kept = []
        for callback in callbacks:
            if isinstance(callback, (ModelCheckpoint, CSVLogger)):
                continue
            if isinstance(callback, BackupAndRestore):
                callback = copy.copy(callback)
                callback.__class__ = _restore_only_class()
            kept.append(callback)
        return kept


_RESTORE_ONLY = None


def _restore_only_class():
    """`BackupAndRestore` that restores at train begin but never writes (non-chief ranks)."""
    global _RESTORE_ONLY
    if _RESTORE_ONLY is None:
        from lamina.callbacks import BackupAndRestore

        class _RestoreOnly(BackupAndRestore):
            def _write(self, epoch, step):
                pass

            def on_train_end(self, logs=None):
                pass

        _RESTORE_ONLY = _RestoreOnly
    return _RESTORE_ONLY


def set_distribution(value):
    """Sets (or with `None` clears) the process-wide distribution used by `fit`."""
    global _CURRENT
    if value is not None and not isinstance(value, DataParallel):
        raise TypeError(f"set_distribution expects a lamina.distribution.DataParallel (or its subclass "
                        f"FullyShardedDataParallel) or None, "
                        f"received {type(value).__name__}.")
    _CURRENT = value


def distribution():
    """The active distribution: the one set explicitly, else one created under torchrun, else None."""
    global _CURRENT
    if _CURRENT is None and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        if "RANK" not in os.environ:
            raise RuntimeError(
                f"lamina.distribution: WORLD_SIZE={os.environ['WORLD_SIZE']} is set but RANK is not, so this "
                f"process cannot tell which part of the data it trains on. Launch with `torchrun "
                f"--nproc_per_node=N script.py` (it sets RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), "
                f"or set RANK as well, or unset WORLD_SIZE to train in one process.")
        _CURRENT = DataParallel()
    return _CURRENT


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
    else:
        warnings.warn("DataParallel: fit() received a Dataset/DataLoader/generator, which lamina cannot "
                      "shard; give each process its own part (torch.utils.data.DistributedSampler) and "
                      "a per-process batch size.", stacklevel=3)
    if not strategy.is_chief:
        verbose = 0
    return x, y, sample_weight, batch_size, verbose, strategy.filter_callbacks(callbacks)
