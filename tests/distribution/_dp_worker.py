"""One process of the distribution tests: trains one epoch, rank 0 saves the weights.

Usage: `_dp_worker.py OUT.npz [MODE]`, MODE one of
    "dp" (default): the automatic DataParallel (from torchrun-style env variables);
    "die": DataParallel(timeout=15); rank 1 exits abruptly after its second step;
    "fsdp": FullyShardedDataParallel.
"""

import os
import sys

import numpy as np
import torch

import lamina


def build_and_fit(out_path, mode="dp", batch_size=16):
    from lamina.distribution import DataParallel, FullyShardedDataParallel, distribution, set_distribution

    if "RANK" in os.environ and mode == "die":
        set_distribution(DataParallel(timeout=15))
    elif "RANK" in os.environ and mode == "fsdp":
        set_distribution(FullyShardedDataParallel(timeout=60))
    torch.manual_seed(0)
    np.random.seed(0)
    inputs = lamina.Input(shape=(6,))
    hidden = lamina.layers.Dense(8, activation="tanh")(inputs)
    model = lamina.Model(inputs, lamina.layers.Dense(1)(hidden))
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.1), loss="mse", metrics=["mae"])
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = x.sum(axis=1, keepdims=True).astype("float32")
    callbacks = []
    if mode == "die" and os.environ.get("RANK") == "1":
        def die(batch, logs=None):
            if batch == 1:
                os._exit(3)  # no cleanup, no goodbye to the process group: like a crash or a kill -9

        callbacks.append(lamina.callbacks.LambdaCallback(on_train_batch_end=die))
    history = model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0, callbacks=callbacks)
    strategy = distribution()
    weights = model.get_weights()  # collective under FSDP (gathers the shards): every rank calls it
    if strategy is None or strategy.is_chief:
        train_module = model.__dict__.get("_train_module")
        np.savez(out_path, *weights, loss=np.float64(history.history["loss"][-1]),
                 world=np.int64(1 if strategy is None else strategy.world_size),
                 wrapper=np.str_(type(train_module).__name__))
    # Nothing else: the script ends as a user's would, without destroy_process_group; lamina's exit
    # hook must shut the process group down so that every rank exits 0 (test_data_parallel checks).


if __name__ == "__main__":
    build_and_fit(sys.argv[1], *(sys.argv[2:3]))
