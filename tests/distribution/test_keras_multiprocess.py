"""Keras-style distributions over two CPU processes (gloo) train exactly like one process.

Each case runs `_mp_worker.py` in two processes and compares, with the plain single-process run
on the same global batch: predictions before training, then loss and weights after one SGD step.
"""

import os
import socket
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "_mp_worker.py")
ROOT = os.path.dirname(os.path.dirname(HERE))


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(out, modes, world_size):
    port = str(_free_port())
    procs = []
    for rank in range(world_size):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, HERE]), OMP_NUM_THREADS="1")
        for key in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "LOCAL_RANK"):
            env.pop(key, None)
        if world_size > 1:
            env.update(RANK=str(rank), WORLD_SIZE=str(world_size), MASTER_ADDR="127.0.0.1",
                       MASTER_PORT=port, LOCAL_RANK=str(rank))
        procs.append(subprocess.Popen([sys.executable, WORKER, str(out), modes], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-3000:]
    return {mode: np.load(f"{out}.{mode}.npz") for mode in modes.split(",")}


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("single") / "run", "single,single_zoo", 1)


@pytest.fixture(scope="module")
def double(tmp_path_factory):
    """The two-process cases, run one after the other in the same two processes (one start-up)."""
    return _run(tmp_path_factory.mktemp("double") / "run", "model,batch,data,zoo", 2)


def _assert_same(single, double, count=4):
    np.testing.assert_allclose(double["predictions"], single["predictions"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(double["loss"], single["loss"], rtol=1e-5)
    weights = [k for k in single.files if k.startswith("arr_")]
    assert len(weights) == count
    for key in weights:
        np.testing.assert_allclose(double[key], single[key], rtol=1e-5, atol=1e-6)


def test_model_parallel_splits_dense_kernel_over_two_processes(single, double):
    single, double = single["single"], double["model"]
    _assert_same(single, double)
    # Keras's (None, "model") on the (6, 8) kernel: each process holds 4 of the 8 units (torch layout (8, 6)).
    assert double["local_shape"].tolist() == [4, 6] and single["local_shape"].tolist() == [8, 6]
    assert str(double["placements"]) == "(Replicate(), Shard(dim=0))"
    # model.save gathered the shards: the file reloads in one process with the trained weights and step.
    assert bool(double["loaded_weights_equal"]) and int(double["loaded_trained_steps"]) == 1


def test_model_parallel_batch_axis_splits_the_batch(single, double):
    _assert_same(single["single"], double["batch"])


def test_keras_data_parallel_fit_matches_single_process(single, double):
    _assert_same(single["single"], double["data"])


def test_model_parallel_conv_norm_lstm_model_matches_single_process(single, double):
    """Dense kernels split by input and by output units, LSTM gates split, Conv2D and
    LayerNormalization replicated, a residual add between: same predictions and step."""
    _assert_same(single["single_zoo"], double["zoo"], count=13)
