"""Keras 3's sharded weights files, both ways (run with the Keras venv, KERAS_BACKEND=jax).

    write: python sharded_weights.py write tests/saving/keras_sharded
        Builds the model of `build()` in Keras, fills its weights from a fixed seed, saves it
        with `save_weights("keras_written.weights.json", max_shard_size=MAX_SHARD_GB)` and stores
        an input batch and Keras's predictions in `expected.npz`. tests/saving/test_sharded_weights.py
        loads these files into lamina.
    check: python sharded_weights.py check DIR
        Loads `DIR/lamina_written.weights.json` (written by lamina's save_weights with the same
        max_shard_size; see the test) into the Keras model and compares predictions with the
        `expected.npz` lamina stored beside it. Prints the largest difference.
"""

import os
import sys

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402

# 2e-5 GB = 21,475 bytes: dense's kernel (33*160*4 = 21,120 bytes) fills shard 0 and its bias
# starts shard 1, so one layer's `vars` group spans two shards.
MAX_SHARD_GB = 2e-5


def build(module):
    inputs = module.Input((33,))
    x = module.layers.Dense(160, activation="relu")(inputs)
    x = module.layers.Dense(16, activation="tanh")(x)
    outputs = module.layers.Dense(3)(x)
    return module.Model(inputs, outputs)


def main():
    mode, folder = sys.argv[1], sys.argv[2]
    model = build(keras)
    if mode == "write":
        rng = np.random.default_rng(16)
        model.set_weights([rng.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])
        os.makedirs(folder, exist_ok=True)
        model.save_weights(os.path.join(folder, "keras_written.weights.json"), max_shard_size=MAX_SHARD_GB)
        x = rng.normal(size=(4, 33)).astype("float32")
        np.savez(os.path.join(folder, "expected.npz"), x=x, y=np.asarray(model.predict(x, verbose=0)))
        print(sorted(os.listdir(folder)))
    else:
        model.load_weights(os.path.join(folder, "lamina_written.weights.json"))
        data = np.load(os.path.join(folder, "lamina_expected.npz"))
        diff = np.abs(np.asarray(model.predict(data["x"], verbose=0)) - data["y"]).max()
        print(f"Keras loaded lamina's sharded weights: max |keras - lamina| = {diff:.3g}")


if __name__ == "__main__":
    main()
