"""`weights=path` loads Keras 3 `.weights.h5` files and Keras 2-format `.h5` files written by Keras.

The files in fixtures/ were written by Keras 3.15 (tools/keras_crosscheck/applications_outputs.py)
for small configurations (weights set to the deterministic pattern); after loading, lamina's outputs on
the stored images must equal Keras's. Files that do not fit are refused with the file, the layer
and both shapes named, and the model is left untouched.
"""

import numpy as np
import pytest
import torch

import lamina
from lamina import applications
from lamina.applications import convnext, efficientnet, efficientnet_v2, nasnet, resnet
from lamina.saving import legacy_h5
from lamina.saving.errors import WeightMismatchError
from app_fixtures import FIXTURES, assert_close_to_keras, load_outputs, predict

INDEX, ARRAYS = load_outputs()


def _tiny_resnet(include_top, weights):
    def stack_fn(x):
        x = resnet.stack_residual_blocks_v1(x, 8, 2, stride1=1, name="conv2")
        return resnet.stack_residual_blocks_v1(x, 16, 2, name="conv3")
    return resnet.build_resnet(stack_fn, False, True, "tiny_resnet", "tiny_resnet", include_top, weights, None,
                               (32, 32, 3), "avg", 5, "softmax")


BUILDERS = {
    "mobilenet_025_top": lambda w: applications.MobileNet(alpha=0.25, classes=7, input_shape=(32, 32, 3), weights=w),
    "mobilenet_025_notop": lambda w: applications.MobileNet(alpha=0.25, include_top=False, input_shape=(32, 32, 3),
                                                            weights=w),
    "tiny_resnet_top": lambda w: _tiny_resnet(True, w),
    "tiny_resnet_notop": lambda w: _tiny_resnet(False, w),
    "tiny_convnext": lambda w: convnext.ConvNeXt([1, 1, 1, 1], [8, 16, 24, 32], name="tiny_convnext",
                                                 input_shape=(32, 32, 3), classes=5, weights=w),
    "tiny_efficientnet": lambda w: efficientnet.EfficientNet(0.25, 0.25, 32, name="tiny_efficientnet",
                                                             input_shape=(32, 32, 3), classes=5, weights=w),
    "tiny_efficientnet_v2": lambda w: efficientnet_v2.EfficientNetV2(0.25, 0.25, 32, name="efficientnetv2-b0",
                                                                     input_shape=(32, 32, 3), classes=5, weights=w),
    "tiny_nasnet": lambda w: nasnet.NASNet((32, 32, 3), penultimate_filters=192, num_blocks=1, stem_block_filters=8,
                                           skip_reduction=False, include_top=True, weights=w, classes=5,
                                           default_size=32, name="tiny_nasnet"),
}


@pytest.mark.parametrize("suffix", [".weights.h5", ".h5"], ids=["keras3", "keras2"])
@pytest.mark.parametrize("key", sorted(BUILDERS))
def test_keras_weights_file_reproduces_keras_outputs(key, suffix):
    lamina.clear_session()
    model = BUILDERS[key](str(FIXTURES / f"{key}{suffix}"))
    assert model.count_params() == INDEX["files"][key]["params"]
    assert_close_to_keras(predict(model, ARRAYS[f"{key}/input"]), ARRAYS[f"{key}/output"])


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_top_file_into_notop_model_names_file_and_layer():
    model = applications.MobileNet(alpha=0.25, include_top=False, input_shape=(32, 32, 3), weights=None)
    before = _state(model)
    path = str(FIXTURES / "mobilenet_025_top.h5")
    with pytest.raises(WeightMismatchError, match=r"mobilenet_025_top\.h5.*'conv_preds'.*include_top=True"):
        legacy_h5.load_weights(model, path, by_name=True, require_all=True)
    after = _state(model)
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_notop_file_into_top_model_is_refused():
    with pytest.raises(WeightMismatchError, match=r"mobilenet_025_notop\.h5.*no weights for layer 'conv_preds'"):
        applications.MobileNet(alpha=0.25, classes=7, input_shape=(32, 32, 3),
                               weights=str(FIXTURES / "mobilenet_025_notop.h5"))


def test_wrong_classes_names_layer_and_shapes():
    with pytest.raises(WeightMismatchError,
                       match=r"Layer 'conv_preds' weight 0 expects shape \(1, 1, 256, 10\).*\(1, 1, 256, 7\)"):
        applications.MobileNet(alpha=0.25, classes=10, input_shape=(32, 32, 3),
                               weights=str(FIXTURES / "mobilenet_025_top.h5"))


def test_other_family_file_is_refused():
    with pytest.raises(WeightMismatchError, match=r"tiny_resnet_notop\.h5"):
        applications.MobileNet(alpha=0.25, include_top=False, input_shape=(32, 32, 3),
                               weights=str(FIXTURES / "tiny_resnet_notop.h5"))


def test_keras3_file_with_wrong_classes_is_refused():
    with pytest.raises(ValueError, match=r"conv_preds|\(1, 1, 256, 7\)"):
        applications.MobileNet(alpha=0.25, classes=10, input_shape=(32, 32, 3),
                               weights=str(FIXTURES / "mobilenet_025_top.weights.h5"))


def test_legacy_load_by_order_matches_by_name():
    path = str(FIXTURES / "tiny_resnet_top.h5")
    by_name = _tiny_resnet(True, path)
    by_order = _tiny_resnet(True, None)
    legacy_h5.load_weights(by_order, path)
    images = ARRAYS["tiny_resnet_top/input"]
    np.testing.assert_array_equal(predict(by_order, images), predict(by_name, images))


def test_legacy_round_trip_written_by_lamina(tmp_path):
    import h5py

    source = _tiny_resnet(False, str(FIXTURES / "tiny_resnet_notop.h5"))
    path = tmp_path / "copy.h5"
    with h5py.File(path, "w") as handle:
        legacy_h5.save_weights_to_hdf5_group(handle, source)
    copy = _tiny_resnet(False, str(path))
    images = ARRAYS["tiny_resnet_notop/input"]
    np.testing.assert_array_equal(predict(copy, images), predict(source, images))


def test_missing_weights_path_is_a_clear_error():
    with pytest.raises(ValueError, match=r"`weights` argument should be either `None`.*Received: weights=nope\.h5"):
        applications.ResNet50(weights="nope.h5")
