"""`.keras` files with every image preprocessing layer, both ways.

    KERAS_BACKEND=jax <keras venv>/bin/python image_layers_files.py keras save DIR   # Keras writes
    .venv/bin/python image_layers_files.py lamina save DIR                          # lamina writes
    <either> image_layers_files.py <framework> load DIR                             # the other reads

The model chains 30 of the 31 layers (inference path), so loading checks every class's config and
`predict` compares the outputs of the two frameworks. `Equalization` is left out: in a Keras 3.15
Functional model it returns its input tensor itself, which Keras then reports as a cycle.
"""

import sys

import numpy as np


def build(keras):
    L = keras.layers
    inputs = keras.Input((20, 24, 3))
    x = L.Resizing(18, 22)(inputs)
    x = L.CenterCrop(16, 20)(x)
    x = L.RandomCrop(16, 20, seed=1)(x)  # the input size: Keras 3.15 skips inference crops (see RandomCrop)
    for layer in [L.RandomFlip(seed=1), L.RandomRotation(0.1, seed=1), L.RandomZoom(0.1, seed=1),
                  L.RandomTranslation(0.1, 0.1, seed=1), L.RandomShear(0.1, 0.1, seed=1),
                  L.RandomContrast(0.2, seed=1), L.RandomBrightness(0.2, seed=1), L.RandomHue(0.1, seed=1),
                  L.RandomSaturation(0.4, seed=1), L.RandomColorJitter(brightness_factor=0.1, seed=1),
                  L.RandomColorDegeneration(0.2, seed=1), L.RandomGrayscale(0.2, seed=1),
                  L.RandomInvert(0.1, seed=1), L.RandomPosterization(4, seed=1), L.Solarization(0.1, 0.1, seed=1),
                  L.RandomSharpness(0.2, seed=1), L.RandomGaussianBlur(0.2, seed=1), L.RandomErasing(0.2, seed=1),
                  L.RandomPerspective(0.2, seed=1), L.RandomElasticTransform(0.2, seed=1),
                  L.AutoContrast(),
                  L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2)),
                  L.AugMix(seed=1), L.RandAugment(seed=1), L.CutMix(seed=1), L.MixUp(seed=1),
                  L.MaxNumBoundingBoxes(5)]:
        x = layer(x)
    return keras.Model(inputs, x, name="every_image_layer")


def images():
    return (np.random.default_rng(0).random((2, 20, 24, 3)) * 255).astype("float32")


def main(framework, action, folder):
    if framework == "keras":
        import keras
    else:
        import lamina as keras
    if action == "save":
        model = build(keras)
        model.save(f"{folder}/{framework}_image_layers.keras")
        np.save(f"{folder}/{framework}_image_layers_out.npy", model.predict(images(), verbose=0))
        return
    other = "lamina" if framework == "keras" else "keras"
    model = keras.models.load_model(f"{folder}/{other}_image_layers.keras")
    expected = np.load(f"{folder}/{other}_image_layers_out.npy")
    got = model.predict(images(), verbose=0)
    diff = float(np.abs(got - expected).max())
    print(f"{other} file loaded by {framework}: {len(model.layers)} layers, max |diff| {diff:.2e}",
          "OK" if diff < 1e-3 else "FAILED")


if __name__ == "__main__":
    main(*sys.argv[1:4])
