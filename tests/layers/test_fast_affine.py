"""The grid_sample path of the affine image layers equals lamina.ops.image.affine_transform."""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina.layers.preprocessing.image._fast_affine import affine_grid_sample, can_use_grid_sample
from lamina.ops.image import affine_transform


def _transforms(n, generator):
    t = torch.zeros(n, 8)
    angle = torch.rand(n, generator=generator) * 2 - 1
    t[:, 0], t[:, 1] = torch.cos(angle) * 1.3, -torch.sin(angle)
    t[:, 3], t[:, 4] = torch.sin(angle), torch.cos(angle) * 0.8
    t[:, 2], t[:, 5] = torch.randn(n, generator=generator) * 20, torch.randn(n, generator=generator) * 20
    return t


@pytest.mark.parametrize("fill_mode, fill_value", [("reflect", 0.0), ("nearest", 0.0), ("constant", 0.0),
                                                   ("constant", 7.5)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_same_values_as_the_gather_sampler(fill_mode, fill_value, data_format):
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(4, 37, 29, 3, generator=generator) * 255
    transforms = _transforms(4, generator)
    want = affine_transform(images, transforms, "bilinear", fill_mode, fill_value)
    source = images if data_format == "channels_last" else images.permute(0, 3, 1, 2)
    got = affine_grid_sample(source, transforms, fill_mode, fill_value, data_format)
    if data_format == "channels_first":
        got = got.permute(0, 2, 3, 1)
    # float32 coordinate round-off only: 255-valued images agree to ~1e-5 relative
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=5e-3)


def test_only_taken_where_it_is_exact():
    images, affine = torch.rand(1, 4, 4, 3), torch.tensor([[1.0, 0, 0, 0, 1, 0, 0, 0]])
    assert can_use_grid_sample(images, affine, "bilinear", "reflect")
    assert not can_use_grid_sample(images, affine, "nearest", "reflect")
    assert not can_use_grid_sample(images, affine, "bilinear", "wrap")
    assert not can_use_grid_sample(images, torch.tensor([[1.0, 0, 0, 0, 1, 0, 0.01, 0]]), "bilinear", "reflect")
    assert not can_use_grid_sample(images.to(torch.uint8), affine, "bilinear", "reflect")


def test_layers_use_it_and_stay_seeded():
    images = torch.rand(2, 16, 16, 3) * 255
    a = keras.layers.RandomRotation(0.2, seed=3)(images, training=True)
    b = keras.layers.RandomRotation(0.2, seed=3)(images, training=True)
    assert torch.equal(a, b) and not torch.equal(a, images)
    assert torch.equal(keras.layers.RandomZoom(0.2, seed=1)(images, training=False), images)
