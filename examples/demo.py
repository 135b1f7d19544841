"""The lamina demo: one digits classifier per Keras API, trained with `fit`.

Trains a Sequential, a Functional and a subclassed model on scikit-learn's
bundled 8x8 handwritten digits (no download), prints their summaries and the
progress, evaluates on held-out data, saves each model and plots the training
curves to a PNG. Run with `bash scripts/demo.sh` (or
`python examples/demo.py --out demo_output`). `--epochs 1` gives a quick smoke run.
"""

import argparse
import os
import time

import matplotlib

matplotlib.use("Agg")  # no display needed (CI, servers)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import lamina as keras  # noqa: E402

NUM_CLASSES = 10


def load_data(seed=0):
    """Digits scaled to [0, 1], split 80/20 with a fixed permutation."""
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    y = digits.target.astype("int64")
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    cut = int(0.8 * len(x))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def sequential_model():
    return keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(NUM_CLASSES, activation="softmax"),
    ], name="digits_sequential")


def functional_model():
    inputs = keras.Input(shape=(64,), name="pixels")
    x = keras.layers.Dense(128, activation="relu")(inputs)
    x = keras.layers.Dropout(0.2)(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    shortcut = keras.layers.Dense(64)(inputs)
    x = keras.layers.Activation("relu")(keras.layers.Add()([x, shortcut]))
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax", name="digit")(x)
    return keras.Model(inputs, outputs, name="digits_functional")


class SubclassedModel(keras.Model):
    """Two hidden layers with dropout, written as a subclass."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden1 = keras.layers.Dense(128, activation="relu")
        self.dropout = keras.layers.Dropout(0.2)
        self.hidden2 = keras.layers.Dense(64, activation="relu")
        self.classifier = keras.layers.Dense(NUM_CLASSES, activation="softmax")

    def call(self, inputs, training=False):
        x = self.dropout(self.hidden1(inputs), training=training)
        return self.classifier(self.hidden2(x))


def save(model, folder):
    """`model.save` to a `.keras` archive when saving is available, else a torch state_dict."""
    if callable(getattr(model, "save", None)):
        path = os.path.join(folder, f"{model.name}.keras")
        try:
            model.save(path)
            return path
        except Exception as error:  # a subclassed model without get_config, for instance
            print(f"  model.save failed ({type(error).__name__}: {error}); saving the state_dict instead")
    import torch

    path = os.path.join(folder, f"{model.name}.pt")
    torch.save(model.state_dict(), path)
    return path


def plot(histories, path):
    """Loss and accuracy per epoch: one colour per model, solid = training, dashed = validation.

    Epochs are numbered from 1, as in the training log (`Epoch 1/30`); one legend below both
    panels names the models and the two line styles.
    """
    from matplotlib.lines import Line2D

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.8))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    handles = []
    last = max(len(history.history["loss"]) for history in histories.values())
    marker = "o" if last <= 10 else None  # a run of one or a few epochs still shows its points
    for index, (name, history) in enumerate(histories.items()):
        h, colour = history.history, colours[index % len(colours)]
        epochs = np.arange(1, len(h["loss"]) + 1)
        for ax, key in zip(axes, ("loss", "accuracy")):
            ax.plot(epochs, h[key], color=colour, linestyle="-", linewidth=1.8, marker=marker, markersize=4)
            ax.plot(epochs, h[f"val_{key}"], color=colour, linestyle="--", linewidth=1.8, marker=marker,
                    markersize=4)
        handles.append(Line2D([], [], color=colour, linewidth=3, label=name))
    handles += [Line2D([], [], color="black", linestyle="-", label="training"),
                Line2D([], [], color="black", linestyle="--", label="validation")]
    ticks = list(range(1, last + 1)) if last <= 10 else [1] + list(range(5, last + 1, 5))
    for ax, title in zip(axes, ("loss", "accuracy")):
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_xticks(ticks)
        ax.set_xlim(0.5, last + 0.5)
        ax.grid(alpha=0.3)
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=10, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="demo_output", help="folder for saved models and the plot")
    parser.add_argument("--epochs", type=int, default=int(os.environ.get("LAMINA_DEMO_EPOCHS", 30)))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    import torch

    # Models this small run fastest on one intra-op thread, and extra threads spin badly when the
    # machine is shared (a 5 ms forward instead of 75 us was measured on a busy 2-core machine).
    torch.set_num_threads(int(os.environ.get("LAMINA_DEMO_THREADS", 1)))
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_data(args.seed)
    print(f"digits: {len(x_train)} training and {len(x_test)} test images of 8x8 pixels")
    start = time.perf_counter()
    histories, results = {}, {}
    subclassed = SubclassedModel(name="digits_subclassed")
    subclassed.build((None, 64))
    for model in (sequential_model(), functional_model(), subclassed):
        print()
        model.summary()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        histories[model.name] = model.fit(x_train, y_train, batch_size=32, epochs=args.epochs,
                                          validation_split=0.1)
        loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
        results[model.name] = accuracy
        print(f"{model.name}: test loss {loss:.4f}, test accuracy {accuracy:.4f}; saved to {save(model, args.out)}")
    plot_path = os.path.join(args.out, "training_curves.png")
    plot(histories, plot_path)
    print(f"\ntraining curves: {plot_path}")
    print(f"total time {time.perf_counter() - start:.1f}s")
    for name, accuracy in results.items():
        print(f"  {name:20s} test accuracy {accuracy:.4f}")
    return results


if __name__ == "__main__":
    main()
