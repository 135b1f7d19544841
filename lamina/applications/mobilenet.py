"""MobileNet (Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for Mobile
Vision Applications").

A strided 3x3 convolution, then 13 depthwise-separable blocks (DepthwiseConv2D + BN + ReLU6,
1x1 Conv2D + BN + ReLU6); `alpha` scales the widths, `depth_multiplier` the depthwise outputs.
The head is Keras's: pooling with `keepdims`, dropout, a 1x1 `conv_preds`, `reshape_2` and the
`predictions` activation. Inputs as `mobilenet.preprocess_input` makes them (tf mode, [-1, 1]).
"""

import warnings

from lamina import layers
from lamina.applications import _common, imagenet_utils

__all__ = ["MobileNet", "preprocess_input", "decode_predictions"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"

# (pointwise filters, strides) of the 13 depthwise blocks.
_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1),
           (512, 1), (1024, 2), (1024, 1)]
_IMAGENET_SIZES = (128, 160, 192, 224)
_IMAGENET_ALPHAS = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    x = layers.Conv2D(int(filters * alpha), kernel, padding="same", use_bias=False, strides=strides,
                      name="conv1")(inputs)
    x = layers.BatchNormalization(axis=-1, name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_conv_filters, alpha, depth_multiplier=1, strides=(1, 1), block_id=1):
    x = inputs
    if strides != (1, 1):
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid",
                               depth_multiplier=depth_multiplier, strides=strides, use_bias=False,
                               name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=-1, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_conv_filters * alpha), (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=-1, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,
              weights="imagenet", input_tensor=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=None):
    default_size = 224
    if input_shape is not None and input_shape[0] == input_shape[1] and input_shape[0] in _IMAGENET_SIZES:
        default_size = input_shape[0]
    input_shape = _common.prepare(weights, include_top, classes, input_shape, default_size=default_size,
                                  min_size=32)
    rows, cols = input_shape[0], input_shape[1]
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("If imagenet weights are being loaded, depth multiplier must be 1.  "
                             f"Received depth_multiplier={depth_multiplier}")
        if alpha not in _IMAGENET_ALPHAS:
            raise ValueError("If imagenet weights are being loaded, alpha can be one of `0.25`, `0.50`, `0.75` "
                             f"or `1.0` only.  Received alpha={alpha}")
        if rows != cols or rows not in _IMAGENET_SIZES:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in [128, 160, 192, 224]. "
                          "Weights for input shape (224, 224) will be loaded as the default.", stacklevel=2)
    img_input = _common.image_input(input_tensor, input_shape)
    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, strides=(stride, stride), block_id=block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        _common.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{rows}"
    file_name = None
    if weights == "imagenet":
        suffix = "tf.h5" if include_top else "tf_no_top.h5"
        file_name = f"mobilenet_{_IMAGENET_ALPHAS[alpha]}_{rows}_{suffix}"
    return _common.finish(img_input, input_tensor, x, name, weights, file_name, BASE_WEIGHTS_PATH)


_common.document(MobileNet, 224, 32, "preprocessed by `mobilenet.preprocess_input` (to [-1, 1])",
                 extra="        alpha: width multiplier (0.25, 0.5, 0.75, 1.0 have ImageNet weights).\n"
                       "        depth_multiplier: depthwise channel multiplier (1 for ImageNet weights).\n"
                       "        dropout: dropout rate before the classifier.\n")


def preprocess_input(x, data_format=None):
    """MobileNet's preprocessing (tf mode): pixels scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """See `lamina.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
