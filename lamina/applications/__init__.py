"""`lamina.applications`: Keras's image classification models, built from lamina layers.

Every constructor of `keras.applications` with Keras's arguments, defaults, layer names and
weight order, so that Keras weight files load as they are: `weights="path"` takes a Keras 3
`.weights.h5`/`.keras` file or a Keras 2 `.h5` file (matched by layer name);
`weights="imagenet"` reads Keras's file from Keras's cache (`~/.keras/models/`, or
`$KERAS_HOME/models/`); nothing is downloaded. Models are channels_last.

Example:
    >>> base = lamina.applications.ResNet50(weights=None, include_top=False, pooling="avg",
    ...                                     input_shape=(160, 160, 3))
    >>> base.output_shape
    (None, 2048)
"""

from lamina.applications import (
    convnext,
    densenet,
    efficientnet,
    efficientnet_v2,
    imagenet_utils,
    inception_resnet_v2,
    inception_v3,
    mobilenet,
    mobilenet_v2,
    mobilenet_v3,
    nasnet,
    resnet,
    resnet50,
    resnet_v2,
    vgg16,
    vgg19,
    xception,
)
from lamina.applications.convnext import (
    ConvNeXtBase, ConvNeXtLarge, ConvNeXtSmall, ConvNeXtTiny, ConvNeXtXLarge,
)
from lamina.applications.densenet import DenseNet121, DenseNet169, DenseNet201
from lamina.applications.efficientnet import (
    EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3, EfficientNetB4, EfficientNetB5,
    EfficientNetB6, EfficientNetB7,
)
from lamina.applications.efficientnet_v2 import (
    EfficientNetV2B0, EfficientNetV2B1, EfficientNetV2B2, EfficientNetV2B3, EfficientNetV2L, EfficientNetV2M,
    EfficientNetV2S,
)
from lamina.applications.inception_resnet_v2 import InceptionResNetV2
from lamina.applications.inception_v3 import InceptionV3
from lamina.applications.mobilenet import MobileNet
from lamina.applications.mobilenet_v2 import MobileNetV2
from lamina.applications.mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
from lamina.applications.nasnet import NASNetLarge, NASNetMobile
from lamina.applications.resnet import ResNet50, ResNet101, ResNet152
from lamina.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from lamina.applications.vgg16 import VGG16
from lamina.applications.vgg19 import VGG19
from lamina.applications.xception import Xception

__all__ = [
    "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny", "ConvNeXtXLarge",
    "DenseNet121", "DenseNet169", "DenseNet201",
    "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3", "EfficientNetB4",
    "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
    "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2L",
    "EfficientNetV2M", "EfficientNetV2S",
    "InceptionResNetV2", "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Large", "MobileNetV3Small",
    "NASNetLarge", "NASNetMobile", "ResNet101", "ResNet101V2", "ResNet152", "ResNet152V2", "ResNet50",
    "ResNet50V2", "VGG16", "VGG19", "Xception",
    "convnext", "densenet", "efficientnet", "efficientnet_v2", "imagenet_utils", "inception_resnet_v2",
    "inception_v3", "mobilenet", "mobilenet_v2", "mobilenet_v3", "nasnet", "resnet", "resnet50", "resnet_v2",
    "vgg16", "vgg19", "xception",
]
