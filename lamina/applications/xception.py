"""Xception (Chollet 2017, "Xception: Deep Learning with Depthwise Separable Convolutions").

Entry flow (strided separable blocks with 1x1 projection shortcuts), middle flow (8 residual
blocks of three 728-channel separable convolutions) and exit flow; Keras's layer names (the
shortcut convolutions are unnamed in Keras too: `conv2d`, `batch_normalization`, ...).
Inputs as `xception.preprocess_input` makes them (tf mode, [-1, 1]).
"""

from lamina import layers
from lamina.applications import _common, imagenet_utils

__all__ = ["Xception", "preprocess_input", "decode_predictions"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/xception/"


def _sep_bn(x, filters, name):
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=-1, name=f"{name}_bn")(x)


def _projection(x, filters):
    shortcut = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    return layers.BatchNormalization(axis=-1)(shortcut)


def _entry_block(x, block, filters, second_filters=None, first_relu=True):
    """Two separable convs, a strided max pool, plus a projected shortcut."""
    residual = _projection(x, second_filters or filters)
    if first_relu:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sep_bn(x, filters, f"block{block}_sepconv1")
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sep_bn(x, second_filters or filters, f"block{block}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="xception"):
    input_shape = _common.prepare(weights, include_top, classes, input_shape, default_size=299, min_size=71)
    img_input = _common.image_input(input_tensor, input_shape)
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=-1, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=-1, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    x = _entry_block(x, 2, 128, first_relu=False)
    x = _entry_block(x, 3, 256)
    x = _entry_block(x, 4, 728)
    for i in range(8):
        residual = x
        prefix = f"block{i + 5}"
        for conv in (1, 2, 3):
            x = layers.Activation("relu", name=f"{prefix}_sepconv{conv}_act")(x)
            x = _sep_bn(x, 728, f"{prefix}_sepconv{conv}")
        x = layers.add([x, residual])
    x = _entry_block(x, 13, 728, second_filters=1024)
    x = _sep_bn(x, 1536, "block14_sepconv1")
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sep_bn(x, 2048, "block14_sepconv2")
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)
    x = _common.pooled_top(x, include_top, pooling, classes, classifier_activation, weights)
    suffix = "" if include_top else "_notop"
    return _common.finish(img_input, input_tensor, x, name, weights,
                          f"xception_weights_tf_dim_ordering_tf_kernels{suffix}.h5", BASE_WEIGHTS_PATH)


_common.document(Xception, 299, 71, "preprocessed by `xception.preprocess_input` (to [-1, 1])")


def preprocess_input(x, data_format=None):
    """Xception's preprocessing (tf mode): pixels scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """See `lamina.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
