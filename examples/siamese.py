"""A Siamese network that learns whether two handwritten digits are the same digit.

Shows weight sharing: one encoder (itself a `keras.Sequential`, nested as a
layer) is applied to both inputs of a Functional model, so both branches use
the same weights. A custom layer, `EuclideanDistance`, registered with
`keras.saving.register_keras_serializable` so that `.keras` files can be
reloaded, compares the two embeddings, and a one-unit Dense head turns the
distance into P(same digit). The encoder alone is then used as an embedding:
each test digit gets the label of its nearest training digit.

Data: pairs drawn from scikit-learn's bundled 8x8 digits (no download).

    python examples/siamese.py                # ~10 epochs, pair accuracy ~0.97
    python examples/siamese.py --fast         # smoke run: few pairs, 1 epoch
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


@keras.saving.register_keras_serializable(package="examples")
class EuclideanDistance(layers.Layer):
    """Distance between two batches of vectors: (batch, d), (batch, d) -> (batch, 1)."""

    def call(self, inputs):
        a, b = inputs
        return torch.sqrt(torch.sum((a - b) ** 2, dim=-1, keepdim=True) + 1e-9)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)


def load_data(seed=0):
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    y = digits.target.astype("int64")
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(0.8 * len(x))
    return (x[order[:cut]], y[order[:cut]]), (x[order[cut:]], y[order[cut:]])


def make_pairs(x, y, n_pairs, rng):
    """Half the pairs show the same digit (label 1), half two different digits (label 0)."""
    by_class = [np.flatnonzero(y == c) for c in range(10)]
    first, second = [], []
    for k in range(n_pairs):
        i = rng.integers(len(x))
        if k % 2 == 0:
            j = rng.choice(by_class[y[i]])
        else:
            j = rng.choice(by_class[rng.choice([c for c in range(10) if c != y[i]])])
        first.append(i)
        second.append(j)
    first, second = np.array(first), np.array(second)
    return x[first], x[second], (y[first] == y[second]).astype("float32")


def build_model(embedding_dim=32, hidden=128):
    encoder = keras.Sequential([
        keras.Input(shape=(64,)),
        layers.Dense(hidden, activation="relu"),
        layers.Dense(embedding_dim),
        layers.UnitNormalization(),  # embeddings on the unit sphere: distances in [0, 2]
    ], name="encoder")
    left = keras.Input(shape=(64,), name="left")
    right = keras.Input(shape=(64,), name="right")
    distance = EuclideanDistance(name="distance")([encoder(left), encoder(right)])  # shared weights
    # P(same) = sigmoid(w * distance + b), started at w < 0 ("closer means same"): with a random
    # sign the head can begin by pushing matching pairs apart and stall near chance.
    same = layers.Dense(1, activation="sigmoid", kernel_initializer=keras.initializers.Constant(-4.0),
                        bias_initializer=keras.initializers.Constant(2.0), name="same")(distance)
    return keras.Model({"left": left, "right": right}, same, name="siamese"), encoder


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="few pairs, small encoder, 1 epoch (a smoke test)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--out", default=None, help="folder for the saved model and plot (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for small models)")
    args = parser.parse_args(argv)
    out = args.out or tempfile.mkdtemp(prefix="siamese_")
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(args.threads)
    epochs = args.epochs or (1 if args.fast else 10)
    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    (x_train, y_train), (x_test, y_test) = load_data(args.seed)
    n_train, n_test = (256, 128) if args.fast else (10000, 2000)
    a_train, b_train, same_train = make_pairs(x_train, y_train, n_train, rng)
    a_test, b_test, same_test = make_pairs(x_test, y_test, n_test, rng)
    model, encoder = build_model(hidden=32 if args.fast else 128)
    model.summary()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit({"left": a_train, "right": b_train}, same_train, batch_size=64, epochs=epochs,
              validation_split=0.1, verbose=0 if args.fast else 2)
    test_pairs = {"left": a_test, "right": b_test}
    loss, pair_accuracy = model.evaluate(test_pairs, same_test, verbose=0)

    # The trained encoder on its own: nearest-neighbour classification in embedding space.
    train_emb = encoder.predict(x_train, verbose=0)
    test_emb = encoder.predict(x_test, verbose=0)
    nearest = np.argmax(test_emb @ train_emb.T, axis=1)  # unit vectors: max dot product = min distance
    nn_accuracy = float(np.mean(y_train[nearest] == y_test))
    print(f"test pair accuracy {pair_accuracy:.4f} (loss {loss:.4f}); nearest-neighbour digit accuracy "
          f"with the encoder's embeddings {nn_accuracy:.4f} ({time.perf_counter() - start:.1f}s)")

    path = os.path.join(out, "siamese.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)  # finds EuclideanDistance through its registration
    diff = float(np.max(np.abs(model.predict(test_pairs, verbose=0) - reloaded.predict(test_pairs, verbose=0))))
    print(f"saved to {path}; max |difference| after reloading: {diff:.2e}")
    keras.utils.plot_model(model, os.path.join(out, "siamese.png"), show_shapes=True, show_layer_names=True,
                           expand_nested=True)
    return {"loss": float(loss), "pair_accuracy": float(pair_accuracy), "nn_accuracy": nn_accuracy,
            "reload_max_diff": diff}


if __name__ == "__main__":
    main()
