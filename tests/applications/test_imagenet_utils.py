"""`preprocess_input` per mode and family, `decode_predictions`, and "imagenet" weights from Keras's cache."""

import json
import re
import shutil

import numpy as np
import pytest
import torch

from lamina import applications
from lamina.applications import imagenet_utils
from app_fixtures import FIXTURES, assert_close_to_keras, load_outputs, predict

IMAGES = np.arange(2 * 2 * 2 * 3, dtype="float32").reshape(2, 2, 2, 3) * 10.0


def _reference(x, mode):
    x = x.astype("float64")
    if mode == "tf":
        return x / 127.5 - 1.0
    if mode == "torch":
        return (x / 255.0 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
    return x[..., ::-1] - [103.939, 116.779, 123.68]


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_preprocess_modes_numpy_and_torch(mode):
    expected = _reference(IMAGES, mode)
    out = imagenet_utils.preprocess_input(IMAGES.copy(), mode=mode)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-4)
    out_t = imagenet_utils.preprocess_input(torch.from_numpy(IMAGES.copy()), mode=mode)
    assert isinstance(out_t, torch.Tensor)
    np.testing.assert_allclose(out_t.numpy(), expected, rtol=1e-6, atol=1e-4)


def test_preprocess_channels_first_and_integers():
    chw = np.transpose(IMAGES, (0, 3, 1, 2)).astype("uint8")
    out = imagenet_utils.preprocess_input(chw, data_format="channels_first", mode="caffe")
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.transpose(out, (0, 2, 3, 1)), _reference(IMAGES.astype("uint8"), "caffe"),
                               atol=1e-4)


@pytest.mark.parametrize("module, mode", [
    ("resnet", "caffe"), ("resnet50", "caffe"), ("vgg16", "caffe"), ("vgg19", "caffe"), ("resnet_v2", "tf"),
    ("xception", "tf"), ("inception_v3", "tf"), ("inception_resnet_v2", "tf"), ("mobilenet", "tf"),
    ("mobilenet_v2", "tf"), ("nasnet", "tf"), ("densenet", "torch"),
    ("efficientnet", None), ("efficientnet_v2", None), ("mobilenet_v3", None), ("convnext", None),
])
def test_family_preprocessing(module, mode):
    fn = getattr(applications, module).preprocess_input
    out = fn(IMAGES.copy())
    expected = IMAGES if mode is None else _reference(IMAGES, mode)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-4)


def test_preprocess_errors():
    with pytest.raises(ValueError, match="mode.*Received: mode='bgr'"):
        imagenet_utils.preprocess_input(IMAGES, mode="bgr")
    with pytest.raises(ValueError, match="data_format.*Received: data_format='nhwc'"):
        imagenet_utils.preprocess_input(IMAGES, data_format="nhwc")
    with pytest.raises(ValueError, match=r"3 colour channels.*\(2, 2, 4\)"):
        imagenet_utils.preprocess_input(np.zeros((2, 2, 4), "float32"))


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(imagenet_utils, "_class_index", None)
    return tmp_path


def test_decode_predictions_without_class_index_says_where(keras_home):
    with pytest.raises(FileNotFoundError, match=r"imagenet_class_index\.json.*models.*download\.tensorflow\.org"):
        applications.resnet50.decode_predictions(np.zeros((1, 1000)))


def test_decode_predictions_reads_keras_cache(keras_home):
    (keras_home / "models").mkdir()
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    (keras_home / "models" / "imagenet_class_index.json").write_text(json.dumps(index))
    preds = np.zeros((2, 1000), "float32")
    preds[0, 7], preds[0, 3], preds[1, 999] = 0.9, 0.5, 1.0
    result = applications.vgg16.decode_predictions(preds, top=2)
    assert result[0][0][:2] == ("n00000007", "class_7") and result[0][1][:2] == ("n00000003", "class_3")
    assert result[1][0][:2] == ("n00000999", "class_999")
    with pytest.raises(ValueError, match=r"\(samples, 1000\).*\(3,\)"):
        imagenet_utils.decode_predictions(np.zeros(3))


def test_imagenet_weights_missing_say_which_file_where(keras_home):
    with pytest.raises(FileNotFoundError,
                       match=r"resnet50_weights_tf_dim_ordering_tf_kernels_notop\.h5.*models.*KERAS_HOME"):
        applications.ResNet50(include_top=False, input_shape=(32, 32, 3))


def test_imagenet_weights_from_keras_cache(keras_home):
    # Keras's cache file name for MobileNet alpha=0.25, 128x128, no top; the weights do not depend on
    # the input size, so the small fixture file (written by Keras) stands in for the real one.
    (keras_home / "models").mkdir()
    shutil.copy(FIXTURES / "mobilenet_025_notop.h5", keras_home / "models" / "mobilenet_2_5_128_tf_no_top.h5")
    model = applications.MobileNet(alpha=0.25, include_top=False, weights="imagenet", input_shape=(128, 128, 3))
    _, arrays = load_outputs()
    reference = applications.MobileNet(alpha=0.25, include_top=False, input_shape=(32, 32, 3),
                                       weights=str(FIXTURES / "mobilenet_025_notop.h5"))
    images = arrays["mobilenet_025_notop/input"]
    assert_close_to_keras(predict(model, images), arrays["mobilenet_025_notop/output"])
    assert_close_to_keras(predict(reference, images), arrays["mobilenet_025_notop/output"])


def test_imagenet_argument_checks():
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.VGG16(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match=r"`input_shape` should be \(224, 224, 3\)"):
        applications.ResNet50(weights="imagenet", input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="depth multiplier must be 1"):
        applications.MobileNet(weights="imagenet", depth_multiplier=2)
    with pytest.raises(ValueError, match="Only `None` and `softmax`"):
        applications.VGG16(weights="imagenet", classifier_activation="relu")


@pytest.mark.parametrize("constructor, kwargs, file_name", [
    ("ResNet50", {}, "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("ResNet101V2", {}, "resnet101v2_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("VGG19", {}, "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("DenseNet169", {}, "densenet169_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("Xception", {"input_shape": (71, 71, 3)}, "xception_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("InceptionV3", {"input_shape": (75, 75, 3)}, "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("InceptionResNetV2", {"input_shape": (75, 75, 3)},
     "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("MobileNet", {"input_shape": (128, 128, 3), "alpha": 0.5}, "mobilenet_5_0_128_tf_no_top.h5"),
    ("MobileNetV2", {"input_shape": (96, 96, 3)}, "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5"),
    ("MobileNetV3Small", {}, "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"),
    ("EfficientNetB0", {}, "efficientnetb0_notop.h5"),
    ("EfficientNetV2B0", {}, "efficientnetv2-b0_notop.h5"),
    ("ConvNeXtTiny", {}, "convnext_tiny_notop.h5"),
    ("NASNetMobile", {"input_shape": (32, 32, 3)}, "nasnet_mobile_no_top.h5"),
])
@pytest.mark.filterwarnings("ignore:`input_shape` is undefined")
def test_imagenet_file_names_are_keras_cache_names(keras_home, constructor, kwargs, file_name):
    kwargs = {"input_shape": (32, 32, 3), **kwargs}
    # Built on the meta device (no memory, no compute), except EfficientNet, whose ImageNet variant
    # holds a per-channel Rescaling that lamina's Rescaling cannot create on the meta device.
    device = "cpu" if constructor.startswith("EfficientNetB") else "meta"
    with torch.device(device), pytest.raises(FileNotFoundError, match=re.escape(file_name)):
        getattr(applications, constructor)(include_top=False, weights="imagenet", **kwargs)
