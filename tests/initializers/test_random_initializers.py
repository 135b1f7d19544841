"""RandomNormal, RandomUniform, TruncatedNormal: distributions, seeding, dtype and device.

Statistical checks use 200,000 samples: the standard error of a sample mean is then
~0.0022 * stddev and of a sample stddev ~0.16%, so the bounds below (about 5x those)
fail only if the distribution is wrong.
"""

import pytest
import torch

from lamina import initializers as I

N = (400, 500)


def test_random_normal_mean_and_stddev():
    v = I.RandomNormal(mean=1.0, stddev=2.0)(N).double()
    assert abs(v.mean().item() - 1.0) < 0.03
    assert abs(v.std().item() / 2.0 - 1.0) < 0.01


def test_random_uniform_bounds_mean_and_stddev():
    v = I.RandomUniform(minval=-1.0, maxval=3.0)(N).double()
    assert v.min().item() >= -1.0 and v.max().item() < 3.0
    assert abs(v.mean().item() - 1.0) < 0.02
    assert abs(v.std().item() / (4.0 / 12**0.5) - 1.0) < 0.01


def test_truncated_normal_stays_within_two_stddevs_with_truncated_spread():
    v = I.TruncatedNormal(mean=1.0, stddev=0.5)(N).double()
    assert v.min().item() >= 0.0 and v.max().item() <= 2.0
    assert abs(v.mean().item() - 1.0) < 0.01
    # A unit normal truncated to (-2, 2) has stddev 0.87962566103423978.
    assert abs(v.std().item() / (0.5 * 0.87962566103423978) - 1.0) < 0.01


def test_keras_default_arguments_and_configs():
    assert I.RandomNormal().get_config() == {"seed": None, "mean": 0.0, "stddev": 0.05}
    assert I.TruncatedNormal().get_config() == {"seed": None, "mean": 0.0, "stddev": 0.05}
    # Exactly what Keras 3.15 wrote for an Embedding in the fixtures.
    assert I.RandomUniform().get_config() == {"seed": None, "minval": -0.05, "maxval": 0.05}


@pytest.mark.parametrize("cls", [I.RandomNormal, I.RandomUniform, I.TruncatedNormal])
def test_int_seed_is_deterministic_per_instance_and_across_instances(cls):
    init = cls(seed=42)
    first = init((8, 9))
    assert torch.equal(first, init((8, 9)))  # Keras 3: same values on every call
    assert torch.equal(first, cls(seed=42)((8, 9)))
    assert not torch.equal(first, cls(seed=43)((8, 9)))


@pytest.mark.parametrize("cls", [I.RandomNormal, I.RandomUniform, I.TruncatedNormal])
def test_unseeded_uses_torch_global_generator(cls):
    torch.manual_seed(0)
    a = cls()((8, 9))
    b = cls()((8, 9))
    torch.manual_seed(0)
    assert torch.equal(a, cls()((8, 9)))
    assert not torch.equal(a, b)


def test_seeded_draw_does_not_touch_the_global_generator():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    I.RandomNormal(seed=1)((100,))
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64, "float32"])
def test_float_dtypes(dtype):
    v = I.TruncatedNormal(stddev=1.0, seed=0)((50,), dtype=dtype)
    expected = dtype if isinstance(dtype, torch.dtype) else torch.float32
    assert v.dtype == expected and v.abs().max().item() <= 2.0


def test_integer_dtype_is_refused_with_a_fix():
    with pytest.raises(ValueError, match=r"RandomUniform draws random floats and cannot produce dtype=torch.int32"):
        I.RandomUniform()((2,), dtype=torch.int32)


def test_meta_device_gives_shape_only_tensor():
    v = I.RandomNormal(seed=3)((1000, 1000), device="meta")
    assert v.device.type == "meta" and v.shape == (1000, 1000) and v.dtype == torch.float32


@pytest.mark.parametrize("seed", ["1", 1.5, True, [1]])
def test_bad_seed_is_refused(seed):
    with pytest.raises(ValueError, match=r"RandomNormal: `seed` must be None or an int"):
        I.RandomNormal(seed=seed)


def test_values_are_plain_tensors_without_grad():
    v = I.RandomNormal()((3,))
    assert type(v) is torch.Tensor and not v.requires_grad
