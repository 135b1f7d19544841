"""ResNet50V2/101V2/152V2 (He et al. 2016, "Identity Mappings in Deep Residual Networks").

Pre-activation bottleneck blocks; Keras's layer names; inputs scaled to [-1, 1]
(`resnet_v2.preprocess_input`, tf mode).
"""

from lamina.applications import _common, imagenet_utils
from lamina.applications.resnet import build_resnet, stack_residual_blocks_v2

__all__ = ["ResNet50V2", "ResNet101V2", "ResNet152V2", "preprocess_input", "decode_predictions"]


def _v2_stacks(counts):
    def stack_fn(x):
        x = stack_residual_blocks_v2(x, 64, counts[0], name="conv2")
        x = stack_residual_blocks_v2(x, 128, counts[1], name="conv3")
        x = stack_residual_blocks_v2(x, 256, counts[2], name="conv4")
        return stack_residual_blocks_v2(x, 512, counts[3], stride1=1, name="conv5")
    return stack_fn


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
               classes=1000, classifier_activation="softmax", name="resnet50v2"):
    return build_resnet(_v2_stacks((3, 4, 6, 3)), True, True, name, "resnet50v2", include_top, weights,
                        input_tensor, input_shape, pooling, classes, classifier_activation)


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="resnet101v2"):
    return build_resnet(_v2_stacks((3, 4, 23, 3)), True, True, name, "resnet101v2", include_top, weights,
                        input_tensor, input_shape, pooling, classes, classifier_activation)


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="resnet152v2"):
    return build_resnet(_v2_stacks((3, 8, 36, 3)), True, True, name, "resnet152v2", include_top, weights,
                        input_tensor, input_shape, pooling, classes, classifier_activation)


for _fn in (ResNet50V2, ResNet101V2, ResNet152V2):
    _common.document(_fn, 224, 32, "preprocessed by `resnet_v2.preprocess_input` (to [-1, 1])")


def preprocess_input(x, data_format=None):
    """ResNetV2's preprocessing (tf mode): pixels scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """See `lamina.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
