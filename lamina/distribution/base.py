"""The `Distribution` base class, the global distribution and `distribute_tensor`.

A `Distribution` owns a `DeviceMesh` and answers Keras's three questions: how
input data is laid out (`get_data_layout`), how a variable is laid out
(`get_variable_layout`), and how an intermediate tensor is (`get_tensor_layout`).
It also carries what `fit` needs in a multi-process run (in torch, one process
per mesh device): which part of each global batch this process trains on,
averaging logs over processes, and rank-0-only output and files.
"""

import contextlib
import os
import warnings

import numpy as np
import torch
import torch.distributed as dist

from lamina.distribution.layouts import DeviceMesh, TensorLayout

__all__ = ["Distribution", "distribute_tensor", "distribution", "set_distribution"]

DEFAULT_BATCH_DIM_NAME = "batch"
_CURRENT = None


class Distribution:
    """Base class of `DataParallel` and `ModelParallel`.

    Args:
        device_mesh: the `DeviceMesh`.
        batch_dim_name: the mesh axis the batch is split over.
        auto_shard_dataset: split array data over processes in `fit` (False:
            each process already holds its own part and `batch_size` is per
            process).
    """

    shards_parameters = False  # True: the trainer calls wrap_model before the optimizer is built
    averages_at_step = False  # True: the trainer wraps the optimizer step with wrap_step

    def __init__(self, device_mesh, batch_dim_name=None, auto_shard_dataset=True):
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name
        self._auto_shard_dataset = auto_shard_dataset
        from lamina.distribution import devices

        self._num_processes = devices.num_processes()
        self._process_id = devices.process_id()
        self._is_multi_process = self._num_processes > 1
        self.rank, self.world_size = self._process_id, self._num_processes

    # ------------------------------------------------------------------ Keras's API

    @property
    def num_processes(self):
        """Total number of processes in the run."""
        return self._num_processes

    @property
    def num_model_replicas(self):
        """Number of model replicas (the mesh's size along the batch axis)."""
        raise NotImplementedError(f"{type(self).__name__} must define num_model_replicas.")

    @property
    def data_shard_id(self):
        """Which part of each global batch this process trains on (its place along the batch axis)."""
        mesh = self._device_mesh
        if mesh is None or self._batch_dim_name not in mesh.axis_names:
            return self._process_id
        where = np.argwhere(mesh.ranks() == self._process_id)
        if not len(where):
            return self._process_id
        return int(where[0][list(mesh.axis_names).index(self._batch_dim_name)])

    def get_data_layout(self, data_shape):
        """The `TensorLayout` of input data: the first dimension split over the batch axis."""
        axes = [None] * len(data_shape)
        axes[0] = self._batch_dim_name
        return TensorLayout(axes, self._device_mesh)

    def get_variable_layout(self, variable):
        raise NotImplementedError(f"{type(self).__name__} must define get_variable_layout.")

    def get_tensor_layout(self, path):
        raise NotImplementedError(f"{type(self).__name__} must define get_tensor_layout.")

    @contextlib.contextmanager
    def scope(self):
        """Makes this the current distribution inside a `with` block (the previous one after it)."""
        original = _CURRENT
        set_distribution(self)
        try:
            yield
        finally:
            set_distribution(original)

    @property
    def device_mesh(self):
        return self._device_mesh

    @property
    def batch_dim_name(self):
        return self._batch_dim_name

    @property
    def auto_shard_dataset(self):
        return self._auto_shard_dataset

    @auto_shard_dataset.setter
    def auto_shard_dataset(self, auto_shard_dataset):
        self._auto_shard_dataset = auto_shard_dataset

    def distribute_dataset(self, dataset):
        """This process's part of a map-style `torch.utils.data.Dataset` (every `num_model_replicas`-th
        sample from `data_shard_id` on); the dataset itself in one process or without auto-sharding."""
        if not self._is_multi_process or not self._auto_shard_dataset or self.num_model_replicas == 1:
            return dataset
        if isinstance(dataset, torch.utils.data.Dataset) and hasattr(dataset, "__len__") \
                and not isinstance(dataset, torch.utils.data.IterableDataset):
            return torch.utils.data.Subset(dataset, range(self.data_shard_id, len(dataset), self.num_model_replicas))
        raise ValueError(f"{type(self).__name__}.distribute_dataset: the dataset type {type(dataset).__name__} is "
                         f"not supported for auto-sharding in a multi-process run; pass a map-style "
                         f"torch.utils.data.Dataset, or shard it yourself and set auto_shard_dataset=False.")

    def __repr__(self):
        return f"<{type(self).__name__} device_mesh={self.device_mesh}>"

    __str__ = __repr__

    # ------------------------------------------------------------------ what fit uses (lamina/trainers)

    @property
    def is_chief(self) -> bool:
        return self.rank == 0

    def _data_shards(self):
        """(number of parts, this process's part) each global batch is split into."""
        if not self._auto_shard_dataset:
            return 1, 0
        return self.num_model_replicas, self.data_shard_id

    def shard_arrays(self, arrays, batch_size):
        """This process's part of each global batch of `batch_size` samples (flat list of arrays)."""
        world, rank = self._data_shards()
        n = len(arrays[0])
        if batch_size % world:
            raise ValueError(f"{type(self).__name__}: the global batch_size={batch_size} must be divisible by the "
                             f"number of processes ({world}); use a multiple of {world}.")
        local = batch_size // world
        full = n // batch_size
        index = (np.arange(full)[:, None] * batch_size + rank * local + np.arange(local)[None, :]).ravel()
        tail = n - full * batch_size
        tail_local = tail // world
        if tail % world:
            warnings.warn(f"{type(self).__name__}: {tail % world} trailing sample(s) of {n} are dropped so every "
                          f"process runs the same number of steps.", stacklevel=3)
        if tail_local:
            start = full * batch_size + rank * tail_local
            index = np.concatenate([index, np.arange(start, start + tail_local)])
        return [a[torch.as_tensor(index)] if isinstance(a, torch.Tensor) else a[index] for a in arrays], local

    def wrap_model(self, model):
        return model

    def wrap_step(self, params, step):
        return step

    def broadcast_parameters(self, model):
        """Copies rank 0's parameters and buffers to every rank."""
        with torch.no_grad():
            for tensor in list(model.parameters()) + list(model.buffers()):
                dist.broadcast(tensor.data, src=0)

    def explain_failure(self, error):
        """A clear error for a collective that failed because another rank died or hung, else None."""
        text = f"{type(error).__name__}: {error}"
        lost = isinstance(error, getattr(dist, "DistError", ())) or any(
            marker in text for marker in ("Connection closed", "Connection reset", "timed out", "Timeout",
                                          "timeout", "gloo", "NCCL", "Broken pipe"))
        if not lost:
            return None
        timeout = getattr(self, "timeout", 300.0)
        return RuntimeError(
            f"{type(self).__name__}: rank {self.rank} of {self.world_size} lost contact with the other processes "
            f"during training (a process died, was killed, or stalled for more than timeout={timeout:g}s). "
            f"Check the other ranks' logs for the first failure; restart all processes (BackupAndRestore "
            f"resumes from the last epoch). Original error: {text[:500]}")

    def reduce_logs(self, logs):
        """Averages float logs over processes (equal samples per process make this the global mean)."""
        if self.world_size == 1:
            return logs
        keys = sorted(k for k, v in logs.items() if isinstance(v, (int, float)))
        if not keys:
            return logs
        values = torch.tensor([float(logs[k]) for k in keys], dtype=torch.float64)
        if dist.get_backend() == "nccl":
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
                callback = copy_as_restore_only(callback)
            kept.append(callback)
        return kept


_RESTORE_ONLY = None


def copy_as_restore_only(callback):
    """A copy of a `BackupAndRestore` that restores at train begin but never writes (non-chief ranks)."""
    import copy

    global _RESTORE_ONLY
    if _RESTORE_ONLY is None:
        from lamina.callbacks import BackupAndRestore

        class _RestoreOnly(BackupAndRestore):
            def _write(self, epoch, step):
                pass

            def on_train_end(self, logs=None):
                pass

        _RESTORE_ONLY = _RestoreOnly
    callback = copy.copy(callback)
    callback.__class__ = _RESTORE_ONLY
    return callback


def mesh_from_devices(devices):
    """A 1-D mesh named "batch" over `devices` (Keras's default data-parallel mesh)."""
    devices = np.array(devices)
    if devices.ndim != 1:
        devices = devices.reshape(-1)
    return DeviceMesh(shape=devices.shape, axis_names=[DEFAULT_BATCH_DIM_NAME], devices=devices)


def set_distribution(value):
    """Sets (or with `None` clears) the global distribution: what `fit` and variable creation consult.

    Args:
        value: a `lamina.distribution.Distribution` (`DataParallel`,
            `ModelParallel`, `FullyShardedDataParallel`) or None.
    """
    global _CURRENT
    if value is not None and not isinstance(value, Distribution):
        raise TypeError(f"set_distribution expects a lamina.distribution.Distribution (DataParallel, "
                        f"ModelParallel or FullyShardedDataParallel) or None, received {type(value).__name__}.")
    _CURRENT = value


def current_distribution():
    """The distribution set or in scope, without making one under torchrun (for variable creation)."""
    return _CURRENT


def adopt_built_layer(layer):
    """After `layer` is built under a distribution that lays variables out (ModelParallel): if layers
    inside it own DTensor variables, `layer` itself runs on DTensors (it may use its sub-layers' weights
    directly, e.g. an RNN's fused kernel with its cell's weights)."""
    adopt = getattr(_CURRENT, "adopt_layer", None)
    if adopt is not None:
        adopt(layer)


def distribution():
    """The current distribution: the one set (or the innermost `scope()`), else a `DataParallel` made
    automatically under torchrun (WORLD_SIZE > 1), else None."""
    global _CURRENT
    if _CURRENT is None and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        if "RANK" not in os.environ:
            raise RuntimeError(
                f"lamina.distribution: WORLD_SIZE={os.environ['WORLD_SIZE']} is set but RANK is not, so this "
                f"process cannot tell which part of the data it trains on. Launch with `torchrun "
                f"--nproc_per_node=N script.py` (it sets RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), "
                f"or set RANK as well, or unset WORLD_SIZE to train in one process.")
        from lamina.distribution.data_parallel import DataParallel

        _CURRENT = DataParallel()
    return _CURRENT


def distribute_tensor(tensor, layout):
    """Lays `tensor` out over a mesh as a torch `DTensor`.

    A plain tensor is split (or replicated) from rank 0's value
    (`torch.distributed.tensor.distribute_tensor`), a DTensor is redistributed;
    a symbolic `KerasTensor` is returned unchanged.

    Args:
        tensor: a `torch.Tensor` (or DTensor, or array).
        layout: a `TensorLayout` with a `device_mesh`.

    Returns:
        A `torch.distributed.tensor.DTensor`.

    Example:
        >>> mesh = DeviceMesh((2,), ["model"])
        >>> x = distribute_tensor(torch.ones(4, 6), TensorLayout((None, "model"), mesh))
        >>> x.to_local().shape  # on each of the 2 processes
        torch.Size([4, 3])
    """
    from lamina.graph.keras_tensor import KerasTensor

    if isinstance(tensor, KerasTensor):
        return tensor  # symbolic: only used to build functional models, has no layout
    if not isinstance(layout, TensorLayout):
        raise TypeError(f"distribute_tensor: layout must be a lamina.distribution.TensorLayout; received "
                        f"{type(layout).__name__}.")
    from torch.distributed.tensor import DTensor
    from torch.distributed.tensor import distribute_tensor as torch_distribute

    if not isinstance(tensor, torch.Tensor):
        tensor = torch.as_tensor(np.asarray(tensor))
    placements = layout.placements(tensor.dim(), what=f"the tensor of shape {tuple(tensor.shape)}")
    mesh = layout.device_mesh.backend_mesh
    if isinstance(tensor, DTensor):
        return tensor.redistribute(mesh, placements)
    return torch_distribute(tensor.to(mesh.device_type), mesh, placements)


def full_value(tensor):
    """The whole value of a tensor: a DTensor's shards gathered (a collective: every process calls it)."""
    return tensor.full_tensor() if hasattr(tensor, "full_tensor") else tensor


def assign_full(target, value):
    """`target.copy_(value)` for a whole `value`, also when `target` is a DTensor (each process keeps its part)."""
    if hasattr(target, "device_mesh") and hasattr(target, "to_local") and not hasattr(value, "device_mesh"):
        from torch.distributed.tensor import distribute_tensor as torch_distribute

        value = torch_distribute(value.to(dtype=target.dtype, device=target.device), target.device_mesh,
                                 target.placements, src_data_rank=None)
    return target.copy_(value)
