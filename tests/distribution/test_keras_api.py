"""Keras 3's distribution API: meshes, layouts, layout maps, devices (one process, no peers).

Values and messages follow Keras 3.15's `keras/src/distribution/distribution_lib.py`; the torch
side (DeviceMesh, DTensor placements) is checked in a group of one process here and in two
processes in `test_keras_multiprocess.py`.
"""

import inspect
import socket

import numpy as np
import pytest
import torch
import torch.distributed as dist
from torch.distributed.tensor import DTensor, Replicate, Shard

import lamina
from lamina import distribution as dlib
from lamina.distribution import (
    DataParallel,
    DeviceMesh,
    LayoutMap,
    ModelParallel,
    TensorLayout,
    distribute_tensor,
    set_distribution,
)

# Keras 3.15.1's signatures (inspect.signature on keras.distribution.*, JAX backend).
KERAS_SIGNATURES = {
    "DeviceMesh": "(shape, axis_names, devices=None)",
    "TensorLayout": "(axes, device_mesh=None)",
    "LayoutMap": "(device_mesh)",
    "DataParallel": "(device_mesh=None, devices=None, auto_shard_dataset=True)",
    "ModelParallel": "(*, layout_map=None, batch_dim_name=None, auto_shard_dataset=True, **kwargs)",
    "distribute_tensor": "(tensor, layout)",
    "initialize": "(job_addresses=None, num_processes=None, process_id=None)",
    "list_devices": "(device_type=None)",
    "get_device_count": "(device_type=None)",
    "set_distribution": "(value)",
    "distribution": "()",
}


@pytest.fixture(autouse=True)
def _no_group_left(monkeypatch):
    """Each test starts outside torchrun and leaves no process group or distribution behind."""
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT",
                "KERAS_DISTRIBUTION_JOB_ADDRESSES", "KERAS_DISTRIBUTION_NUM_PROCESSES",
                "KERAS_DISTRIBUTION_PROCESS_ID"):
        monkeypatch.delenv(key, raising=False)
    yield
    set_distribution(None)
    if dist.is_initialized():
        dist.destroy_process_group()


def _cpu_mesh(shape=(1,), names=("batch",)):
    return DeviceMesh(shape, list(names), devices=["cpu:0"])


def test_signatures_are_keras():
    for name, expected in KERAS_SIGNATURES.items():
        signature = inspect.signature(getattr(dlib, name))
        keras_part = str(signature)
        if name == "DataParallel":  # the torch extras come after Keras's arguments, keyword-only
            params = [p for p in signature.parameters.values() if p.kind != p.KEYWORD_ONLY]
            keras_part = str(signature.replace(parameters=params))
            assert [p.name for p in signature.parameters.values() if p.kind == p.KEYWORD_ONLY] == [
                "backend", "timeout", "init_method", "rank", "world_size"]
        assert keras_part == expected, name


def test_list_devices_and_count_in_one_process():
    assert dlib.list_devices("cpu") == ["cpu:0"]
    assert dlib.get_device_count("cpu") == 1
    assert dlib.list_devices("gpu") == [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    default = "cuda" if torch.cuda.is_available() else "cpu"
    assert all(d.startswith(default + ":") for d in dlib.list_devices())
    with pytest.raises(ValueError,
                       match="device_type must be one of 'cpu', 'gpu' or 'cuda'.*received device_type='tpu'"):
        dlib.list_devices("tpu")


def test_list_devices_under_torchrun_lists_every_process(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "4")
    assert dlib.list_devices("cpu") == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"]
    assert dlib.get_device_count("cpu") == 4


def test_device_mesh():
    mesh = DeviceMesh((2, 2), ["batch", "model"], devices=["cpu:0", "cpu:1", "cpu:2", "cpu:3"])
    assert mesh.shape == (2, 2) and mesh.axis_names == ["batch", "model"]
    assert mesh.devices.tolist() == [["cpu:0", "cpu:1"], ["cpu:2", "cpu:3"]]
    assert mesh.ranks().tolist() == [[0, 1], [2, 3]]
    assert mesh.device_type() == "cpu"
    assert repr(mesh) == "<DeviceMesh shape=(2, 2), axis_names=['batch', 'model']>"
    assert DeviceMesh((1,), ["batch"], devices=["gpu:0"]).device_type() == "cuda"  # Keras's "gpu" is torch's cuda


def test_device_mesh_errors():
    with pytest.raises(ValueError, match="Shape does not match the number of devices.*shape=\\(4,\\).*1 devices"):
        DeviceMesh((4,), ["batch"], devices=["cpu:0"])
    with pytest.raises(ValueError, match="Shape does not match the number of devices.*torchrun --nproc_per_node"):
        DeviceMesh((2, 2), ["batch", "model"], devices=["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match="should have same size.*shape=\\(2,\\), axis_names=\\['a', 'b'\\]"):
        DeviceMesh((2,), ["a", "b"], devices=["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match="cannot be empty"):
        DeviceMesh((), [])
    with pytest.raises(ValueError, match="axis_names must be distinct"):
        DeviceMesh((1, 1), ["a", "a"], devices=["cpu:0"])
    with pytest.raises(ValueError, match="cannot read device 'tpu:0'.*'cpu:0', 'gpu:1' or 'cuda:1'"):
        DeviceMesh((1,), ["batch"], devices=["tpu:0"]).ranks()


def test_tensor_layout_and_placements():
    mesh = DeviceMesh((1, 2), ["batch", "model"], devices=["cpu:0", "cpu:1"])
    layout = TensorLayout((None, "model"), mesh)
    assert layout.axes == (None, "model") and layout.device_mesh is mesh
    assert layout.placements(2) == [Replicate(), Shard(1)]
    # A Dense kernel is stored (units, input_dim) in torch layout: Keras's dimension 1 is torch's 0.
    assert layout.placements(2, perm=(1, 0)) == [Replicate(), Shard(0)]
    assert TensorLayout(("batch", None, "model"), mesh).placements(3) == [Shard(0), Shard(2)]
    assert "axes=(None, 'model')" in repr(layout)


def test_tensor_layout_errors():
    mesh = DeviceMesh((1, 2), ["batch", "model"], devices=["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match="Invalid axis names for Layout.*\\['batch', 'model'\\].*\\['data'\\]"):
        TensorLayout(("data", None), mesh)
    layout = TensorLayout(("data", None))  # no mesh yet: checked when one is given
    with pytest.raises(ValueError, match="Invalid axis names for Layout"):
        layout.device_mesh = mesh
    with pytest.raises(ValueError, match="Cannot override device mesh value"):
        TensorLayout((None,), mesh).device_mesh = mesh
    with pytest.raises(ValueError, match="layout axes=\\(None, 'model'\\) has rank 2 but the kernel has rank 3"):
        TensorLayout((None, "model"), mesh).placements(3, what="the kernel")
    with pytest.raises(ValueError, match="at most one tensor dimension"):
        TensorLayout(("model", "model"), mesh)
    with pytest.raises(ValueError, match="has no device_mesh"):
        TensorLayout((None,)).placements(1)


def test_layout_map_matching():
    """Keras's docstring example: exact keys first, then every key as a regex over the whole path."""
    mesh = _cpu_mesh((1, 1), ("batch", "model"))
    layout_map = LayoutMap(mesh)
    layout_map[".*dense.*kernel"] = (None, "model")
    layout_map[".*dense.*bias"] = ("model",)
    layout_map[".*conv2d.*kernel"] = (None, None, None, "model")
    layout_map[".*conv2d.*bias"] = ("model",)
    assert layout_map["dense_1.kernel"].axes == (None, "model")
    assert layout_map["dense_1.bias"].axes == ("model",)
    assert layout_map["my_model/conv2d_123/kernel"].axes == (None, None, None, "model")
    assert layout_map["my_model/conv3d_1/kernel"] is None
    assert layout_map["my_model/conv3d_1/bias"] is None
    assert layout_map["dense_1.kernel"].device_mesh is mesh  # tuples become layouts on the map's mesh
    assert len(layout_map) == 4 and list(layout_map)[0] == ".*dense.*kernel"
    # fullmatch, not search: "dense" alone matches no path that has more around it.
    strict = LayoutMap(mesh)
    strict["dense/kernel"] = (None, "model")
    assert strict["dense/kernel"] is not None and strict["model/dense/kernel"] is None
    del strict["dense/kernel"]
    assert len(strict) == 0


def test_layout_map_errors():
    layout_map = LayoutMap(_cpu_mesh((1, 1), ("batch", "model")))
    layout_map[".*kernel"] = (None, "model")
    layout_map["dense.*"] = ("model", None)
    with pytest.raises(ValueError, match="Path 'dense/kernel' matches multiple layout specification keys"):
        layout_map["dense/kernel"]
    with pytest.raises(ValueError, match="already exist in the LayoutMap"):
        layout_map[".*kernel"] = (None, None)
    with pytest.raises(ValueError, match="model should be a TensorLayout type, got <class .str.>"):
        layout_map["bias"] = "model"
    with pytest.raises(ValueError, match="Invalid axis names for Layout"):
        layout_map["other"] = ("data",)


def test_distribute_tensor_in_one_process():
    mesh = _cpu_mesh((1, 1), ("batch", "model"))
    value = torch.arange(6.0).reshape(2, 3)
    out = distribute_tensor(value, TensorLayout((None, "model"), mesh))
    assert isinstance(out, DTensor) and out.placements == (Replicate(), Shard(1))
    np.testing.assert_array_equal(out.full_tensor().numpy(), value.numpy())
    again = distribute_tensor(out, TensorLayout(("batch", None), mesh))  # a DTensor is redistributed
    assert again.placements == (Shard(0), Replicate())
    symbolic = lamina.Input((3,))
    assert distribute_tensor(symbolic, TensorLayout((None, None), mesh)) is symbolic
    with pytest.raises(ValueError, match="has rank 1 but the tensor of shape \\(2, 3\\) has rank 2"):
        distribute_tensor(value, TensorLayout(("model",), mesh))
    with pytest.raises(TypeError, match="layout must be a lamina.distribution.TensorLayout"):
        distribute_tensor(value, ("model", None))


def test_data_parallel_keras_construction_in_one_process():
    strategy = DataParallel()  # one process, no torchrun: a process group of one
    assert strategy.device_mesh.axis_names == ["batch"] and strategy.batch_dim_name == "batch"
    assert strategy.num_model_replicas == 1 and strategy.num_processes == 1 and strategy.data_shard_id == 0
    assert strategy.get_data_layout((8, 3)).axes == ("batch", None)
    variable = lamina.Variable(np.zeros((2, 3), "float32"))
    assert strategy.get_variable_layout(variable).axes == (None, None)
    assert strategy.get_tensor_layout("dense/kernel") is None
    meshed = DataParallel(DeviceMesh((1,), ["data"], devices=dlib.list_devices()), auto_shard_dataset=False)
    assert meshed.batch_dim_name == "data" and meshed.auto_shard_dataset is False
    with pytest.raises(ValueError, match="Expect `mesh` to be an instance of `DeviceMesh`"):
        DataParallel("gloo")
    with pytest.raises(ValueError,
                       match="must be the 1 device\\(s\\) of this run's 1 process.*torchrun --nproc_per_node=2"):
        DataParallel(devices=["cpu:0", "cpu:1"])


def test_scope_sets_and_restores():
    outer = DataParallel()
    set_distribution(outer)
    inner = DataParallel(auto_shard_dataset=False)
    with inner.scope():
        assert dlib.distribution() is inner
    assert dlib.distribution() is outer
    set_distribution(None)
    assert dlib.distribution() is None


def test_model_parallel_errors():
    mesh = _cpu_mesh((1, 1), ("batch", "model"))
    with pytest.raises(ValueError, match="You must specify a layout_map argument"):
        ModelParallel()
    with pytest.raises(ValueError, match="`layout_map` must be a `LayoutMap` instance.*dict"):
        ModelParallel(layout_map={})
    with pytest.raises(ValueError, match="batch_dim_name='data' is not an axis of the mesh"):
        ModelParallel(layout_map=LayoutMap(mesh), batch_dim_name="data")
    with pytest.raises(TypeError, match="positional"):
        ModelParallel(LayoutMap(mesh))  # keyword-only, as in Keras
    two = DeviceMesh((1, 2), ["batch", "model"], devices=["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match="the mesh has 2 device\\(s\\) but this run has 1 process"):
        ModelParallel(layout_map=LayoutMap(two))


def test_model_parallel_in_one_process_matches_plain_model():
    """Variables made in the scope become DTensors laid out per the map; outputs are unchanged."""
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")

    def build():
        lamina.utils.set_random_seed(3)
        inputs = lamina.Input((4,))
        return lamina.Model(inputs, lamina.layers.Dense(3, name="dense")(lamina.layers.Dense(6, name="hidden")(inputs)))

    plain = build()
    layout_map = LayoutMap(_cpu_mesh((1, 1), ("batch", "model")))
    layout_map["dense/kernel"] = (None, "model")
    strategy = ModelParallel(layout_map=layout_map)
    assert strategy.num_model_replicas == 1 and strategy.batch_dim_name == "batch"
    lamina.clear_session(free_memory=False)
    with strategy.scope():
        model = build()
    kernel = model.get_layer("dense").kernel
    assert isinstance(kernel, DTensor) and kernel.placements == (Replicate(), Shard(0))  # torch layout (3, 6)
    assert strategy.get_variable_layout(kernel).axes == (None, "model")
    assert strategy.get_variable_layout(model.get_layer("dense").bias).axes == (None,)  # unmatched: replicated
    out = model(torch.from_numpy(x))
    assert type(out) is torch.Tensor  # plain tensors between layers
    np.testing.assert_allclose(out.detach().numpy(), plain(torch.from_numpy(x)).detach().numpy(), rtol=1e-6)
    for got, want in zip(model.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(got, want)
    model.set_weights(plain.get_weights())  # DTensor variables take NumPy arrays too
    assert isinstance(model.get_layer("dense").kernel, DTensor)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_initialize_reads_keras_environment(monkeypatch):
    monkeypatch.setenv("KERAS_DISTRIBUTION_JOB_ADDRESSES", f"127.0.0.1:{_free_port()}")
    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "1")
    monkeypatch.setenv("KERAS_DISTRIBUTION_PROCESS_ID", "0")
    dlib.initialize()
    assert dist.is_initialized() and dist.get_world_size() == 1 and dist.get_rank() == 0
    assert dlib.list_devices() == [("cuda" if dist.get_backend() == "nccl" else "cpu") + ":0"]
    dlib.initialize()  # already running: nothing to do


def test_initialize_errors():
    with pytest.raises(ValueError, match="job_addresses lists 2 jobs.*num_processes=3"):
        dlib.initialize("10.0.0.1:1234,10.0.0.2:2345", num_processes=3, process_id=0)
    with pytest.raises(ValueError, match="coordinator address must be 'host:port'"):
        dlib.initialize("10.0.0.1", num_processes=1, process_id=0)
    with pytest.raises(ValueError, match="rank=2 is outside 0..world_size-1"):
        dlib.initialize(f"127.0.0.1:{_free_port()}", num_processes=2, process_id=2)
    assert not dist.is_initialized()


def test_fit_under_data_parallel_refuses_model_parallel_variables():
    layout_map = LayoutMap(_cpu_mesh((1, 1), ("batch", "model")))
    layout_map["dense/kernel"] = (None, "model")
    with ModelParallel(layout_map=layout_map).scope():
        model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2, name="dense")])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 3), "float32"), np.ones((4, 2), "float32")
    with DataParallel().scope():
        with pytest.raises(ValueError, match="laid out by a ModelParallel.*Run fit under that ModelParallel"):
            model.fit(x, y, verbose=0)
    model.fit(x, y, verbose=0)  # no distribution (one process): the layer still computes on its DTensors


def test_model_parallel_subclassed_model_and_late_layout():
    """A subclassed model builds its layers on the first call (weights laid out as made, then used at
    once); a model built outside the scope is laid out when fit starts under the distribution."""
    layout_map = LayoutMap(_cpu_mesh((1, 1), ("batch", "model")))
    layout_map[".*dense.*kernel"] = (None, "model")
    strategy = ModelParallel(layout_map=layout_map)

    class Net(lamina.Model):
        def __init__(self):
            super().__init__()
            self.conv = lamina.layers.Conv2D(4, 3)
            self.flat = lamina.layers.Flatten()
            self.head = lamina.layers.Dense(2)

        def call(self, x):
            return self.head(self.flat(self.conv(x)))

    x = np.random.default_rng(0).normal(size=(2, 5, 5, 3)).astype("float32")
    with strategy.scope():
        net = Net()
        out = net(x)
    assert type(out) is torch.Tensor and tuple(out.shape) == (2, 2)
    assert net.conv.kernel.placements == (Replicate(), Replicate())  # not in the map: replicated
    assert net.head.kernel.placements == (Replicate(), Shard(0))  # Keras's units axis is torch's dimension 0
    lamina.clear_session(free_memory=False)
    late = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2)])  # made outside the scope
    late.compile(optimizer="sgd", loss="mse")
    assert not isinstance(late.layers[0].kernel, DTensor)
    with strategy.scope():
        late.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    assert isinstance(late.layers[0].kernel, DTensor) and int(late.optimizer.iterations) == 1


def test_distribute_dataset_gives_each_process_its_part():
    data = torch.utils.data.TensorDataset(torch.arange(10))
    strategy = DataParallel()
    assert strategy.distribute_dataset(data) is data  # one process: nothing to split
    strategy._is_multi_process, strategy._num_processes, strategy._process_id = True, 2, 1
    strategy._device_mesh = DeviceMesh((2,), ["batch"], devices=["cpu:0", "cpu:1"])
    part = strategy.distribute_dataset(data)
    assert [int(part[i][0]) for i in range(len(part))] == [1, 3, 5, 7, 9]
    with pytest.raises(ValueError, match="dataset type list is not supported for auto-sharding"):
        strategy.distribute_dataset([1, 2])
    strategy.auto_shard_dataset = False
    assert strategy.distribute_dataset(data) is data


def test_model_parallel_keeps_masks():
    layout_map = LayoutMap(_cpu_mesh((1, 1), ("batch", "model")))
    layout_map[".*embeddings"] = (None, "model")
    with ModelParallel(layout_map=layout_map).scope():
        embedding = lamina.layers.Embedding(10, 4, mask_zero=True)
        embedding.build((None, 3))
    out = embedding(torch.tensor([[1, 2, 0], [0, 3, 4]]))
    assert isinstance(embedding.embeddings, DTensor) and type(out) is torch.Tensor
    assert type(out._keras_mask) is torch.Tensor
    assert out._keras_mask.tolist() == [[True, True, False], [False, True, True]]


def test_data_parallel_shard_id_is_the_place_in_the_mesh():
    strategy = DataParallel()
    strategy._process_id = 2  # as rank 2 of 4 would see it, with a 2-D mesh: every device is a replica
    strategy._device_mesh = DeviceMesh((2, 2), ["batch", "model"], devices=["cpu:1", "cpu:0", "cpu:3", "cpu:2"])
    assert strategy.num_model_replicas == 4 and strategy.data_shard_id == 3


def test_variable_layout_of_the_wrong_rank_names_the_variable():
    layout_map = LayoutMap(_cpu_mesh((1, 1), ("batch", "model")))
    layout_map["dense/kernel"] = ("model",)
    with ModelParallel(layout_map=layout_map).scope():
        layer = lamina.layers.Dense(2, name="dense")
        with pytest.raises(ValueError, match="axes=\\('model',\\) has rank 1 but variable 'dense/kernel' of shape "
                                             "\\(3, 2\\) has rank 2; give one entry"):
            layer.build((None, 3))


def test_split_convolution_kernel_is_refused():
    layout_map = LayoutMap(_cpu_mesh((1, 1), ("batch", "model")))
    layout_map["conv2d/kernel"] = (None, None, None, "model")
    with ModelParallel(layout_map=layout_map).scope():
        conv = lamina.layers.Conv2D(4, 3, name="conv2d")
        with pytest.raises(ValueError, match="variable 'conv2d/kernel' of Conv2D layer 'conv2d' has the split layout.*"
                                             "Leave convolution variables out of the LayoutMap"):
            conv.build((None, 5, 5, 3))
