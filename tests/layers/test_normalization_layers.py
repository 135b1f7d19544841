"""Normalization layers: Keras momentum/variance semantics, inference rules, adapt, errors."""

import inspect

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers as L


def test_batch_norm_training_uses_batch_stats_and_keras_moving_update():
    x = torch.randn(8, 3) * 2 + 1
    layer = L.BatchNormalization(momentum=0.9)
    out = layer(x, training=True)
    mean, var = x.mean(0), x.var(0, unbiased=False)
    torch.testing.assert_close(out, (x - mean) / torch.sqrt(var + 1e-3))
    # moving = moving * momentum + batch * (1 - momentum), with the *biased* batch variance.
    torch.testing.assert_close(layer.moving_mean.detach(), 0.1 * mean)
    torch.testing.assert_close(layer.moving_variance.detach(), 0.9 + 0.1 * var)


def test_batch_norm_inference_uses_moving_stats_and_weight_order():
    layer = L.BatchNormalization(axis=1)
    layer.build((None, 3, 4, 4))
    gamma, beta, mean, var = (np.full(3, v, dtype="float32") for v in (2.0, 0.5, 1.0, 4.0))
    layer.set_weights([gamma, beta, mean, var])
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2
    x = torch.randn(2, 3, 4, 4)
    torch.testing.assert_close(layer(x), 2.0 * (x - 1.0) / np.sqrt(4.0 + 1e-3) + 0.5)


def test_batch_norm_channels_last_matches_channels_first():
    x = torch.randn(4, 5, 5, 3)
    last, first = L.BatchNormalization(), L.BatchNormalization(axis=1)
    out_last = last(x, training=True)
    out_first = first(x.permute(0, 3, 1, 2), training=True)
    torch.testing.assert_close(out_first.permute(0, 2, 3, 1), out_last, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(first.moving_variance, last.moving_variance)


def test_frozen_batch_norm_runs_in_inference_mode():
    layer = L.BatchNormalization()
    x = torch.randn(8, 3) + 5
    layer(x)
    layer.trainable = False
    out = layer(x, training=True)
    torch.testing.assert_close(out, x / np.sqrt(1 + 1e-3))
    assert (layer.moving_mean == 0).all()


def test_batch_norm_masked_training_ignores_masked_steps():
    x = torch.randn(2, 4, 3)
    mask = torch.tensor([[True, True, True, False], [True, False, False, False]])
    layer = L.BatchNormalization(momentum=0.0)
    layer(x, training=True, mask=mask)
    kept = x[mask]
    torch.testing.assert_close(layer.moving_mean.detach(), kept.mean(0))
    torch.testing.assert_close(layer.moving_variance.detach(), kept.var(0, unbiased=False))


def test_layer_norm_multi_axis_and_rms_scaling():
    x = torch.randn(2, 3, 4)
    out = L.LayerNormalization(axis=[1, 2], epsilon=1e-5)(x)
    torch.testing.assert_close(out, torch.nn.functional.layer_norm(x, (3, 4), eps=1e-5))
    with pytest.warns(UserWarning, match="rms_scaling=True.*deprecated.*RMSNormalization"):
        rms = L.LayerNormalization(rms_scaling=True)
    out = rms(x + 1.0)
    assert [w.name for w in rms.weights] == ["gamma"]
    # Keras 3.15's (deprecated) formula divides by the variance, the mean not subtracted.
    torch.testing.assert_close(out, (x + 1) / torch.sqrt(x.var(-1, unbiased=False, keepdim=True) + 1e-3))
    assert rms.get_config()["rms_scaling"] is True
    assert list(inspect.signature(L.LayerNormalization.__init__).parameters)[1:6] == [
        "axis", "epsilon", "center", "scale", "beta_initializer"]
    middle = L.LayerNormalization(axis=1)(x)
    torch.testing.assert_close(middle, (x - x.mean(1, keepdim=True)) / torch.sqrt(
        x.var(1, unbiased=False, keepdim=True) + 1e-3), rtol=1e-5, atol=1e-5)


def test_group_norm_errors_and_instance_norm():
    with pytest.raises(ValueError, match=r"GroupNormalization layer 'gn'.*groups \(4\) must divide.*\(6\)"):
        L.GroupNormalization(groups=4, name="gn")(keras.Input(shape=(4, 6)))
    x = torch.randn(2, 5, 3)
    out = L.GroupNormalization(groups=-1)(x)
    torch.testing.assert_close(out, (x - x.mean(1, keepdim=True)) / torch.sqrt(
        x.var(1, unbiased=False, keepdim=True) + 1e-3), rtol=1e-5, atol=1e-5)


def test_unit_normalization():
    out = L.UnitNormalization()(torch.tensor([[3.0, 4.0], [0.0, 0.0]]))
    torch.testing.assert_close(out, torch.tensor([[0.6, 0.8], [0.0, 0.0]]))


def test_normalization_adapt_numpy_tensor_and_batches():
    data = np.random.default_rng(0).standard_normal((20, 3)).astype("float32") * 3 + 2
    expected = (data - data.mean(0)) / data.std(0)
    for source in (data, torch.from_numpy(data), [data[:7], torch.from_numpy(data[7:])]):
        layer = L.Normalization()
        layer.adapt(source)
        np.testing.assert_allclose(layer(torch.from_numpy(data)).numpy(), expected, rtol=1e-4, atol=1e-4)
    # Adapted statistics are weights (saved with the model), Keras's names and order.
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    assert layer.trainable_weights == []


def test_normalization_given_stats_live_in_config_and_invert():
    layer = L.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0])
    x = torch.tensor([[3.0, 5.0]])
    torch.testing.assert_close(layer(x), torch.tensor([[1.0, 1.0]]))
    config = layer.get_config()
    assert config["mean"] == [1.0, 2.0] and config["axis"] == [-1]
    clone = L.Normalization.from_config(config)
    torch.testing.assert_close(clone(x), layer(x))
    inverse = L.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0], invert=True)
    torch.testing.assert_close(inverse(torch.tensor([[1.0, 1.0]])), x)
    assert layer.weights == []


def test_normalization_state_survives_state_dict():
    layer = L.Normalization(axis=None)
    layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], dtype="float32"))
    fresh = L.Normalization(axis=None)
    fresh.build((None,))
    fresh.load_state_dict(layer.state_dict())
    torch.testing.assert_close(fresh(torch.tensor([1.0, 2.0, 3.0])), torch.tensor([-1.4142135, -0.7071068, 0.0]))


@pytest.mark.parametrize("factory,match", [
    (lambda: L.BatchNormalization(axis=[1, 2]), r"BatchNormalization layer.*`axis` must be an int"),
    (lambda: L.BatchNormalization(momentum=1.5), r"`momentum` must be in \[0, 1\]"),
    (lambda: L.BatchNormalization(renorm=True, renorm_clipping={"rmin": 2.0, "rmax": 1.0}),
     r"BatchNormalization layer.*`renorm_clipping` needs rmax >= rmin"),
    (lambda: L.LayerNormalization(axis="last"), r"`axis` must be an int or a list"),
    (lambda: L.GroupNormalization(groups=0), r"`groups` must be a positive int or -1"),
    (lambda: L.Normalization(mean=1.0), r"both `mean` and `variance`"),
])
def test_bad_arguments(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


def test_batch_norm_half_inputs_compute_in_float32():
    layer = L.BatchNormalization()
    x = torch.randn(4, 5, 3)
    out = layer(x.to(torch.bfloat16), training=True)
    assert out.dtype == torch.bfloat16 and layer.moving_mean.dtype == torch.float32
    torch.testing.assert_close(out.float(), L.BatchNormalization()(x.to(torch.bfloat16).float(), training=True),
                               rtol=1e-2, atol=1e-2)


def test_batch_norm_training_moments_equal_keras_biased_ones_and_a_batch_of_one_works():
    # One torch pass gives the batch moments (unbiased variance rescaled to Keras's biased one).
    torch.manual_seed(0)
    x = torch.randn(16, 5, 5, 8) * 3 + 1
    bn = keras.layers.BatchNormalization(momentum=0.5)
    bn(x, training=True)
    var, mean = torch.var_mean(x, dim=(0, 1, 2), correction=0)
    torch.testing.assert_close(bn.moving_mean.value, 0.5 * mean, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(bn.moving_variance.value, 0.5 + 0.5 * var, rtol=1e-6, atol=1e-6)
    single = keras.layers.BatchNormalization(momentum=0.5)
    out = single(torch.tensor([[1.0, -2.0, 3.0]]), training=True)  # Keras: variance 0, output beta
    torch.testing.assert_close(out, torch.zeros(1, 3))
    torch.testing.assert_close(single.moving_variance.value, torch.full((3,), 0.5))


def test_batch_norm_training_backpropagates():
    x = torch.randn(8, 4, 4, 3, requires_grad=True)
    bn = keras.layers.BatchNormalization()
    bn(x, training=True).square().sum().backward()
    assert x.grad is not None and bn.gamma.grad is not None
