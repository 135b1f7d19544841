"""VGG16 (Simonyan & Zisserman 2014, "Very Deep Convolutional Networks for Large-Scale Image
Recognition"): five blocks of 3x3 convolutions and max pooling, then fc1/fc2/predictions.

Keras's layer names (`block1_conv1`, ..., `fc1`, `fc2`, `predictions`); inputs as
`vgg16.preprocess_input` makes them (caffe mode).
"""

from lamina import layers
from lamina.applications import _common, imagenet_utils

__all__ = ["VGG16", "preprocess_input", "decode_predictions"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/"


def build_vgg(convs_per_block, name, weights_name, include_top, weights, input_tensor, input_shape,
              pooling, classes, classifier_activation):
    """VGG with `convs_per_block[i]` convolutions in block i+1 (filters 64, 128, 256, 512, 512)."""
    input_shape = _common.prepare(weights, include_top, classes, input_shape, default_size=224, min_size=32)
    img_input = _common.image_input(input_tensor, input_shape)
    x = img_input
    for block, (filters, count) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), start=1):
        for conv in range(1, count + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{conv}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        _common.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    suffix = "" if include_top else "_notop"
    file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    return _common.finish(img_input, input_tensor, x, name, weights, file_name,
                          f"{BASE_WEIGHTS_PATH}{weights_name}/")




def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", name="vgg16"):
    return build_vgg((2, 2, 3, 3, 3), name, "vgg16", include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation)


_common.document(VGG16, 224, 32, "preprocessed by `vgg16.preprocess_input` (caffe mode)")


def preprocess_input(x, data_format=None):
    """VGG's preprocessing (caffe mode): RGB->BGR, minus the ImageNet mean pixel, no scaling."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """See `lamina.applications.imagenet_utils.decode_predictions`."""
    return imagenet_utils.decode_predictions(preds, top=top)
