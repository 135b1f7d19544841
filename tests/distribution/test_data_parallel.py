"""Two CPU processes (gloo, localhost) train exactly like one process on the same global batch."""

import os
import socket
import subprocess
import sys

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


def _run(out, world_size):
    port = str(_free_port())
    procs = []
    for rank in range(world_size):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd(), HERE]))
        for key in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
            env.pop(key, None)
        if world_size > 1:
            env.update(RANK=str(rank), WORLD_SIZE=str(world_size), MASTER_ADDR="127.0.0.1",
                       MASTER_PORT=port, LOCAL_RANK=str(rank))
        procs.append(subprocess.Popen([sys.executable, WORKER, str(out)], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-3000:]
    return np.load(out)


def test_two_processes_match_single_process(tmp_path):
    single = _run(tmp_path / "single.npz", 1)
    double = _run(tmp_path / "double.npz", 2)
    assert int(single["world"]) == 1 and int(double["world"]) == 2
    weights = [k for k in single.files if k.startswith("arr_")]
    assert weights
    for key in weights:
        np.testing.assert_allclose(double[key], single[key], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(double["loss"], single["loss"], rtol=1e-5)


def test_shard_layout_and_errors():
    strategy = DataParallel.__new__(DataParallel)  # no process group needed to test the layout
    strategy.world_size, strategy.rank = 2, 1
    (part,), local = strategy.shard_arrays([np.arange(10)], batch_size=4)
    assert local == 2 and part.tolist() == [2, 3, 6, 7, 9]
    with pytest.raises(ValueError, match="batch_size=5 must be divisible by the number of processes"):
        strategy.shard_arrays([np.arange(10)], batch_size=5)


def test_set_distribution_type_error():
    with pytest.raises(TypeError, match="expects a lamina.distribution.DataParallel"):
        set_distribution("ddp")


def test_missing_master_addr_explains_torchrun(monkeypatch):
    monkeypatch.delenv("MASTER_ADDR", raising=False)
    with pytest.raises(RuntimeError, match="torchrun --nproc_per_node"):
        DataParallel(rank=0, world_size=2)
    assert lamina.distribution.distribution() is None
