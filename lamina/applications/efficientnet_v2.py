"""EfficientNetV2 B0-B3, S, M, L (Tan & Le 2021, "EfficientNetV2: Smaller Models and Faster
Training").

Fused-MBConv blocks (a full 3x3 convolution instead of expansion + depthwise) in the early
stages, MBConv blocks with squeeze-and-excitation later; BatchNormalization momentum 0.9.
With `include_preprocessing=True` (the default) the model rescales its input itself
(B variants: to [0, 1] then ImageNet mean/variance; S/M/L: to [-1, 1]), so feed pixels in
[0, 255]; `efficientnet_v2.preprocess_input` passes its input through.
"""

import copy
import math

from lamina import layers
from lamina.applications import _common, imagenet_utils
from lamina.applications.efficientnet import CONV_KERNEL_INITIALIZER, DENSE_KERNEL_INITIALIZER

__all__ = [
    "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2S",
    "EfficientNetV2M", "EfficientNetV2L", "preprocess_input", "decode_predictions",
]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/"

_KEYS = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio", "se_ratio", "strides",
         "conv_type")  # conv_type 1: FusedMBConv, 0: MBConv
_B_STAGES = [(3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
             (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0), (3, 8, 112, 192, 6, 0.25, 2, 0)]
_STAGES = {
    "efficientnetv2-s": [(3, 2, 24, 24, 1, 0.0, 1, 1), (3, 4, 24, 48, 4, 0.0, 2, 1), (3, 4, 48, 64, 4, 0, 2, 1),
                         (3, 6, 64, 128, 4, 0.25, 2, 0), (3, 9, 128, 160, 6, 0.25, 1, 0),
                         (3, 15, 160, 256, 6, 0.25, 2, 0)],
    "efficientnetv2-m": [(3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1), (3, 5, 48, 80, 4, 0, 2, 1),
                         (3, 7, 80, 160, 4, 0.25, 2, 0), (3, 14, 160, 176, 6, 0.25, 1, 0),
                         (3, 18, 176, 304, 6, 0.25, 2, 0), (3, 5, 304, 512, 6, 0.25, 1, 0)],
    "efficientnetv2-l": [(3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1), (3, 7, 64, 96, 4, 0, 2, 1),
                         (3, 10, 96, 192, 4, 0.25, 2, 0), (3, 19, 192, 224, 6, 0.25, 1, 0),
                         (3, 25, 224, 384, 6, 0.25, 2, 0), (3, 7, 384, 640, 6, 0.25, 1, 0)],
    "efficientnetv2-b0": _B_STAGES, "efficientnetv2-b1": _B_STAGES, "efficientnetv2-b2": _B_STAGES,
    "efficientnetv2-b3": _B_STAGES,
}
DEFAULT_BLOCKS_ARGS = {key: [dict(zip(_KEYS, row)) for row in rows] for key, rows in _STAGES.items()}


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    return int(max(minimum_depth, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats, depth_coefficient):
    return int(math.ceil(depth_coefficient * repeats))


def _squeeze_excite(x, input_filters, filters, se_ratio, activation, name):
    filters_se = max(1, int(input_filters * se_ratio))
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se = layers.Reshape((1, 1, filters), name=f"{name}se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid", kernel_initializer=CONV_KERNEL_INITIALIZER,
                       name=f"{name}se_expand")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name):
    if strides == 1 and input_filters == output_filters:
        if survival_probability:
            x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def _mbconv(inputs, input_filters, output_filters, expand_ratio, kernel_size, strides, se_ratio, bn_momentum,
            activation, survival_probability, name):
    filters = input_filters * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = layers.Conv2D(filters=filters, kernel_size=1, strides=1, kernel_initializer=CONV_KERNEL_INITIALIZER,
                          padding="same", use_bias=False, name=f"{name}expand_conv")(x)
        x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides, depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               padding="same", use_bias=False, name=f"{name}dwconv2")(x)
    x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = _squeeze_excite(x, input_filters, filters, se_ratio, activation, name)
    x = layers.Conv2D(filters=output_filters, kernel_size=1, strides=1, kernel_initializer=CONV_KERNEL_INITIALIZER,
                      padding="same", use_bias=False, name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name=f"{name}project_bn")(x)
    return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)


def _fused_mbconv(inputs, input_filters, output_filters, expand_ratio, kernel_size, strides, se_ratio,
                  bn_momentum, activation, survival_probability, name):
    filters = input_filters * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = layers.Conv2D(filters, kernel_size=kernel_size, strides=strides, kernel_initializer=CONV_KERNEL_INITIALIZER,
                          padding="same", use_bias=False, name=f"{name}expand_conv")(x)
        x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation=activation, name=f"{name}expand_activation")(x)
    if 0 < se_ratio <= 1:
        x = _squeeze_excite(x, input_filters, filters, se_ratio, activation, name)
    x = layers.Conv2D(output_filters, kernel_size=1 if expand_ratio != 1 else kernel_size,
                      strides=1 if expand_ratio != 1 else strides, kernel_initializer=CONV_KERNEL_INITIALIZER,
                      padding="same", use_bias=False, name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name=f"{name}project_bn")(x)
    if expand_ratio == 1:
        x = layers.Activation(activation=activation, name=f"{name}project_activation")(x)
    return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)


def EfficientNetV2(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2, drop_connect_rate=0.2,
                   depth_divisor=8, min_depth=8, bn_momentum=0.9, activation="swish", blocks_args="default",
                   name="efficientnetv2", include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
                   include_preprocessing=True, weights_name=None, variant=None):
    """The EfficientNetV2 family skeleton; `variant` ("efficientnetv2-b0", ...) picks the stages."""
    variant = variant or name
    if blocks_args == "default":
        if variant not in DEFAULT_BLOCKS_ARGS:
            raise ValueError(f"EfficientNetV2: no default blocks for '{variant}'; expected one of "
                             f"{sorted(DEFAULT_BLOCKS_ARGS)} or explicit `blocks_args`.")
        blocks_args = DEFAULT_BLOCKS_ARGS[variant]
    input_shape = _common.prepare(weights, include_top, classes, input_shape, default_size=default_size,
                                  min_size=32)
    img_input = _common.image_input(input_tensor, input_shape)
    x = img_input
    if include_preprocessing:
        if variant.split("-")[-1].startswith("b") and input_shape[2] == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.229**2, 0.224**2, 0.225**2],
                                     axis=3)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)

    def rounded(filters):
        return round_filters(filters=filters, width_coefficient=width_coefficient, min_depth=min_depth,
                             depth_divisor=depth_divisor)

    x = layers.Conv2D(filters=rounded(blocks_args[0]["input_filters"]), kernel_size=3, strides=2,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same", use_bias=False, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    blocks_args = copy.deepcopy(blocks_args)
    b = 0
    blocks = float(sum(args["num_repeat"] for args in blocks_args))
    for i, args in enumerate(blocks_args):
        if args["num_repeat"] <= 0:
            raise ValueError(f"The number of repeats in `EfficientNetV2` must be > 0. Received: "
                             f"num_repeat={args['num_repeat']}")
        args["input_filters"] = rounded(args["input_filters"])
        args["output_filters"] = rounded(args["output_filters"])
        block = {0: _mbconv, 1: _fused_mbconv}[args.pop("conv_type")]
        for j in range(round_repeats(repeats=args.pop("num_repeat"), depth_coefficient=depth_coefficient)):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = block(x, activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * b / blocks, name=f"block{i + 1}{chr(j + 97)}_",
                      **args)
            b += 1

    x = layers.Conv2D(filters=rounded(1280), kernel_size=1, strides=1, kernel_initializer=CONV_KERNEL_INITIALIZER,
                      padding="same", use_bias=False, name="top_conv")(x)
    x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name="top_bn")(x)
    x = layers.Activation(activation=activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        _common.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, kernel_initializer=DENSE_KERNEL_INITIALIZER,
                         bias_initializer="zeros", name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    file_name = name + (".h5" if include_top else "_notop.h5")
    return _common.finish(img_input, input_tensor, x, name, weights, file_name, BASE_WEIGHTS_PATH)


def _variant(title, key, width, depth, size):
    def constructor(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                    classes=1000, classifier_activation="softmax", include_preprocessing=True,
                    name=f"efficientnetv2-{key}"):
        return EfficientNetV2(width_coefficient=width, depth_coefficient=depth, default_size=size, name=name,
                              include_top=include_top, weights=weights, input_tensor=input_tensor,
                              input_shape=input_shape, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing, weights_name=key,
                              variant=f"efficientnetv2-{key}")
    constructor.__name__ = constructor.__qualname__ = title
    constructor.__module__ = __name__
    return _common.document(
        constructor, size, 32, "with pixels in [0, 255] (with `include_preprocessing=True`)",
        extra="        include_preprocessing: whether the model rescales its input itself (default True).\n")


EfficientNetV2B0 = _variant("EfficientNetV2B0", "b0", 1.0, 1.0, 224)
EfficientNetV2B1 = _variant("EfficientNetV2B1", "b1", 1.0, 1.1, 240)
EfficientNetV2B2 = _variant("EfficientNetV2B2", "b2", 1.1, 1.2, 260)
EfficientNetV2B3 = _variant("EfficientNetV2B3", "b3", 1.2, 1.4, 300)
EfficientNetV2S = _variant("EfficientNetV2S", "s", 1.0, 1.0, 384)
EfficientNetV2M = _variant("EfficientNetV2M", "m", 1.0, 1.0, 480)
EfficientNetV2L = _variant("EfficientNetV2L", "l", 1.0, 1.0, 480)


def preprocess_input(x, data_format=None):
    """A pass-through (EfficientNetV2 preprocesses inside the model); kept for API compatibility."""
    return x


def decode_predictions(preds, top=5):
    """See `lamina.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
