"""Keras-computed outputs of the image preprocessing layers, for tests/layers/test_image_preprocessing.py.

Run with Keras 3 (JAX backend): KERAS_BACKEND=jax <keras venv>/bin/python image_layers.py OUT.npz

For every case, Keras draws one random transformation (`get_random_transformation`), applies it
(`transform_images`, training=True) and also runs the layer in inference. The file keeps the
layer's Keras config, the input images, the transformation and both outputs, so lamina can
apply the very same transformation and must give the same pixels.
"""

import json
import sys

import numpy as np

import keras
from keras import layers

CASES = [
    ("flip", layers.RandomFlip(seed=1)),
    ("flip_h", layers.RandomFlip("horizontal", seed=2)),
    ("flip_v_cf", layers.RandomFlip("vertical", seed=3, data_format="channels_first")),
    ("brightness", layers.RandomBrightness(0.3, seed=1)),
    ("brightness_unit", layers.RandomBrightness((-0.2, 0.4), value_range=(0, 1), seed=1)),
    ("contrast", layers.RandomContrast(0.5, seed=1)),
    ("contrast_cf", layers.RandomContrast((0.2, 0.6), seed=1, data_format="channels_first")),
    ("invert", layers.RandomInvert(0.7, seed=1)),
    ("solarization", layers.Solarization(addition_factor=0.3, threshold_factor=(0.4, 0.8), seed=1)),
    ("posterization", layers.RandomPosterization((2, 6), seed=1)),
    ("degeneration", layers.RandomColorDegeneration(0.8, seed=1)),
    ("grayscale", layers.RandomGrayscale(0.5, seed=1)),
    ("autocontrast", layers.AutoContrast()),
    ("resizing", layers.Resizing(5, 7)),
    ("resizing_crop", layers.Resizing(6, 4, crop_to_aspect_ratio=True)),
    ("resizing_nearest", layers.Resizing(12, 10, interpolation="nearest")),
    ("center_crop", layers.CenterCrop(5, 6)),
    ("center_crop_up", layers.CenterCrop(12, 6)),
    ("random_crop", layers.RandomCrop(5, 6, seed=1)),
    ("rotation", layers.RandomRotation(0.2, seed=1)),
    ("rotation_constant_nearest", layers.RandomRotation((-0.3, 0.1), fill_mode="constant", fill_value=7.0,
                                                       interpolation="nearest", seed=1)),
    ("rotation_wrap", layers.RandomRotation(0.25, fill_mode="wrap", seed=1)),
    ("rotation_nearest_fill", layers.RandomRotation(0.25, fill_mode="nearest", seed=1)),
    ("zoom", layers.RandomZoom(0.3, seed=1)),
    ("zoom_hw", layers.RandomZoom((-0.4, -0.1), (0.1, 0.3), fill_mode="constant", seed=1)),
    ("translation", layers.RandomTranslation(0.2, (-0.3, 0.1), seed=1)),
    ("translation_cf", layers.RandomTranslation(0.2, 0.2, fill_mode="wrap", seed=1, data_format="channels_first")),
    ("shear", layers.RandomShear(0.3, 0.2, seed=1)),
    ("mix_up", layers.MixUp(alpha=0.4, seed=1)),
    ("cut_mix", layers.CutMix(0.8, seed=1)),
    ("erasing_noise", layers.RandomErasing(0.9, seed=1)),
    ("hue", layers.RandomHue(0.4, seed=1)),
    ("saturation", layers.RandomSaturation((0.2, 0.8), seed=1)),
    ("gaussian_blur", layers.RandomGaussianBlur(0.8, kernel_size=5, sigma=(0.3, 0.9), seed=1)),
    ("sharpness", layers.RandomSharpness(0.7, seed=1)),
    ("equalization_single", layers.Equalization()),
    ("clahe", layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 3))),
    ("clahe_noclip", layers.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=0, tile_grid_size=(4, 4))),
    ("perspective", layers.RandomPerspective(0.9, scale=0.6, seed=1)),
    ("erasing_constant", layers.RandomErasing(1.0, scale=(0.1, 0.5), fill_value=50, seed=1)),
]


def to_numpy(value):
    if isinstance(value, dict):
        return {k: to_numpy(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [to_numpy(v) for v in value]
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return np.asarray(value)


def main(out_path):
    rng = np.random.default_rng(0)
    arrays = {}
    index = {}
    for name, layer in CASES:
        cf = layer.get_config().get("data_format") == "channels_first"
        batch = 1 if name == "equalization_single" else 3
        shape = (batch, 3, 9, 8) if cf else (batch, 9, 8, 3)
        images = (rng.random(shape) * 255).astype("float32")
        drawn = layer.get_random_transformation(images, training=True)
        trained = np.asarray(layer.transform_images(images, drawn, training=True))
        transformation = to_numpy(drawn)
        inference = np.asarray(layer(images, training=False))
        arrays[f"{name}/images"] = images
        arrays[f"{name}/training"] = trained
        arrays[f"{name}/inference"] = inference
        flat = {}
        if isinstance(transformation, dict):
            for key, value in transformation.items():
                if isinstance(value, np.ndarray):
                    arrays[f"{name}/t/{key}"] = value
                else:
                    flat[key] = value
            kind = "dict"
        elif isinstance(transformation, np.ndarray):
            arrays[f"{name}/t"] = transformation
            kind = "array"
        else:
            flat = transformation
            kind = "plain"
        index[name] = {"class_name": type(layer).__name__, "config": layer.get_config(), "kind": kind,
                       "plain": flat}
    arrays["index"] = np.frombuffer(json.dumps(index, default=lambda o: np.asarray(o).tolist()).encode(), dtype=np.uint8)
    np.savez_compressed(out_path, **arrays)
    print(f"wrote {len(CASES)} cases to {out_path}")


if __name__ == "__main__":
    main(sys.argv[1])
