"""A small ResNet on the 8x8 handwritten digits, built with the Functional API.

Shows residual blocks (Conv2D + BatchNormalization + an `Add` skip, with a 1x1
projection when the shape changes), GlobalAveragePooling2D, `fit` with a
validation split, saving to `.keras` and reloading, and `plot_model`.

Data: scikit-learn's bundled digits (no download), reshaped to 8x8x1 images.

    python examples/resnet.py                 # ~20 epochs, test accuracy ~0.98
    python examples/resnet.py --fast          # smoke run: tiny model, 1 epoch
    python examples/resnet.py --out resnet_output --epochs 30
"""

import argparse
import os
import tempfile
import time

import numpy as np
import torch
from sklearn.datasets import load_digits

import lamina as keras
from lamina import layers


def load_data(seed=0):
    """Digits as (N, 8, 8, 1) images in [0, 1], split 80/20."""
    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]
    y = digits.target.astype("int64")
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(0.8 * len(x))
    return (x[order[:cut]], y[order[:cut]]), (x[order[cut:]], y[order[cut:]])


def batch_norm():
    # Keras's default momentum (0.99) needs many hundreds of steps before the moving statistics
    # used at inference forget their initial values; a small data set gives ~20 steps an epoch.
    return layers.BatchNormalization(momentum=0.9)


def residual_block(x, filters, stride=1):
    """conv-bn-relu-conv-bn, plus the input (projected by a 1x1 conv when shapes differ)."""
    shortcut = x
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    y = batch_norm()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
    y = batch_norm()(y)
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)
        shortcut = batch_norm()(shortcut)
    return layers.Activation("relu")(layers.Add()([y, shortcut]))


def build_model(width=32, num_classes=10):
    inputs = keras.Input(shape=(8, 8, 1), name="image")
    x = layers.Conv2D(width, 3, padding="same", use_bias=False)(inputs)
    x = batch_norm()(x)
    x = layers.Activation("relu")(x)
    x = residual_block(x, width)
    x = residual_block(x, 2 * width, stride=2)  # 8x8 -> 4x4
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="digit")(x)
    return keras.Model(inputs, outputs, name="small_resnet")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="tiny model, 1 epoch (a smoke test)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--out", default=None, help="folder for the saved model and plot (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for small models)")
    args = parser.parse_args(argv)
    out = args.out or tempfile.mkdtemp(prefix="resnet_")
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(args.threads)
    epochs = args.epochs or (1 if args.fast else 20)
    keras.utils.set_random_seed(args.seed)

    (x_train, y_train), (x_test, y_test) = load_data(args.seed)
    if args.fast:
        x_train, y_train, x_test, y_test = x_train[:256], y_train[:256], x_test[:128], y_test[:128]
    model = build_model(width=8 if args.fast else 32)
    model.summary()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=64, epochs=epochs, validation_split=0.1,
              verbose=0 if args.fast else 2)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.4f} ({time.perf_counter() - start:.1f}s training)")

    path = os.path.join(out, "small_resnet.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    diff = float(np.max(np.abs(model.predict(x_test, verbose=0) - reloaded.predict(x_test, verbose=0))))
    print(f"saved to {path}; max |difference| after reloading: {diff:.2e}")
    keras.utils.plot_model(model, os.path.join(out, "small_resnet.png"), show_shapes=True, show_layer_names=True)
    return {"loss": float(loss), "accuracy": float(accuracy), "reload_max_diff": diff}


if __name__ == "__main__":
    main()
