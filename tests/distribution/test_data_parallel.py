"""Two CPU processes (gloo, localhost) train exactly like one process on the same global batch.

DataParallel runs through torch's DistributedDataParallel; FullyShardedDataParallel through FSDP2.
"""

import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

import lamina
from lamina.distribution import DataParallel, set_distribution

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "_dp_worker.py")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(out, world_size, mode="dp"):
    port = str(_free_port())
    procs = []
    for rank in range(world_size):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd(), HERE]))
        for key in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "LOCAL_RANK"):
            env.pop(key, None)
        if world_size > 1:
            env.update(RANK=str(rank), WORLD_SIZE=str(world_size), MASTER_ADDR="127.0.0.1",
                       MASTER_PORT=port, LOCAL_RANK=str(rank))
        procs.append(subprocess.Popen([sys.executable, WORKER, str(out), mode], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    return procs


def _run(out, world_size, mode="dp"):
    for proc in _start(out, world_size, mode):
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-3000:]
    return np.load(out)


def _assert_same_training(single, double):
    assert int(single["world"]) == 1 and int(double["world"]) == 2
    weights = [k for k in single.files if k.startswith("arr_")]
    assert weights
    for key in weights:
        np.testing.assert_allclose(double[key], single[key], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(double["loss"], single["loss"], rtol=1e-5)


def test_two_processes_match_single_process(tmp_path):
    single = _run(tmp_path / "single.npz", 1)
    double = _run(tmp_path / "double.npz", 2)
    _assert_same_training(single, double)
    # The training forward ran through torch's DDP (gradients all-reduced by its hooks in backward).
    assert str(double["wrapper"]) == "DistributedDataParallel"
    assert str(single["wrapper"]) != "DistributedDataParallel"


def test_fully_sharded_two_processes_match_single_process(tmp_path):
    single = _run(tmp_path / "single.npz", 1, "fsdp")
    double = _run(tmp_path / "double.npz", 2, "fsdp")
    _assert_same_training(single, double)


def test_dead_rank_ends_survivor_with_clear_error(tmp_path):
    survivor, dying = _start(tmp_path / "dead.npz", 2, "die")
    dying.communicate(timeout=120)  # starting two processes takes a while on a loaded machine
    died = time.monotonic()
    _, err = survivor.communicate(timeout=60)
    assert dying.returncode == 3
    assert survivor.returncode != 0
    assert "DataParallel: rank 0 of 2 lost contact with the other processes" in err, err[-3000:]
    # Measured from the death, not the start: the survivor ends within its timeout=15s, plus margin.
    assert time.monotonic() - died < 40


def test_shard_layout_and_errors():
    strategy = DataParallel.__new__(DataParallel)  # no process group needed to test the layout
    strategy.world_size, strategy.rank = 2, 1
    (part,), local = strategy.shard_arrays([np.arange(10)], batch_size=4)
    assert local == 2 and part.tolist() == [2, 3, 6, 7, 9]
    with pytest.raises(ValueError, match="batch_size=5 must be divisible by the number of processes"):
        strategy.shard_arrays([np.arange(10)], batch_size=5)


def test_set_distribution_type_error():
    with pytest.raises(TypeError, match="expects a lamina.distribution.Distribution \\(DataParallel, ModelParallel"):
        set_distribution("ddp")


def test_missing_master_addr_explains_torchrun(monkeypatch):
    monkeypatch.delenv("MASTER_ADDR", raising=False)
    with pytest.raises(RuntimeError, match="torchrun --nproc_per_node"):
        DataParallel(rank=0, world_size=2)
    assert lamina.distribution.distribution() is None


def test_world_size_without_rank_is_explained(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.delenv("RANK", raising=False)
    with pytest.raises(RuntimeError, match="WORLD_SIZE=2 is set but RANK is not"):
        lamina.distribution.distribution()


def test_rank_outside_world_is_explained(monkeypatch):
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    with pytest.raises(ValueError, match="rank=2 is outside 0..world_size-1"):
        DataParallel(rank=2, world_size=2)


def test_explain_failure_only_for_lost_peers():
    strategy = DataParallel.__new__(DataParallel)
    strategy.world_size, strategy.rank, strategy.timeout = 2, 0, 15.0
    clear = strategy.explain_failure(RuntimeError("[gloo] Connection closed by peer [127.0.0.1]:1234"))
    assert "lost contact" in str(clear) and "timeout=15s" in str(clear)
    assert strategy.explain_failure(ValueError("shapes (3,) and (4,) differ")) is None


def test_exit_hook_shuts_the_process_group_down(monkeypatch):
    """The atexit hook (what lets a torchrun script end without destroy_process_group and without a
    SIGABRT in interpreter finalization) destroys the group once, then does nothing."""
    import torch.distributed as dist

    from lamina.distribution import data_parallel

    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(_free_port()))
    strategy = DataParallel(backend="gloo", rank=0, world_size=1)
    try:
        assert dist.is_initialized() and data_parallel._EXIT_HOOK
        model = lamina.Sequential([lamina.Input(shape=(3,)), lamina.layers.Dense(2)])
        model.__dict__["_train_module"] = strategy.wrap_model(model)
        data_parallel._destroy_process_groups_at_exit()
        assert not dist.is_initialized()
        assert model.__dict__["_train_module"] is model  # the DDP wrapper (and its reducer) let go first
        data_parallel._destroy_process_groups_at_exit()  # already down: a no-op
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
