"""Application models (with their own layers: LayerScale, CustomScaleLayer, ops on tensors) round-trip
through `.keras` files."""

import pytest
import torch

import lamina
from lamina import applications
from lamina.applications import convnext
from lamina.applications.inception_resnet_v2 import CustomScaleLayer


def _scaled_residual():
    inputs = lamina.Input((4, 4, 3))
    branch = lamina.layers.Conv2D(3, 1)(inputs)
    return lamina.Model(inputs, CustomScaleLayer(0.17)([inputs, branch]))


@pytest.mark.parametrize("build", [
    lambda: convnext.ConvNeXt([1, 1, 1, 1], [8, 16, 24, 32], name="tiny_convnext", input_shape=(32, 32, 3),
                              classes=5),
    lambda: applications.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=5, alpha=0.75,
                                          name="small_v3"),
    _scaled_residual,
], ids=["convnext_layer_scale", "mobilenet_v3_tensor_ops", "custom_scale_layer"])
def test_keras_file_round_trip(build, tmp_path):
    model = build()
    x = torch.rand((2,) + tuple(model.input_shape[1:])) * 255
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = lamina.models.load_model(path)
    with torch.no_grad():
        torch.testing.assert_close(reloaded(x), model(x), rtol=0, atol=0)
    assert reloaded.count_params() == model.count_params()
