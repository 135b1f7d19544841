"""compute_fans, VarianceScaling and the Glorot/He/LeCun presets.

Statistical bounds: ~200,000 samples give a sample-stddev standard error of ~0.16%;
the 1.5% bounds below are ~10x that, yet catch any wrong fan or scale (the
smallest wrong factor, fan_in vs fan_avg here, is > 10%).
"""

import math

import pytest
import torch

from lamina import initializers as I
from lamina.initializers import compute_fans

TRUNC = 0.87962566103423978


@pytest.mark.parametrize(
    "shape, fans",
    [
        ((), (1, 1)),
        ((5,), (5, 5)),
        ((3, 4), (3, 4)),
        ((5, 2, 3), (10, 15)),  # Conv1D kernel (k, in, out)
        ((3, 3, 16, 32), (144, 288)),  # Conv2D kernel (kh, kw, in, out)
        ((2, 3, 3, 4, 8), (72, 144)),  # Conv3D kernel
    ],
)
def test_compute_fans_keras_rule(shape, fans):
    assert compute_fans(shape) == fans


def test_compute_fans_with_explicit_axes():
    # An attention query kernel (d_model, heads, key_dim): in = d_model, out = heads * key_dim.
    assert compute_fans((64, 8, 16), input_axes=[0], output_axes=[1, 2]) == (64, 128)
    # Output kernel (heads, value_dim, d_model).
    assert compute_fans((8, 16, 64), input_axes=[0, 1], output_axes=[2]) == (128, 64)
    # One list given: the other is every remaining axis.
    assert compute_fans((64, 8, 16), input_axes=[0]) == (64, 128)
    # Axes in neither list are receptive field, as for conv kernels.
    assert compute_fans((3, 3, 16, 32), input_axes=[-2], output_axes=[-1]) == (144, 288)


def test_compute_fans_axis_errors():
    with pytest.raises(ValueError, match=r"must not share an axis; both contain \[1\]"):
        compute_fans((4, 5, 6), input_axes=[0, 1], output_axes=[1])
    with pytest.raises(ValueError, match=r"`output_axes` must list axes of the weight shape.*rank-2"):
        compute_fans((4, 5), input_axes=[0], output_axes=[3])


def _std(t):
    return t.double().std().item()


def test_glorot_uniform_limit_and_spread():
    shape = (300, 700)
    limit = math.sqrt(6.0 / (300 + 700))
    v = I.GlorotUniform()(shape)
    assert v.abs().max().item() <= limit
    assert abs(_std(v) / (limit / math.sqrt(3)) - 1) < 0.015


def test_glorot_normal_is_truncated_with_corrected_stddev():
    shape = (300, 700)
    target = math.sqrt(2.0 / 1000)
    v = I.GlorotNormal()(shape)
    assert v.abs().max().item() <= 2 * target / TRUNC + 1e-7
    assert abs(_std(v) / target - 1) < 0.015


def test_he_normal_on_conv_kernel_uses_receptive_field():
    shape = (3, 3, 64, 64)  # fan_in = 576
    v = I.HeNormal()(shape)
    assert abs(_std(v) / math.sqrt(2.0 / 576) - 1) < 0.015


def test_he_uniform_lecun_uniform_limits():
    shape = (250, 800)
    he = I.HeUniform()(shape)
    assert he.abs().max().item() <= math.sqrt(6.0 / 250)
    assert abs(_std(he) / math.sqrt(2.0 / 250) - 1) < 0.015
    lecun = I.LecunUniform()(shape)
    assert lecun.abs().max().item() <= math.sqrt(3.0 / 250)
    assert abs(_std(lecun) / math.sqrt(1.0 / 250) - 1) < 0.015


def test_lecun_normal_stddev():
    v = I.LecunNormal()((250, 800))
    assert abs(_std(v) / math.sqrt(1.0 / 250) - 1) < 0.015


@pytest.mark.parametrize(
    "mode, n", [("fan_in", 200), ("fan_out", 1000), ("fan_avg", 600)]
)
def test_variance_scaling_untruncated_normal_modes(mode, n):
    v = I.VarianceScaling(scale=3.0, mode=mode, distribution="untruncated_normal")((200, 1000))
    assert abs(_std(v) / math.sqrt(3.0 / n) - 1) < 0.015


def test_variance_scaling_uses_explicit_axes():
    # Without axes the conv rule would give fan_in = 8 * 16 = 128; with input_axes=[0] it is 16.
    init = I.VarianceScaling(scale=1.0, mode="fan_in", distribution="uniform", input_axes=[0])
    v = init((16, 8, 2000))
    assert v.abs().max().item() <= math.sqrt(3.0 / 16)
    assert abs(_std(v) / math.sqrt(1.0 / 16) - 1) < 0.015


def test_normal_distribution_is_keras_2_spelling_of_truncated():
    assert I.VarianceScaling(distribution="Normal").distribution == "truncated_normal"


def test_empty_weight_does_not_divide_by_zero():
    assert I.GlorotUniform()((0, 5)).shape == (0, 5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"scale": 0.0}, r"VarianceScaling: `scale` must be a positive float, received scale=0.0"),
        ({"mode": "fan"}, r"`mode` must be one of \['fan_in', 'fan_out', 'fan_avg'\], received mode='fan'"),
        ({"distribution": "gamma"}, r"`distribution` must be one of \['truncated_normal', "
                                    r"'untruncated_normal', 'uniform'\], received distribution='gamma'"),
    ],
)
def test_variance_scaling_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        I.VarianceScaling(**kwargs)


@pytest.mark.parametrize(
    "cls", [I.GlorotUniform, I.GlorotNormal, I.HeNormal, I.HeUniform, I.LecunNormal, I.LecunUniform]
)
def test_preset_config_is_keras_3_15(cls):
    # Keras 3.15 writes exactly these keys for the presets (see the .keras fixtures).
    assert cls().get_config() == {"seed": None, "input_axes": None, "output_axes": None}
    assert cls(seed=3, input_axes=(0,), output_axes=[1, 2]).get_config() == {
        "seed": 3, "input_axes": [0], "output_axes": [1, 2]
    }
    restored = cls.from_config(cls(seed=7).get_config())
    assert type(restored) is cls and restored.seed == 7
    assert torch.equal(restored((5, 6)), cls(seed=7)((5, 6)))


def test_variance_scaling_config_round_trip():
    init = I.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform", seed=1)
    assert init.get_config() == {
        "seed": 1, "scale": 2.0, "mode": "fan_out", "distribution": "uniform",
        "input_axes": None, "output_axes": None,
    }
    twin = I.VarianceScaling.from_config(init.get_config())
    assert torch.equal(twin((4, 4)), init((4, 4)))


def test_presets_match_their_variance_scaling_definition_exactly():
    # Same seed, same recipe -> identical draws.
    pairs = [
        (I.GlorotUniform(seed=1), I.VarianceScaling(1.0, "fan_avg", "uniform", seed=1)),
        (I.GlorotNormal(seed=1), I.VarianceScaling(1.0, "fan_avg", "truncated_normal", seed=1)),
        (I.HeNormal(seed=1), I.VarianceScaling(2.0, "fan_in", "truncated_normal", seed=1)),
        (I.HeUniform(seed=1), I.VarianceScaling(2.0, "fan_in", "uniform", seed=1)),
        (I.LecunNormal(seed=1), I.VarianceScaling(1.0, "fan_in", "truncated_normal", seed=1)),
        (I.LecunUniform(seed=1), I.VarianceScaling(1.0, "fan_in", "uniform", seed=1)),
    ]
    for preset, general in pairs:
        assert torch.equal(preset((6, 7)), general((6, 7))), type(preset).__name__
