"""Permute, RepeatVector, UpSampling, ZeroPadding, Cropping: values, shapes, configs, errors."""

import pytest
import torch

import lamina as keras
from lamina import layers as L


def test_permute_and_repeat_vector_values():
    x = torch.randn(2, 3, 4, 5)
    torch.testing.assert_close(L.Permute((3, 1, 2))(x), x.permute(0, 3, 1, 2))
    v = torch.randn(2, 4)
    out = L.RepeatVector(3)(v)
    assert tuple(out.shape) == (2, 3, 4) and (out == v[:, None, :]).all()


def test_upsampling_nearest_repeats():
    x = torch.arange(4.0).reshape(1, 2, 2, 1)
    out = L.UpSampling2D((2, 3))(x)
    assert tuple(out.shape) == (1, 4, 6, 1)
    assert out[0, :, :, 0].tolist()[0] == [0, 0, 0, 1, 1, 1]
    assert tuple(L.UpSampling1D(3)(torch.randn(2, 4, 5)).shape) == (2, 12, 5)
    assert tuple(L.UpSampling3D(data_format="channels_first")(torch.randn(1, 3, 2, 2, 2)).shape) == (1, 3, 4, 4, 4)


def test_upsampling_bilinear_uses_half_pixel_centers():
    x = torch.tensor([0.0, 4.0]).reshape(1, 1, 2, 1)
    out = L.UpSampling2D((1, 2), interpolation="bilinear")(x)
    # Half-pixel centers with edge clamping: samples at input coords -0.25, 0.25, 0.75, 1.25.
    torch.testing.assert_close(out.reshape(-1), torch.tensor([0.0, 1.0, 3.0, 4.0]))


def test_zero_padding_and_cropping_are_inverse():
    x = torch.randn(2, 3, 4, 5, 2)
    padded = L.ZeroPadding3D(((1, 2), (0, 1), (2, 0)))(x)
    assert tuple(padded.shape) == (2, 6, 5, 7, 2)
    torch.testing.assert_close(L.Cropping3D(((1, 2), (0, 1), (2, 0)))(padded), x)
    torch.testing.assert_close(padded.sum(), x.sum())
    assert padded[:, 0].abs().sum() == 0
    seq = torch.randn(2, 5, 3)
    torch.testing.assert_close(L.Cropping1D((2, 1))(L.ZeroPadding1D((2, 1))(seq)), seq)
    cf = L.ZeroPadding2D(1, data_format="channels_first")(torch.randn(1, 3, 2, 2))
    assert tuple(cf.shape) == (1, 3, 4, 4)


def test_padding_configs_use_keras_keys():
    assert L.ZeroPadding2D(((1, 2), (0, 1))).get_config()["padding"] == [[1, 2], [0, 1]]
    assert L.ZeroPadding2D(2).get_config()["padding"] == [[2, 2], [2, 2]]
    assert L.Cropping2D(((1, 0), (1, 1))).get_config()["cropping"] == [[1, 0], [1, 1]]
    assert L.Permute((2, 1)).get_config()["dims"] == [2, 1]
    assert L.UpSampling2D().get_config()["interpolation"] == "nearest"


def test_symbolic_shapes_with_unknown_dims():
    inputs = keras.Input(shape=(None, 4, 3))
    assert tuple(L.ZeroPadding2D(1)(inputs).shape) == (None, None, 6, 3)
    assert tuple(L.Cropping2D(1)(inputs).shape) == (None, None, 2, 3)
    assert tuple(L.UpSampling2D()(inputs).shape) == (None, None, 8, 3)


@pytest.mark.parametrize("factory,match", [
    (lambda: L.Permute((1, 3)), r"Permute layer 'permute'.*permutation of 1..n"),
    (lambda: L.RepeatVector(0), r"`n` must be a positive int, received n=0"),
    (lambda: L.UpSampling2D(interpolation="bicubic"), r"`interpolation`.*'bicubic'"),
    (lambda: L.ZeroPadding2D(((1, 2, 3), (0, 1))), r"ZeroPadding2D layer.*`padding`"),
    (lambda: L.Cropping2D(-1), r"`cropping`.*non-negative"),
    (lambda: L.UpSampling3D(data_format="NDHWC"), r"`data_format`"),
])
def test_bad_arguments(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


def test_cropping_everything_fails_at_build():
    with pytest.raises(ValueError, match=r"Cropping2D layer 'crop'.*removes all of axis 1 \(size 3\)"):
        L.Cropping2D(((2, 1), (0, 0)), name="crop")(keras.Input(shape=(3, 4, 2)))
