"""Keras 3 reference outputs (and small weights files) for lamina's application tests.

Run with the Keras venv:
    KERAS_BACKEND=jax python tools/keras_crosscheck/applications_outputs.py tests/applications/fixtures /tmp/parts
(optionally followed by configuration keys, to share the work between processes; each result is
kept in PART_DIR and the fixture files are written once every part exists).

For each configuration in OUTPUT_CONFIGS it builds the Keras model with `weights=None`, sets every
weight to `applications_pattern.pattern_value(...)`, runs it on `input_images(...)` and stores
input and output in `keras_outputs.npz`. For FILE_CONFIGS it also writes those weights both as a
Keras 3 `.weights.h5` and as a Keras 2-format `.h5`
(the layout of Keras's ImageNet files), plus the outputs on the same images.
"""

import json
import os
import sys

import h5py
import keras
import numpy as np
from keras.src.applications import convnext, efficientnet, efficientnet_v2, nasnet, resnet
from keras.src.legacy.saving import legacy_h5_format

sys.path.insert(0, os.path.dirname(__file__))
from applications_pattern import input_images, pattern_value  # noqa: E402

# id -> (constructor, kwargs); every family once, small inputs.
OUTPUT_CONFIGS = {
    "resnet50": ("ResNet50", {"include_top": False, "pooling": "avg", "input_shape": (32, 32, 3)}),
    "resnet50v2": ("ResNet50V2", {"include_top": False, "pooling": "avg", "input_shape": (32, 32, 3)}),
    "vgg16": ("VGG16", {"include_top": False, "pooling": "max", "input_shape": (32, 32, 3)}),
    "vgg19_top": ("VGG19", {"classes": 7, "input_shape": (32, 32, 3)}),
    "densenet121": ("DenseNet121", {"include_top": False, "pooling": "avg", "input_shape": (32, 32, 3)}),
    "xception": ("Xception", {"include_top": False, "pooling": "avg", "input_shape": (71, 71, 3)}),
    "inception_v3": ("InceptionV3", {"include_top": False, "pooling": "avg", "input_shape": (75, 75, 3)}),
    "inception_resnet_v2": ("InceptionResNetV2", {"include_top": False, "pooling": "avg",
                                                  "input_shape": (75, 75, 3)}),
    "mobilenet_top": ("MobileNet", {"alpha": 0.25, "classes": 7, "input_shape": (32, 32, 3)}),
    "mobilenet_v2_top": ("MobileNetV2", {"alpha": 0.35, "classes": 7, "input_shape": (32, 32, 3)}),
    "mobilenet_v3_small_top": ("MobileNetV3Small", {"classes": 7, "input_shape": (32, 32, 3)}),
    "mobilenet_v3_large_min": ("MobileNetV3Large", {"minimalistic": True, "include_top": False, "pooling": "avg",
                                                    "input_shape": (32, 32, 3)}),
    "efficientnet_b0_top": ("EfficientNetB0", {"classes": 7, "input_shape": (32, 32, 3)}),
    "efficientnet_v2_b0_top": ("EfficientNetV2B0", {"classes": 7, "input_shape": (32, 32, 3)}),
    "efficientnet_v2_s": ("EfficientNetV2S", {"include_top": False, "pooling": "avg", "input_shape": (32, 32, 3)}),
    "convnext_tiny": ("ConvNeXtTiny", {"include_top": False, "pooling": "avg", "input_shape": (32, 32, 3)}),
    "nasnet_mobile": ("NASNetMobile", {"include_top": False, "pooling": "avg", "input_shape": (32, 32, 3)}),
}


def _tiny_resnet(include_top):
    def stack_fn(x):
        x = resnet.stack_residual_blocks_v1(x, 8, 2, stride1=1, name="conv2")
        return resnet.stack_residual_blocks_v1(x, 16, 2, name="conv3")
    return resnet.ResNet(stack_fn, False, True, name="tiny_resnet", include_top=include_top, weights=None,
                         input_shape=(32, 32, 3), pooling="avg", classes=5)


# id -> builder(); weights files are written for these (all small).
FILE_CONFIGS = {
    "mobilenet_025_top": lambda: keras.applications.MobileNet(alpha=0.25, classes=7, input_shape=(32, 32, 3),
                                                              weights=None),
    "mobilenet_025_notop": lambda: keras.applications.MobileNet(alpha=0.25, include_top=False,
                                                                input_shape=(32, 32, 3), weights=None),
    "tiny_resnet_top": lambda: _tiny_resnet(True),
    "tiny_resnet_notop": lambda: _tiny_resnet(False),
    "tiny_convnext": lambda: convnext.ConvNeXt([1, 1, 1, 1], [8, 16, 24, 32], name="tiny_convnext",
                                               input_shape=(32, 32, 3), classes=5, weights=None),
    "tiny_efficientnet": lambda: efficientnet.EfficientNet(0.25, 0.25, 32, name="tiny_efficientnet",
                                                           input_shape=(32, 32, 3), classes=5, weights=None),
    "tiny_efficientnet_v2": lambda: efficientnet_v2.EfficientNetV2(0.25, 0.25, 32, name="efficientnetv2-b0",
                                                                   input_shape=(32, 32, 3), classes=5, weights=None),
    "tiny_nasnet": lambda: nasnet.NASNet((32, 32, 3), penultimate_filters=192, num_blocks=1, stem_block_filters=8,
                                         skip_reduction=False, include_top=True, weights=None, classes=5,
                                         default_size=32, name="tiny_nasnet"),
}


def set_pattern(model):
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([pattern_value(layer.name, i, w.shape, w.path.split("/")[-1])
                               for i, w in enumerate(layer.weights)])


def _run(model, images):
    return np.asarray(keras.ops.convert_to_numpy(model(images, training=False)))


def compute(out_dir, part_dir, keys):
    """Computes the configurations in `keys` (default: all), one part file each, skipping finished ones."""
    os.makedirs(part_dir, exist_ok=True)
    for key in keys or list(OUTPUT_CONFIGS) + list(FILE_CONFIGS):
        part = os.path.join(part_dir, f"{key}.npz")
        if os.path.exists(part):
            continue
        keras.backend.clear_session()
        if key in OUTPUT_CONFIGS:
            constructor, kwargs = OUTPUT_CONFIGS[key]
            model = getattr(keras.applications, constructor)(weights=None, **kwargs)
            set_pattern(model)
        else:
            model = FILE_CONFIGS[key]()
            set_pattern(model)  # not Keras's random start: its outputs here are near-constant
            model.save_weights(os.path.join(out_dir, f"{key}.weights.h5"))
            with h5py.File(os.path.join(out_dir, f"{key}.h5"), "w") as handle:
                legacy_h5_format.save_weights_to_hdf5_group(handle, model)
        images = input_images(model.input_shape[1:])
        output = _run(model, images)
        np.savez_compressed(part, input=images, output=output, params=np.int64(model.count_params()))
        print(key, output.shape, float(np.abs(output).max()), flush=True)


def merge(out_dir, part_dir):
    """Collects the part files into keras_outputs.npz and keras_outputs.json."""
    arrays, index = {}, {"outputs": {}, "files": {}}
    for key in list(OUTPUT_CONFIGS) + list(FILE_CONFIGS):
        part = np.load(os.path.join(part_dir, f"{key}.npz"))
        arrays[f"{key}/input"], arrays[f"{key}/output"] = part["input"], part["output"]
        if key in OUTPUT_CONFIGS:
            constructor, kwargs = OUTPUT_CONFIGS[key]
            index["outputs"][key] = {"constructor": constructor, "kwargs": {
                k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()}}
        else:
            index["files"][key] = {"params": int(part["params"])}
    np.savez_compressed(os.path.join(out_dir, "keras_outputs.npz"), **arrays)
    with open(os.path.join(out_dir, "keras_outputs.json"), "w") as handle:
        json.dump(index, handle, indent=1)


if __name__ == "__main__":
    # applications_outputs.py OUT_DIR [PART_DIR [KEY ...]]: computes (all or the given keys), then
    # merges when every part exists.
    out_dir = sys.argv[1]
    part_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(out_dir, "_parts")
    compute(out_dir, part_dir, sys.argv[3:])
    if all(os.path.exists(os.path.join(part_dir, f"{k}.npz")) for k in list(OUTPUT_CONFIGS) + list(FILE_CONFIGS)):
        merge(out_dir, part_dir)
