"""A multi-input, multi-output model with dicts everywhere (the multi-task example of seed 003).

Shows a Functional model whose inputs and outputs are dicts keyed by name:
`text_features` and `metadata` go in, a `sentiment` probability and a `topic`
distribution come out. `compile` takes a loss, a loss weight and metrics per
output as dicts, `fit` takes dicts of arrays, and the logs carry Keras's keys
(`loss`, `sentiment_loss`, `topic_accuracy`, `val_...`). Calling the model on a
dict returns a dict; so does `predict`.

Data (made in this script, no download): random features whose hidden linear
structure decides the labels, so the model has something real to learn.

    python examples/multi_task_dict.py          # ~10 epochs, sentiment ~0.95, topic ~0.9 accuracy
    python examples/multi_task_dict.py --fast   # smoke run: little data, 1 epoch
"""

import argparse
import os
import tempfile
import time

import numpy as np
import torch

import lamina as keras
from lamina import layers


def make_data(n, rng, projections):
    """Topic = the best of 5 hidden directions of the text; sentiment depends on text and metadata."""
    topic_dirs, sentiment_text, sentiment_meta = projections
    text = rng.normal(size=(n, 100)).astype("float32")
    meta = rng.normal(size=(n, 10)).astype("float32")
    topic = np.argmax(text @ topic_dirs, axis=1).astype("int64")
    sentiment = (text @ sentiment_text + meta @ sentiment_meta > 0).astype("float32")
    return {"text_features": text, "metadata": meta}, {"sentiment": sentiment, "topic": topic}


def build_model():
    text_input = keras.Input(shape=(100,), name="text_features")
    meta_input = keras.Input(shape=(10,), name="metadata")
    text_encoded = layers.Dense(64, activation="relu")(text_input)
    meta_encoded = layers.Dense(16, activation="relu")(meta_input)
    merged = layers.Concatenate()([text_encoded, meta_encoded])
    merged = layers.Dense(32, activation="relu")(merged)
    sentiment = layers.Dense(1, activation="sigmoid", name="sentiment")(merged)
    topic = layers.Dense(5, activation="softmax", name="topic")(merged)
    return keras.Model(
        inputs={"text_features": text_input, "metadata": meta_input},
        outputs={"sentiment": sentiment, "topic": topic},
        name="multi_task_classifier",
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="little data, 1 epoch (a smoke test)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--out", default=None, help="folder for the saved model and plot (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for small models)")
    args = parser.parse_args(argv)
    out = args.out or tempfile.mkdtemp(prefix="multi_task_")
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(args.threads)
    epochs = args.epochs or (1 if args.fast else 10)
    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    projections = (rng.normal(size=(100, 5)), rng.normal(size=100), 3 * rng.normal(size=10))
    n_train, n_test = (256, 64) if args.fast else (8000, 1000)
    x_train, y_train = make_data(n_train, rng, projections)
    x_test, y_test = make_data(n_test, rng, projections)
    model = build_model()
    print(f"Inputs: {list(model.input_names)}")
    print(f"Outputs: {list(model.output_names)}")
    model.summary()
    model.compile(
        optimizer="adam",
        loss={"sentiment": "binary_crossentropy", "topic": "sparse_categorical_crossentropy"},
        loss_weights={"sentiment": 1.0, "topic": 0.5},
        metrics={"sentiment": "accuracy", "topic": "accuracy"},
    )
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.1,
                        verbose=0 if args.fast else 2)
    print(f"log keys: {sorted(history.history)}")
    results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    print("test: " + ", ".join(f"{k} {v:.4f}" for k, v in results.items())
          + f" ({time.perf_counter() - start:.1f}s)")

    sample = {k: torch.as_tensor(v[:2]) for k, v in x_test.items()}
    outputs = model(sample)  # a dict in, a dict out
    print("model(dict) ->", {k: tuple(v.shape) for k, v in outputs.items()})

    path = os.path.join(out, "multi_task_classifier.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    before, after = model.predict(x_test, verbose=0), reloaded.predict(x_test, verbose=0)
    diff = float(max(np.max(np.abs(before[k] - after[k])) for k in before))
    print(f"saved to {path}; max |difference| after reloading: {diff:.2e}")
    keras.utils.plot_model(model, os.path.join(out, "multi_task_classifier.png"), show_shapes=True,
                           show_layer_names=True)
    return {**{k: float(v) for k, v in results.items()}, "log_keys": sorted(history.history),
            "reload_max_diff": diff}


if __name__ == "__main__":
    main()
