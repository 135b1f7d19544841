"""lamina.random: shapes, dtypes, moments, seeding rules, SeedGenerator as layer state, errors."""

import io
import math

import numpy as np
import pytest
import torch

import lamina
from lamina import random as R

N = 20000  # moments below are checked to ~5 standard errors of the estimate at this size

# (name, call with seed, expected mean, expected variance, default dtype)
DISTRIBUTIONS = [
    ("normal", lambda s: R.normal((N,), mean=1.0, stddev=2.0, seed=s), 1.0, 4.0, torch.float32),
    ("uniform", lambda s: R.uniform((N,), minval=-1.0, maxval=3.0, seed=s), 1.0, 16 / 12, torch.float32),
    ("truncated_normal", lambda s: R.truncated_normal((N,), mean=0.0, stddev=1.0, seed=s), 0.0, 0.7737413, torch.float32),
    ("randint", lambda s: R.randint((N,), 0, 10, seed=s), 4.5, 99 / 12, torch.int32),
    ("gamma_big", lambda s: R.gamma((N,), alpha=3.0, seed=s), 3.0, 3.0, torch.float32),
    ("gamma_small", lambda s: R.gamma((N,), alpha=0.4, seed=s), 0.4, 0.4, torch.float32),
    ("beta", lambda s: R.beta((N,), alpha=2.0, beta=5.0, seed=s), 2 / 7, 10 / (49 * 8), torch.float32),
    ("binomial", lambda s: R.binomial((N,), counts=10, probabilities=0.3, seed=s), 3.0, 2.1, torch.float32),
]


@pytest.mark.parametrize("name,draw,mean,variance,dtype", DISTRIBUTIONS, ids=[d[0] for d in DISTRIBUTIONS])
def test_moments_shape_dtype(name, draw, mean, variance, dtype):
    x = draw(123)
    assert x.shape == (N,) and x.dtype == dtype
    x = x.double()
    tolerance = 5 * math.sqrt(variance / N)
    assert abs(x.mean().item() - mean) < tolerance, name
    assert abs(x.var().item() - variance) < 0.06 * variance, name


@pytest.mark.parametrize("name,draw,mean,variance,dtype", DISTRIBUTIONS, ids=[d[0] for d in DISTRIBUTIONS])
def test_int_seed_repeats_and_seed_generator_advances(name, draw, mean, variance, dtype):
    assert torch.equal(draw(7), draw(7))
    assert not torch.equal(draw(7), draw(8))
    generator = R.SeedGenerator(7)
    first, second = draw(generator), draw(generator)
    assert not torch.equal(first, second)
    # an int seed draws what a fresh SeedGenerator with that seed draws first (as Keras)
    assert torch.equal(first, draw(7))
    again = R.SeedGenerator(7)
    assert torch.equal(draw(again), first) and torch.equal(draw(again), second)


def test_bounds_and_truncation():
    u = R.uniform((N,), minval=2.0, maxval=5.0, seed=0)
    assert u.min() >= 2.0 and u.max() < 5.0
    t = R.truncated_normal((N,), mean=1.0, stddev=0.5, seed=0)
    assert t.min() >= 0.0 and t.max() <= 2.0
    r = R.randint((N,), -3, 4, seed=0, dtype="int64")
    assert r.dtype == torch.int64 and r.min() == -3 and r.max() == 3
    b = R.beta((1000,), 0.5, 0.5, seed=0)
    assert b.min() >= 0 and b.max() <= 1


@pytest.mark.parametrize("fn", [R.normal, R.uniform, R.truncated_normal])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_float_dtypes(fn, dtype):
    x = fn((4, 5), dtype=dtype, seed=1)
    assert x.dtype == lamina.backend.to_torch_dtype(dtype) and x.shape == (4, 5)


def test_floatx_default():
    lamina.backend.set_floatx("float64")
    try:
        assert R.normal((2,)).dtype == torch.float64
        assert R.gamma((2,), 1.0).dtype == torch.float64
    finally:
        lamina.backend.set_floatx("float32")


def test_tensor_parameters_broadcast():
    mean = torch.tensor([0.0, 100.0])
    x = R.normal((N, 2), mean=mean, stddev=0.1, seed=0)
    assert torch.allclose(x.mean(0), mean, atol=0.01)
    g = R.gamma((N, 2), alpha=np.array([1.0, 5.0]), seed=0)
    assert torch.allclose(g.mean(0), torch.tensor([1.0, 5.0]), atol=0.15)


def test_categorical():
    logits = torch.log(torch.tensor([[0.2, 0.8], [1.0, 0.0]]) + 1e-12)
    s = R.categorical(logits, 5000, seed=0)
    assert s.shape == (2, 5000) and s.dtype == torch.int32
    assert abs(s[0].float().mean().item() - 0.8) < 0.03
    assert (s[1] == 0).all()
    assert torch.equal(R.categorical(logits, 10, seed=3), R.categorical(logits, 10, seed=3))
    assert R.categorical(np.zeros((3, 4)), 2, dtype="int64").dtype == torch.int64


def test_dropout():
    x = torch.ones(200, 100)
    y = R.dropout(x, 0.3, seed=1)
    assert torch.isclose(y[y != 0], torch.tensor(1 / 0.7)).all()
    assert abs((y == 0).float().mean().item() - 0.3) < 0.02
    assert torch.equal(y, R.dropout(x, 0.3, seed=1))
    shared = R.dropout(x, 0.5, noise_shape=(None, 1))  # the same mask for every column
    assert ((shared == 0).all(1) | (shared != 0).all(1)).all()
    assert torch.equal(R.dropout(x, 0.0), x) and (R.dropout(x, 1.0) == 0).all()
    unseeded = R.dropout(x, 0.5)
    assert abs((unseeded == 0).float().mean().item() - 0.5) < 0.02


def test_shuffle():
    x = torch.arange(24).reshape(4, 6)
    y = R.shuffle(x, axis=1, seed=0)
    assert torch.equal(y.sort(1).values, x)
    assert torch.equal(y[:, 0] - y[:, 0][0], x[:, 0] - x[0, 0])  # columns move whole
    assert torch.equal(y, R.shuffle(x, axis=-1, seed=0))
    assert torch.equal(R.shuffle(np.arange(5), seed=2).sort().values, torch.arange(5))


def test_seed_none_follows_set_random_seed():
    lamina.utils.set_random_seed(5)
    a = [R.normal((3,)), R.uniform((3,)), R.gamma((3,), 2.0), R.dropout(torch.ones(8), 0.5), R.SeedGenerator().state]
    lamina.utils.set_random_seed(5)
    b = [R.normal((3,)), R.uniform((3,)), R.gamma((3,), 2.0), R.dropout(torch.ones(8), 0.5), R.SeedGenerator().state]
    for u, v in zip(a, b):
        assert torch.equal(u, v)


class _Noisy(lamina.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = R.SeedGenerator(11)

    def call(self, x):
        return x + R.normal(tuple(x.shape), seed=self.seed_generator)


def test_seed_generator_is_layer_state():
    layer = _Noisy()
    assert list(layer.state_dict()) == ["seed_generator_state"]
    assert layer.state_dict()["seed_generator_state"].tolist() == [11, 0]
    x = torch.zeros(2, 3)
    first = layer(x)
    saved = {k: v.clone() for k, v in layer.state_dict().items()}
    assert saved["seed_generator_state"].tolist() == [11, 1]
    second = layer(x)
    assert not torch.equal(first, second)
    layer.load_state_dict(saved)  # restoring the state replays the same draw
    assert torch.equal(layer(x), second)
    buffer = io.BytesIO()
    torch.save(layer.state_dict(), buffer)
    assert layer.seed_generator.get_config() == {"seed": 11, "name": "seed_generator"}


def test_seed_generator_in_functional_model_and_keras_file(tmp_path):
    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, _Noisy(name="noisy")(inputs))
    # building (shape inference on fake tensors) does not advance the state
    assert model.state_dict()["noisy.seed_generator_state"].tolist() == [11, 0]
    model(torch.zeros(1, 3))
    assert model.state_dict()["noisy.seed_generator_state"].tolist() == [11, 1]
    path = tmp_path / "m.keras"
    model.save(path)
    import h5py, zipfile

    with zipfile.ZipFile(path) as archive, h5py.File(io.BytesIO(archive.read("model.weights.h5"))) as f:
        layer_groups = list(f["layers"])
        assert len(layer_groups) == 2  # the input layer and the noise layer
        assert all(len(f[f"layers/{g}/vars"]) == 0 for g in layer_groups)  # as Keras: no seed state


def test_seed_generator_follows_layer_device():
    layer = _Noisy()
    layer.to(torch.float64)  # buffers keep int64; `.to(device)` would move it
    assert layer.seed_generator.state.dtype == torch.int64
    assert layer.seed_generator.device == layer.state_dict()["seed_generator_state"].device


def test_seed_generator_pickles():
    import copy
    import pickle

    layer = _Noisy()
    layer(torch.zeros(1))
    clone = pickle.loads(pickle.dumps(layer))
    assert clone.seed_generator.state.tolist() == [11, 1]
    assert torch.equal(clone(torch.zeros(3)), copy.deepcopy(layer)(torch.zeros(3)))


ERRORS = [
    (lambda: R.uniform((2,), dtype="int32"), ValueError, "requires a floating point `dtype`"),
    (lambda: R.randint((2,), 0, 5, dtype="float32"), ValueError, "requires an integer `dtype`"),
    (lambda: R.randint((2,), 5, 5), ValueError, "`maxval` must be greater than `minval`"),
    (lambda: R.normal((None, 3)), ValueError, r"normal: `shape` must be fully known.*None"),
    (lambda: R.normal((2, -1)), ValueError, "non-negative int"),
    (lambda: R.normal("2"), TypeError, "`shape` must be a tuple of ints"),
    (lambda: R.normal((2,), seed="a"), ValueError, r"normal: argument `seed` must be None, an int"),
    (lambda: R.SeedGenerator(1.5), ValueError, "`seed` must be an integer"),
    (lambda: R.SeedGenerator(1, foo=2), ValueError, "unrecognized keyword arguments"),
    (lambda: R.categorical(torch.zeros(3), 2), ValueError, "`logits` should be a 2-D tensor"),
    (lambda: R.gamma((3,), alpha=0.0), ValueError, r"gamma: `alpha` must be > 0"),
    (lambda: R.gamma((3,), alpha=torch.ones(2)), ValueError, "cannot be broadcast"),
    (lambda: R.binomial((3,), 5, 1.5), ValueError, r"`probabilities` must lie in \[0, 1\]"),
    (lambda: R.dropout(torch.ones(3), 1.5), ValueError, r"`rate` must be a float in \[0, 1\]"),
    (lambda: R.dropout(torch.ones(3, 2), 0.5, noise_shape=(3,)), ValueError, "must have the rank"),
    (lambda: R.dropout(torch.ones(3, 2), 0.5, noise_shape=(2, 2)), ValueError, "does not broadcast"),
    (lambda: R.shuffle(torch.ones(3), axis=1), ValueError, r"`axis` must be an int in \[-1, 1\)"),
    (lambda: R.dropout(lamina.Input((3,)), 0.5), TypeError, "symbolic KerasTensor"),
]


@pytest.mark.parametrize("call,error,message", ERRORS)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
def test_draws_land_on_the_device_and_repeat_there(device):
    with lamina.device(device):
        a = R.normal((4,), seed=3)
        b = R.normal((4,), seed=3)
    assert a.device.type == device and torch.equal(a, b)
    x = torch.ones(4, 4, device=device)
    assert R.dropout(x, 0.5, seed=1).device.type == device
    assert torch.equal(R.shuffle(x.cumsum(0), seed=2), R.shuffle(x.cumsum(0), seed=2))
    assert R.categorical(torch.zeros(2, 3, device=device), 4, seed=0).device.type == device
    layer = _Noisy().to(device)
    assert layer.seed_generator.device.type == device
    assert layer(torch.zeros(2, device=device)).device.type == device


def test_every_function_traces_under_torch_compile_fullgraph():
    def draw(x, generator):
        return (R.normal(tuple(x.shape), seed=generator) + R.uniform((3,)) + R.truncated_normal((3,), seed=1)
                + R.dropout(x, 0.5, seed=3) + R.gamma((3,), 2.0, seed=2) + R.beta((3,), 1.0, 2.0)
                + R.binomial((3,), 5, 0.5, seed=1) + R.randint((3,), 0, 4, seed=1) + R.shuffle(x, seed=1)
                + R.categorical(x, 3, seed=1).sum())

    # backend="eager": dynamo traces the whole function (no graph break) without inductor codegen
    out = torch.compile(draw, fullgraph=True, backend="eager")(torch.zeros(2, 3), R.SeedGenerator(1))
    assert out.shape == (2, 3) and torch.isfinite(out).all()
