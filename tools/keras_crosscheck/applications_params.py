"""Dumps Keras 3's parameter counts and weighted-layer listings for every application constructor.

Run with the Keras venv (KERAS_BACKEND=jax):
    KERAS_BACKEND=jax python tools/keras_crosscheck/applications_params.py \
        tests/applications/fixtures/keras_param_counts.json [DUMP_DIR [START STOP]]
(DUMP_DIR receives the full listings, for finding a difference; START/STOP run a slice of CONFIGS.)

For each configuration it records `count_params()`, the number of weighted layers and a SHA-1
digest of the "name:shapes" listing of those layers in `model.layers` order (the same listing
lamina computes in tests/applications/test_param_counts.py), so that layer names, weight order
and weight shapes are all checked without storing megabytes.
"""

import hashlib
import json
import sys

import keras

# (constructor, keyword arguments); weights=None everywhere.
CONFIGS = [(name, {}) for name in [
    "ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge",
    "DenseNet121", "DenseNet169", "DenseNet201",
    "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3", "EfficientNetB4",
    "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
    "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
    "EfficientNetV2S", "EfficientNetV2M", "EfficientNetV2L",
    "InceptionResNetV2", "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Small",
    "MobileNetV3Large", "NASNetMobile", "NASNetLarge",
    "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2",
    "VGG16", "VGG19", "Xception",
]]
CONFIGS += [
    ("ResNet50", {"include_top": False, "pooling": "avg"}),
    ("ResNet50", {"include_top": False, "input_shape": (64, 64, 3)}),
    ("VGG16", {"include_top": False, "pooling": "max", "input_shape": (48, 48, 3)}),
    ("MobileNet", {"alpha": 0.25, "include_top": False, "input_shape": (128, 128, 3)}),
    ("MobileNet", {"alpha": 0.5, "depth_multiplier": 2, "classes": 10, "input_shape": (160, 160, 3)}),
    ("MobileNetV2", {"alpha": 0.35, "classes": 7, "input_shape": (96, 96, 3)}),
    ("MobileNetV2", {"alpha": 1.4, "include_top": False}),
    ("MobileNetV3Small", {"minimalistic": True, "include_top": False, "alpha": 0.75}),
    ("MobileNetV3Large", {"include_preprocessing": False, "classes": 5}),
    ("EfficientNetB0", {"include_top": False, "pooling": "max"}),
    ("EfficientNetV2B0", {"include_preprocessing": False, "classes": 3}),
    ("ConvNeXtTiny", {"include_top": False, "include_preprocessing": False}),
    ("DenseNet121", {"include_top": False, "input_shape": (64, 64, 3)}),
    ("Xception", {"include_top": False, "input_shape": (71, 71, 3)}),
    ("InceptionV3", {"include_top": False, "input_shape": (75, 75, 3)}),
    ("InceptionResNetV2", {"include_top": False, "input_shape": (75, 75, 3)}),
    ("NASNetMobile", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("ResNet50V2", {"classes": 10, "classifier_activation": None}),
]


def listing(model):
    rows = []
    for layer in model.layers:
        if layer.weights:
            shapes = ",".join(str(tuple(int(d) for d in w.shape)) for w in layer.weights)
            rows.append(f"{layer.name}:{shapes}")
    return rows


def main(out_path, dump_dir=None, start=0, stop=None):
    records = []
    for index, (name, kwargs) in enumerate(CONFIGS):
        if index < start or (stop is not None and index >= stop):
            continue
        keras.backend.clear_session()
        model = getattr(keras.applications, name)(weights=None, **kwargs)
        rows = listing(model)
        records.append({
            "constructor": name,
            "kwargs": {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()},
            "params": int(model.count_params()),
            "trainable_params": int(sum(int(w.numpy().size) for w in model.trainable_weights)),
            "weighted_layers": len(rows),
            "listing_sha1": hashlib.sha1("\n".join(rows).encode()).hexdigest(),
            "model_name": model.name,
            "output_shape": list(model.output_shape),
        })
        if dump_dir:
            tag = f"{index:02d}_{name}"
            with open(f"{dump_dir}/{tag}.txt", "w") as handle:
                handle.write("\n".join(rows))
        print(records[-1], flush=True)
    with open(out_path, "w") as handle:
        json.dump(records, handle, indent=1)


if __name__ == "__main__":
    args = sys.argv[1:] + [None] * 4
    main(args[0], args[1], int(args[2] or 0), int(args[3]) if args[3] else None)
