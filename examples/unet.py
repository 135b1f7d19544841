"""A tiny U-Net for image segmentation on synthetic data, built with the Functional API.

Shows an encoder-decoder with skip connections: Conv2D + MaxPooling2D going
down, Conv2DTranspose (learned) and UpSampling2D (fixed) going up, and
`Concatenate` joining each decoder stage to the encoder stage of the same size.
The task: find the bright rectangles in noisy 32x32 images (drawn in this
script, no download); the model predicts a per-pixel probability and the
script reports pixel accuracy and intersection-over-union (IoU).

    python examples/unet.py                   # ~10 epochs, IoU ~0.9
    python examples/unet.py --fast            # smoke run: 16x16 images, 1 epoch
"""

import argparse
import os
import tempfile
import time

import numpy as np
import torch

import lamina as keras
from lamina import layers


def make_data(n, size, seed=0):
    """Images with 1-3 filled rectangles of random brightness on noise; masks mark rectangle pixels."""
    rng = np.random.default_rng(seed)
    images = rng.normal(0.0, 0.3, (n, size, size, 1)).astype("float32")
    masks = np.zeros((n, size, size, 1), dtype="float32")
    for i in range(n):
        for _ in range(rng.integers(1, 4)):
            h, w = rng.integers(size // 8, size // 2, size=2)
            top, left = rng.integers(0, size - h), rng.integers(0, size - w)
            images[i, top:top + h, left:left + w] += rng.uniform(0.6, 1.2)
            masks[i, top:top + h, left:left + w] = 1.0
    return images, masks


def conv_block(x, filters):
    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return layers.Conv2D(filters, 3, padding="same", activation="relu")(x)


def build_model(size, width=16):
    inputs = keras.Input(shape=(size, size, 1), name="image")
    e1 = conv_block(inputs, width)                                     # size
    e2 = conv_block(layers.MaxPooling2D()(e1), 2 * width)             # size / 2
    bottom = conv_block(layers.MaxPooling2D()(e2), 4 * width)         # size / 4
    # Learned upsampling on the first way up ...
    u2 = layers.Conv2DTranspose(2 * width, 2, strides=2, padding="same")(bottom)
    d2 = conv_block(layers.Concatenate()([u2, e2]), 2 * width)
    # ... and fixed nearest-neighbour upsampling followed by a conv on the second.
    u1 = layers.Conv2D(width, 1)(layers.UpSampling2D(2)(d2))
    d1 = conv_block(layers.Concatenate()([u1, e1]), width)
    outputs = layers.Conv2D(1, 1, activation="sigmoid", name="mask")(d1)
    return keras.Model(inputs, outputs, name="tiny_unet")


def segmentation_scores(masks, probabilities):
    predicted = probabilities > 0.5
    truth = masks > 0.5
    pixel_accuracy = float(np.mean(predicted == truth))
    iou = float(np.logical_and(predicted, truth).sum() / max(np.logical_or(predicted, truth).sum(), 1))
    return pixel_accuracy, iou


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="tiny images and data, 1 epoch (a smoke test)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--out", default=None, help="folder for the saved model and plot (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for small models)")
    args = parser.parse_args(argv)
    out = args.out or tempfile.mkdtemp(prefix="unet_")
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(args.threads)
    epochs = args.epochs or (1 if args.fast else 10)
    size, n_train, n_test = (16, 64, 32) if args.fast else (32, 800, 200)
    keras.utils.set_random_seed(args.seed)

    x_train, y_train = make_data(n_train, size, seed=args.seed)
    x_test, y_test = make_data(n_test, size, seed=args.seed + 1)
    model = build_model(size, width=4 if args.fast else 16)
    model.summary()
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="binary_crossentropy",
                  metrics=["binary_accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=0 if args.fast else 2)
    probabilities = model.predict(x_test, verbose=0)
    pixel_accuracy, iou = segmentation_scores(y_test, probabilities)
    print(f"test pixel accuracy {pixel_accuracy:.4f}, IoU {iou:.4f} "
          f"({time.perf_counter() - start:.1f}s training)")

    path = os.path.join(out, "tiny_unet.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    diff = float(np.max(np.abs(probabilities - reloaded.predict(x_test, verbose=0))))
    print(f"saved to {path}; max |difference| after reloading: {diff:.2e}")
    keras.utils.plot_model(model, os.path.join(out, "tiny_unet.png"), show_shapes=True, show_layer_names=True)
    return {"pixel_accuracy": pixel_accuracy, "iou": iou, "reload_max_diff": diff}


if __name__ == "__main__":
    main()
