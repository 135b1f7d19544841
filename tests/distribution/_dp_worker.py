"""One process of the data-parallel test: trains one epoch, rank 0 saves the weights."""

import sys

import numpy as np
import torch

import lamina


def build_and_fit(out_path, batch_size=16):
    torch.manual_seed(0)
    np.random.seed(0)
    inputs = lamina.Input(shape=(6,))
    hidden = lamina.layers.Dense(8, activation="tanh")(inputs)
    model = lamina.Model(inputs, lamina.layers.Dense(1)(hidden))
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.1), loss="mse", metrics=["mae"])
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = x.sum(axis=1, keepdims=True).astype("float32")
    history = model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    from lamina.distribution import distribution

    strategy = distribution()
    if strategy is None or strategy.is_chief:
        np.savez(out_path, *[w for w in model.get_weights()], loss=np.float64(history.history["loss"][-1]),
                 world=np.int64(1 if strategy is None else strategy.world_size))


if __name__ == "__main__":
    build_and_fit(sys.argv[1])
