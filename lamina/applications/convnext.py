"""ConvNeXt Tiny/Small/Base/Large/XLarge (Liu et al. 2022, "A ConvNet for the 2020s").

A patchify stem, four stages of ConvNeXt blocks (7x7 depthwise convolution, LayerNormalization,
an inverted MLP with GELU, `LayerScale`) and strided downsampling between stages; the stem and
downsampling layers are nested `Sequential` models named as in Keras. With
`include_preprocessing=True` (the default) the model normalises [0, 255] pixels itself, so
`convnext.preprocess_input` passes its input through.
"""

import torch

from lamina import layers
from lamina.applications import _common, imagenet_utils
from lamina.layers.layer import Layer
from lamina.saving.registration import register_serializable

__all__ = [
    "ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge", "LayerScale",
    "StochasticDepth", "preprocess_input", "decode_predictions",
]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"
MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024], "default_size": 224},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536], "default_size": 224},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048], "default_size": 224},
}


@register_serializable(package="applications")
class StochasticDepth(Layer):
    """Drops the whole residual branch per sample with probability `drop_path_rate` in training.

    Args:
        drop_path_rate: probability of dropping a sample's branch; kept samples are scaled by
            `1 / (1 - drop_path_rate)`.

    Example:
        >>> StochasticDepth(0.1)(torch.ones(4, 8), training=False).shape
        torch.Size([4, 8])
    """

    def __init__(self, drop_path_rate, **kwargs):
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate

    def call(self, x, training=None):
        if training:
            keep_prob = 1 - self.drop_path_rate
            shape = (x.shape[0],) + (1,) * (x.dim() - 1)
            random_tensor = torch.floor(keep_prob + torch.rand(shape, dtype=x.dtype, device=x.device))
            return (x / keep_prob) * random_tensor
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"drop_path_rate": self.drop_path_rate})
        return config


@register_serializable(package="applications")
class LayerScale(Layer):
    """Multiplies the last axis by a learned per-channel `gamma` (initialised to `init_values`).

    Args:
        init_values: initial value of every entry of `gamma`.
        projection_dim: size of the last axis.

    Example:
        >>> LayerScale(1e-6, 8)(torch.ones(2, 8)).max()
        tensor(1.0000e-06, grad_fn=...)
    """

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, _):
        from lamina.initializers import Constant

        self.gamma = self.add_weight(shape=(self.projection_dim,), initializer=Constant(self.init_values),
                                     trainable=True, name="gamma")

    def call(self, x):
        return x * self.gamma

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"init_values": self.init_values, "projection_dim": self.projection_dim})
        return config


def ConvNeXtBlock(projection_dim, drop_path_rate=0.0, layer_scale_init_value=1e-6, name=None):
    """One ConvNeXt block as a function of its input: `inputs + branch(inputs)`."""
    def apply(inputs):
        x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same", groups=projection_dim,
                          name=f"{name}_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim, name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            layer = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            layer = layers.Activation("linear", name=f"{name}_identity")
        return inputs + layer(x)
    return apply


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0, layer_scale_init_value=1e-6, default_size=224,
             name="convnext", include_preprocessing=True, include_top=True, weights=None, input_tensor=None,
             input_shape=None, pooling=None, classes=1000, classifier_activation="softmax", weights_name=None):
    """The ConvNeXt skeleton; the five constructors fix depths and widths."""
    from lamina.models import Sequential

    input_shape = _common.prepare(weights, include_top, classes, input_shape, default_size=default_size,
                                  min_size=32)
    img_input = _common.image_input(input_tensor, input_shape)
    x = img_input
    if include_preprocessing and input_shape[2] == 3:
        x = layers.Normalization(mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
                                 variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
                                 name=f"{name}_prestem_normalization")(x)
    downsample_layers = [Sequential(
        [layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
         layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm")],
        name=f"{name}_stem")]
    for i in range(3):
        downsample_layers.append(Sequential(
            [layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
             layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2, name=f"{name}_downsampling_conv_{i}")],
            name=f"{name}_downsampling_block_{i}"))
    total = sum(depths)
    depth_drop_rates = [drop_path_rate * k / (total - 1) if total > 1 else 0.0 for k in range(total)]
    cur = 0
    for i in range(4):
        x = downsample_layers[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dim=projection_dims[i], drop_path_rate=depth_drop_rates[cur + j],
                              layer_scale_init_value=layer_scale_init_value, name=f"{name}_stage_{i}_block_{j}")(x)
        cur += depths[i]
    if include_top:
        _common.validate_activation(classifier_activation, weights)
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        x = layers.Dense(classes, activation=classifier_activation, name=f"{name}_head_dense")(x)
    else:
        if pooling == "avg":
            x = layers.GlobalAveragePooling2D()(x)
        elif pooling == "max":
            x = layers.GlobalMaxPooling2D()(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    if weights == "imagenet":
        expected = MODEL_CONFIGS[weights_name.split("convnext_")[-1]]
        if depths != expected["depths"] or projection_dims != expected["projection_dims"]:
            raise ValueError(f"Architecture configuration does not match {weights_name} variant. Expected depths: "
                             f"{expected['depths']}, got: {depths}. Expected projection_dims: "
                             f"{expected['projection_dims']}, got: {projection_dims}.")
        if weights_name not in name:
            raise ValueError(f'Model name "{name}" does not match weights variant "{weights_name}". When using '
                             f'imagenet weights, model name must contain the weights variant (e.g., "{weights_name}").')
    file_name = name + (".h5" if include_top else "_notop.h5")
    return _common.finish(img_input, input_tensor, x, name, weights, file_name, BASE_WEIGHTS_PATH)


def _variant(title, key):
    config = MODEL_CONFIGS[key]

    def constructor(include_top=True, include_preprocessing=True, weights="imagenet", input_tensor=None,
                    input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
                    name=f"convnext_{key}"):
        return ConvNeXt(weights_name=f"convnext_{key}", depths=config["depths"],
                        projection_dims=config["projection_dims"], drop_path_rate=0.0, layer_scale_init_value=1e-6,
                        default_size=config["default_size"], name=name, include_top=include_top,
                        include_preprocessing=include_preprocessing, weights=weights, input_tensor=input_tensor,
                        input_shape=input_shape, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation)
    constructor.__name__ = constructor.__qualname__ = title
    constructor.__module__ = __name__
    return _common.document(
        constructor, 224, 32, "with pixels in [0, 255] (with `include_preprocessing=True`)",
        extra="        include_preprocessing: whether the model normalises its input itself (default True).\n")


ConvNeXtTiny = _variant("ConvNeXtTiny", "tiny")
ConvNeXtSmall = _variant("ConvNeXtSmall", "small")
ConvNeXtBase = _variant("ConvNeXtBase", "base")
ConvNeXtLarge = _variant("ConvNeXtLarge", "large")
ConvNeXtXLarge = _variant("ConvNeXtXLarge", "xlarge")


def preprocess_input(x, data_format=None):
    """A pass-through (ConvNeXt preprocesses inside the model); kept for API compatibility."""
    return x


def decode_predictions(preds, top=5):
    """See `lamina.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
