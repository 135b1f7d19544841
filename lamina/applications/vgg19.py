"""VGG19: VGG16 with a fourth convolution in blocks 3, 4 and 5 (`block3_conv4`, ...)."""

from lamina.applications import _common
from lamina.applications.vgg16 import build_vgg, decode_predictions, preprocess_input

__all__ = ["VGG19", "preprocess_input", "decode_predictions"]


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", name="vgg19"):
    return build_vgg((2, 2, 4, 4, 4), name, "vgg19", include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation)


_common.document(VGG19, 224, 32, "preprocessed by `vgg19.preprocess_input` (caffe mode)")
