"""Transfer learning and fine-tuning with `lamina.applications`, the Keras way.

The recipe of Keras's transfer-learning guide, on a bundled data set (no download):

1. a base model: an application with `include_top=False` (here MobileNetV2, alpha 0.35);
   `--weights imagenet` reads Keras's ImageNet file from Keras's cache (`~/.keras/models/`),
   `--weights PATH` a weights file; by default the base is first trained here on a *source*
   task (digits 0-4) so that it has something to transfer;
2. freeze it (`base.trainable = False`), put a new head on top, call the base with
   `training=False` so its BatchNormalization layers stay in inference mode, and train the head
   on the *target* task (digits 5-9);
3. unfreeze the base and train everything for a few epochs with a learning rate 10x lower,
   then save the model to `.keras` and reload it.

Data: scikit-learn's 8x8 digits, upsampled to 32x32 RGB.

    python examples/fine_tuning.py               # a few minutes on a CPU
    python examples/fine_tuning.py --fast        # smoke run: a few steps per phase
    python examples/fine_tuning.py --weights imagenet --size 96   # needs Keras's cached file
"""

import argparse
import os
import tempfile
import time

import numpy as np
import torch
from sklearn.datasets import load_digits

import lamina as keras
from lamina import applications, layers


def load_data(size, seed=0):
    """Digits as (N, size, size, 3) float images in [0, 255]; a source split (0-4) and a target split (5-9)."""
    digits = load_digits()
    images = torch.from_numpy((digits.images * (255.0 / 16.0)).astype("float32"))[:, None]
    images = torch.nn.functional.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
    x = images.repeat(1, 3, 1, 1).permute(0, 2, 3, 1).contiguous().numpy()
    y = digits.target.astype("int64")
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    source, target = y < 5, y >= 5
    return (x[source], y[source]), (x[target], y[target] - 5)


def split(x, y, fraction=0.8):
    cut = int(fraction * len(x))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def build_base(size, weights):
    # name: Keras's default ('mobilenetv2_0.35_96') contains '.', which a nested torch module cannot.
    return applications.MobileNetV2(input_shape=(size, size, 3), alpha=0.35, include_top=False, weights=weights,
                                    pooling="avg", name="mobilenetv2_base")


def classifier(base, size, classes, dropout=0.2):
    """`inputs -> preprocess -> base (inference mode) -> dropout -> Dense`."""
    inputs = keras.Input((size, size, 3))
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0)(inputs)  # mobilenet_v2.preprocess_input, inside the model
    x = base(x, training=False)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="a few steps per phase (a smoke test)")
    parser.add_argument("--weights", default=None, help="None (train the base on digits 0-4), 'imagenet' or a path")
    parser.add_argument("--size", type=int, default=32, help="image size (at least 32)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs per phase")
    parser.add_argument("--out", default=None, help="folder for the saved model (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    keras.utils.set_random_seed(args.seed)
    epochs = args.epochs or (1 if args.fast else 5)
    (source_x, source_y), (target_x, target_y) = load_data(args.size, args.seed)
    if args.fast:
        source_x, source_y, target_x, target_y = source_x[:128], source_y[:128], target_x[:160], target_y[:160]
    (train_x, train_y), (test_x, test_y) = split(target_x, target_y)
    started = time.time()
    results = {}

    base = build_base(args.size, args.weights)
    if args.weights is None:
        print("Phase 0: training the base on the source task (digits 0-4)")
        source_model = classifier(base, args.size, 5)
        base.trainable = True
        source_model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                             metrics=["accuracy"])
        source_model.fit(source_x, source_y, epochs=epochs, batch_size=32, verbose=2)

    print("Phase 1: frozen base, new head on the target task (digits 5-9)")
    base.trainable = False
    model = classifier(base, args.size, 5)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    frozen = [w.detach().clone() for w in base.weights]
    model.fit(train_x, train_y, epochs=epochs, batch_size=32, verbose=2)
    results["base_unchanged_when_frozen"] = all(torch.equal(a, b) for a, b in zip(frozen, base.weights))
    results["head_only_trainable"] = len(model.trainable_weights)
    results["frozen_test_accuracy"] = float(model.evaluate(test_x, test_y, verbose=0)[1])

    print("Phase 2: unfrozen base, learning rate 10x lower")
    base.trainable = True
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])  # recompile after changing `trainable`, as in Keras
    model.fit(train_x, train_y, epochs=epochs, batch_size=32, verbose=2)
    loss, accuracy = model.evaluate(test_x, test_y, verbose=0)
    results["fine_tuned_test_loss"], results["fine_tuned_test_accuracy"] = float(loss), float(accuracy)

    out = args.out or tempfile.mkdtemp(prefix="lamina_fine_tuning_")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "fine_tuned.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    diff = float(np.abs(reloaded.predict(test_x, verbose=0) - model.predict(test_x, verbose=0)).max())
    results["reload_max_diff"] = diff
    print(f"frozen-base accuracy {results['frozen_test_accuracy']:.3f}, fine-tuned accuracy {accuracy:.3f}, "
          f"max |difference| after reloading {diff:.2e}, {time.time() - started:.0f}s; saved {path}")
    return results


if __name__ == "__main__":
    main()
