"""Devices and processes: `list_devices`, `get_device_count`, `initialize`.

torch runs one process per device (SPMD): a *global* device is one process's
device, and its number is that process's rank. So in a process group of
`world_size` processes, `list_devices()` returns `["cpu:0", ..., "cpu:<world_size-1>"]`
(gloo) or `["cuda:0", ...]` (nccl), whichever machine each rank runs on. Outside
a process group the local devices are listed (every GPU of the machine, or the
one CPU).
"""

import datetime
import os

import torch
import torch.distributed as dist

__all__ = ["get_device_count", "initialize", "list_devices"]

_TYPE_ALIASES = {"gpu": "cuda", "cuda": "cuda", "cpu": "cpu"}


def _device_type(device_type, caller):
    """torch's device type for a Keras one ("gpu" is torch's "cuda")."""
    if device_type is None:
        if dist.is_available() and dist.is_initialized():
            return "cuda" if dist.get_backend() == "nccl" else "cpu"
        return "cuda" if torch.cuda.is_available() else "cpu"
    name = str(device_type).lower()
    if name not in _TYPE_ALIASES:
        raise ValueError(f"{caller}: device_type must be one of 'cpu', 'gpu' or 'cuda' (or None for the default "
                         f"type); received device_type={device_type!r}. torch has no TPU support here.")
    return _TYPE_ALIASES[name]


def list_devices(device_type=None):
    """All devices available for distributed computation, as Keras's device strings.

    Args:
        device_type: "cpu", "gpu" (torch's "cuda") or "cuda". Defaults to CUDA
            when the process group runs on nccl (or, outside a process group,
            when a GPU is present), else the CPU. Never a mix of types.

    Returns:
        List of strings "<type>:<id>". In a process group (or under torchrun,
        from WORLD_SIZE) the id is the rank of the process driving the device
        (one device per process), so the list is global; otherwise the local
        devices.

    Example:
        >>> lamina.distribution.list_devices()  # one CPU process
        ['cpu:0']
    """
    kind = _device_type(device_type, "list_devices")
    if dist.is_available() and dist.is_initialized():
        count = dist.get_world_size()
    elif int(os.environ.get("WORLD_SIZE", 1)) > 1:  # under torchrun, before the group is made: its processes
        count = int(os.environ["WORLD_SIZE"])
    elif kind == "cuda":
        count = torch.cuda.device_count()
    else:
        count = 1
    return [f"{kind}:{index}" for index in range(count)]


def get_device_count(device_type=None):
    """The number of devices `list_devices(device_type)` returns.

    Args:
        device_type: as `list_devices`.

    Returns:
        int.
    """
    return len(list_devices(device_type))


def num_processes():
    """Processes in the process group (1 without one)."""
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def process_id():
    """This process's rank (0 without a process group)."""
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Joins the processes of a multi-process run (`torch.distributed.init_process_group`).

    Each argument falls back to Keras's environment variable
    (`KERAS_DISTRIBUTION_JOB_ADDRESSES`, `KERAS_DISTRIBUTION_NUM_PROCESSES`,
    `KERAS_DISTRIBUTION_PROCESS_ID`), then to torchrun's (`MASTER_ADDR`/`MASTER_PORT`,
    `WORLD_SIZE`, `RANK`). The first job address ("host:port") is the rendezvous
    (rank 0's store). Backend: nccl where CUDA is present, else gloo. Does
    nothing when the process group already exists.

    Args:
        job_addresses: comma-separated "host:port" of all processes (only the
            first, the coordinator's, is used), or just the coordinator's.
        num_processes: number of processes (torch's world size).
        process_id: this process's id in `0..num_processes-1` (torch's rank).

    Example:
        >>> lamina.distribution.initialize("10.0.0.1:1234,10.0.0.2:2345", num_processes=2, process_id=0)
    """
    env = os.environ
    if job_addresses is None and "KERAS_DISTRIBUTION_JOB_ADDRESSES" in env:
        job_addresses = env["KERAS_DISTRIBUTION_JOB_ADDRESSES"]
    if num_processes is None and "KERAS_DISTRIBUTION_NUM_PROCESSES" in env:
        num_processes = int(env["KERAS_DISTRIBUTION_NUM_PROCESSES"])
    if process_id is None and "KERAS_DISTRIBUTION_PROCESS_ID" in env:
        process_id = int(env["KERAS_DISTRIBUTION_PROCESS_ID"])
    if not dist.is_available():
        raise RuntimeError("initialize: this torch build has no torch.distributed support.")
    if dist.is_initialized():
        return
    coordinator = None
    if job_addresses:
        addresses = [a.strip() for a in str(job_addresses).split(",") if a.strip()]
        if num_processes is not None and len(addresses) > 1 and len(addresses) != int(num_processes):
            raise ValueError(f"initialize: job_addresses lists {len(addresses)} jobs ({addresses}) but "
                             f"num_processes={num_processes}; list every process's address, or only the "
                             f"coordinator's (process 0).")
        coordinator = addresses[0]
        if ":" not in coordinator:
            raise ValueError(f"initialize: the coordinator address must be 'host:port'; received "
                             f"{coordinator!r} (from job_addresses={job_addresses!r}).")
    world = int(num_processes) if num_processes is not None else int(env.get("WORLD_SIZE", 1))
    rank = int(process_id) if process_id is not None else int(env.get("RANK", 0))
    init_process_group(init_method=f"tcp://{coordinator}" if coordinator else "env://", rank=rank,
                       world_size=world, caller="initialize")


def init_process_group(backend=None, timeout=300, init_method="env://", rank=None, world_size=None,
                       caller="DataParallel"):
    """Starts torch.distributed for this process unless it already runs; returns the backend name.

    A single process without torchrun's variables gets a group of one (an in-memory
    store), so that meshes and DTensors work in one process as they do in many.
    """
    if dist.is_initialized():
        return dist.get_backend()
    backend = backend or ("nccl" if torch.cuda.is_available() else "gloo")
    rank = int(os.environ.get("RANK", 0)) if rank is None else int(rank)
    world_size = int(os.environ.get("WORLD_SIZE", 1)) if world_size is None else int(world_size)
    if not 0 <= rank < world_size:
        raise ValueError(f"{caller}: rank={rank} is outside 0..world_size-1 (world_size={world_size}); "
                         f"each of the world_size processes needs a distinct RANK in that range.")
    timeout = datetime.timedelta(seconds=float(timeout))
    if init_method == "env://" and "MASTER_ADDR" not in os.environ:
        if world_size > 1:
            raise RuntimeError(
                f"{caller}: MASTER_ADDR/MASTER_PORT are not set. Launch with `torchrun "
                f"--nproc_per_node=N script.py`, or set them (and RANK, WORLD_SIZE) yourself, or call "
                f"lamina.distribution.initialize(job_addresses, num_processes, process_id).")
        dist.init_process_group(backend, store=dist.HashStore(), rank=0, world_size=1, timeout=timeout)
    else:
        dist.init_process_group(backend, init_method=init_method, rank=rank, world_size=world_size,
                                timeout=timeout)
    if backend == "nccl":
        # One GPU per process: LOCAL_RANK (torchrun) picks it.
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", rank % torch.cuda.device_count())))
    from lamina.distribution.data_parallel import _register_exit_hook

    _register_exit_hook()
    return backend
