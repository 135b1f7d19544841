"""MobileNetV3Small / MobileNetV3Large (Howard et al. 2019, "Searching for MobileNetV3").

Inverted residual blocks with optional squeeze-and-excitation (hard-sigmoid gate) and
hard-swish activations (ReLU only with `minimalistic=True`); `alpha` scales the widths.
With `include_preprocessing=True` (the default) the model rescales [0, 255] pixels to [-1, 1]
itself, so `mobilenet_v3.preprocess_input` passes its input through.
"""

import warnings

from lamina import layers
from lamina.applications import _common, _weights, imagenet_utils
from lamina.graph.keras_tensor import is_keras_tensor

__all__ = ["MobileNetV3Small", "MobileNetV3Large", "preprocess_input", "decode_predictions"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"


def relu(x):
    return layers.ReLU()(x)


def hard_sigmoid(x):
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def hard_swish(x):
    return layers.Activation("hard_swish")(x)


def _depth(v, divisor=8, min_value=None):
    """`v` rounded to a multiple of `divisor`, never more than 10% below `v`."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _bn(x, name):
    return layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=name)(x)


def _se_block(inputs, filters, se_ratio, prefix):
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", name=f"{prefix}squeeze_excite_conv_1")(x)
    x = hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation, block_id):
    shortcut = x
    prefix = "expanded_conv_"
    infilters = x.shape[-1]
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(_depth(infilters * expansion), kernel_size=1, padding="same", use_bias=False,
                          name=f"{prefix}expand")(x)
        x = _bn(x, f"{prefix}expand_bn")
        x = activation(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size), name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride, padding="same" if stride == 1 else "valid",
                               use_bias=False, name=f"{prefix}depthwise")(x)
    x = _bn(x, f"{prefix}depthwise_bn")
    x = activation(x)
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = _bn(x, f"{prefix}project_bn")
    if stride == 1 and infilters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def _input_shape(input_shape, input_tensor):
    if input_shape is not None and input_tensor is not None:
        if not is_keras_tensor(input_tensor):
            raise ValueError(f"input_tensor specified: {input_tensor} is not a keras tensor")
        if input_tensor.shape[2] != input_shape[1]:
            raise ValueError(f"input_shape[1] must equal input_tensor.shape[2].  Received input_shape={input_shape}, "
                             f"input_tensor.shape={input_tensor.shape}")
    if input_shape is None and input_tensor is not None and is_keras_tensor(input_tensor):
        input_shape = (input_tensor.shape[2], input_tensor.shape[1], 3)
    if input_shape is None:
        input_shape = (None, None, 3)
    rows, cols = input_shape[0], input_shape[1]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape={input_shape}`")
    return tuple(input_shape)


def MobileNetV3(stack_fn, last_point_ch, input_shape=None, alpha=1.0, model_type="large", minimalistic=False,
                include_top=True, weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                dropout_rate=0.2, classifier_activation="softmax", include_preprocessing=True, name=None):
    """The MobileNetV3 skeleton around the blocks made by `stack_fn`."""
    _weights.check_weights_argument(weights, include_top, classes)
    input_shape = _input_shape(input_shape, input_tensor)
    rows, cols = input_shape[0], input_shape[1]
    if weights == "imagenet":
        if (not minimalistic and alpha not in [0.75, 1.0]) or (minimalistic and alpha != 1.0):
            raise ValueError("If imagenet weights are being loaded, alpha can be one of `0.75`, `1.0` for non "
                             "minimalistic or `1.0` for minimalistic only.")
        if rows != cols or rows != 224:
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not 224. Weights for input "
                          "shape (224, 224) will be loaded as the default.", stacklevel=3)
    img_input = _common.image_input(input_tensor, input_shape)
    if minimalistic:
        kernel, activation, se_ratio = 3, relu, None
    else:
        kernel, activation, se_ratio = 5, hard_swish, 0.25
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="conv")(x)
    x = _bn(x, "conv_bn")
    x = activation(x)
    x = stack_fn(x, kernel, activation, se_ratio)
    last_conv_ch = _depth(x.shape[-1] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False, name="conv_1")(x)
    x = _bn(x, "conv_1_bn")
    x = activation(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True, name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        _common.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    model_name = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
    suffix = ".h5" if include_top else "_no_top_v2.h5"
    return _common.finish(img_input, input_tensor, x, name, weights, f"weights_mobilenet_v3_{model_name}{suffix}",
                          BASE_WEIGHTS_PATH)


# (expansion, filters, kernel ("k" = the model's kernel), stride, se ("se" = the model's ratio), activation
# ("act" = the model's), block_id) per block.
_SMALL = [(1, 16, 3, 2, "se", "relu"), (72.0 / 16, 24, 3, 2, None, "relu"), (88.0 / 24, 24, 3, 1, None, "relu"),
          (4, 40, "k", 2, "se", "act"), (6, 40, "k", 1, "se", "act"), (6, 40, "k", 1, "se", "act"),
          (3, 48, "k", 1, "se", "act"), (3, 48, "k", 1, "se", "act"), (6, 96, "k", 2, "se", "act"),
          (6, 96, "k", 1, "se", "act"), (6, 96, "k", 1, "se", "act")]
_LARGE = [(1, 16, 3, 1, None, "relu"), (4, 24, 3, 2, None, "relu"), (3, 24, 3, 1, None, "relu"),
          (3, 40, "k", 2, "se", "relu"), (3, 40, "k", 1, "se", "relu"), (3, 40, "k", 1, "se", "relu"),
          (6, 80, 3, 2, None, "act"), (2.5, 80, 3, 1, None, "act"), (2.3, 80, 3, 1, None, "act"),
          (2.3, 80, 3, 1, None, "act"), (6, 112, 3, 1, "se", "act"), (6, 112, 3, 1, "se", "act"),
          (6, 160, "k", 2, "se", "act"), (6, 160, "k", 1, "se", "act"), (6, 160, "k", 1, "se", "act")]


def _stack(table, alpha):
    def stack_fn(x, kernel, activation, se_ratio):
        for block_id, (expansion, filters, k, stride, se, act) in enumerate(table):
            x = _inverted_res_block(x, expansion, _depth(filters * alpha), kernel if k == "k" else k, stride,
                                    se_ratio if se == "se" else None, activation if act == "act" else relu,
                                    block_id)
        return x
    return stack_fn


def MobileNetV3Small(input_shape=None, alpha=1.0, minimalistic=False, include_top=True, weights="imagenet",
                     input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2,
                     classifier_activation="softmax", include_preprocessing=True, name="MobileNetV3Small"):
    return MobileNetV3(_stack(_SMALL, alpha), 1024, input_shape, alpha, "small", minimalistic, include_top,
                       weights, input_tensor, classes, pooling, dropout_rate, classifier_activation,
                       include_preprocessing, name=name)


def MobileNetV3Large(input_shape=None, alpha=1.0, minimalistic=False, include_top=True, weights="imagenet",
                     input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2,
                     classifier_activation="softmax", include_preprocessing=True, name="MobileNetV3Large"):
    return MobileNetV3(_stack(_LARGE, alpha), 1280, input_shape, alpha, "large", minimalistic, include_top,
                       weights, input_tensor, classes, pooling, dropout_rate, classifier_activation,
                       include_preprocessing, name=name)


_EXTRA = ("        alpha: width multiplier (0.75 and 1.0 have ImageNet weights).\n"
          "        minimalistic: ReLU and 3x3 kernels only, no squeeze-and-excitation.\n"
          "        dropout_rate: dropout before the classifier.\n"
          "        include_preprocessing: whether the model rescales [0, 255] pixels itself (default True).\n")
for _fn in (MobileNetV3Small, MobileNetV3Large):
    _common.document(_fn, 224, 32, "with pixels in [0, 255] (with `include_preprocessing=True`)", extra=_EXTRA)


def preprocess_input(x, data_format=None):
    """A pass-through (MobileNetV3 preprocesses inside the model); kept for API compatibility."""
    return x


def decode_predictions(preds, top=5):
    """See `lamina.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
