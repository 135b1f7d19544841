"""One process of the Keras-style distribution tests: builds, predicts, trains one step, saves.

Usage: `_mp_worker.py OUT MODES`, MODES a comma-separated list (run in order, each writing
OUT.<mode>.npz) of
    "single": no distribution (the reference, one process);
    "model": ModelParallel over a (1, world) mesh ("batch", "model"): the first Dense kernel split
        by output units, its bias too, the second Dense kernel split by input units;
    "batch": ModelParallel over a (world, 1) mesh: the batch split over processes, the first
        Dense kernel laid out on the (size-1) "model" axis;
    "data": DataParallel(devices=list_devices()) built the Keras way, in a `scope()`;
    "zoo" / "single_zoo": a model with Conv2D, Dense, LayerNormalization, LSTM and a residual add,
        under ModelParallel over a (1, world) mesh with the Dense and LSTM kernels split (the
        convolution replicated) / in one process.
Rank 0 writes predictions before training, the weights and loss after one step, and the local
(per-process) shape of the first kernel; in "model" mode every rank saves a .keras file and rank 0
reloads its own without a distribution.
"""

import sys

import numpy as np
import torch

import lamina
from lamina import distribution as dlib


def _model():
    inputs = lamina.Input(shape=(6,))
    hidden = lamina.layers.Dense(8, activation="tanh", name="dense")(inputs)
    outputs = lamina.layers.Dense(4, name="dense_1")(hidden)
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.1), loss="mse")
    return model


def _zoo_model():
    """Conv2D, Dense, LayerNormalization, LSTM and a residual add in one graph."""
    layers = lamina.layers
    inputs = lamina.Input(shape=(4, 6, 3))
    x = layers.Conv2D(8, 3, padding="same", activation="relu", name="conv2d")(inputs)
    x = layers.Reshape((4, 48))(x)
    x = layers.Dense(16, name="proj")(x)
    x = layers.LayerNormalization(name="norm")(x)
    x = x + layers.Dense(16, activation="relu", name="mlp")(x)
    x = layers.LSTM(8, name="lstm")(x)
    outputs = layers.Dense(4, name="head")(x)
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.05), loss="mse")
    return model


def _zoo_layouts(layout_map):
    # conv2d stays replicated: torch's DTensor convolutes with replicated weights only.
    layout_map["proj/kernel"] = ("model", None)  # input units: a partial sum, all-reduced by DTensor
    layout_map["mlp/kernel"] = (None, "model")  # output units
    layout_map["mlp/bias"] = ("model",)
    layout_map["lstm_cell/kernel"] = (None, "model")  # the four gates' units
    layout_map["head/kernel"] = ("model", None)


def _strategy(mode):
    if mode.startswith("single"):
        return None
    if mode == "data":
        return dlib.DataParallel(devices=dlib.list_devices())
    world = dlib.get_device_count() if torch.distributed.is_initialized() else None
    if world is None:
        dlib.initialize()  # MASTER_ADDR/PORT, WORLD_SIZE and RANK from the environment
        world = dlib.get_device_count()
    shape = (world, 1) if mode == "batch" else (1, world)
    mesh = dlib.DeviceMesh(shape, ["batch", "model"], devices=dlib.list_devices())
    layout_map = dlib.LayoutMap(mesh)
    if mode == "zoo":
        _zoo_layouts(layout_map)
        return dlib.ModelParallel(layout_map=layout_map)
    layout_map["dense/kernel"] = (None, "model")
    layout_map["dense/bias"] = ("model",)
    if mode == "model":
        layout_map[".*_1/kernel"] = ("model", None)
    return dlib.ModelParallel(layout_map=layout_map, batch_dim_name="batch")


def main(out_path, mode):
    strategy = _strategy(mode)
    lamina.utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    zoo = mode.endswith("zoo")
    x = rng.normal(size=(16, 4, 6, 3) if zoo else (16, 6)).astype("float32")
    y = rng.normal(size=(16, 4)).astype("float32")
    build = _zoo_model if zoo else _model
    if strategy is None:
        model = build()
    else:
        with strategy.scope():
            model = build()
    kernel = model.layers[1].kernel
    local_shape = tuple(kernel.to_local().shape) if hasattr(kernel, "to_local") else tuple(kernel.shape)
    predictions = np.asarray(model.predict(x, verbose=0))
    if strategy is None:
        history = model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    else:
        with strategy.scope():
            history = model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    weights = model.get_weights()  # gathers DTensor shards: a collective, every rank calls it
    rank = torch.distributed.get_rank() if torch.distributed.is_initialized() else 0
    extra = {}
    if mode == "model":
        # Saving gathers the shards (a collective: every process saves, each to its own file); the file
        # is an ordinary .keras file that loads without any distribution.
        model.save(f"{out_path}.rank{rank}.keras")
        if rank == 0:
            loaded = lamina.models.load_model(f"{out_path}.rank0.keras")
            extra["loaded_weights_equal"] = np.bool_(all(
                np.array_equal(a, b) for a, b in zip(loaded.get_weights(), weights)))
            extra["loaded_trained_steps"] = np.int64(loaded.optimizer.iterations)
    if rank == 0:
        np.savez(out_path, *weights, predictions=predictions, loss=np.float64(history.history["loss"][-1]),
                 local_shape=np.array(local_shape), placements=np.str_(str(getattr(kernel, "placements", None))),
                 **extra)


if __name__ == "__main__":
    # Several modes run one after the other in the same processes (one start-up, one process group):
    # OUT is a prefix, each mode writes OUT.<mode>.npz.
    for each in sys.argv[2].split(","):
        lamina.clear_session(free_memory=False)
        main(f"{sys.argv[1]}.{each}.npz", each)
