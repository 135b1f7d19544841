"""Where the seed MLP's training step goes: one step cut into its phases, eager and captured.

Run: `.venv/bin/python bench/profile_seed_mlp.py [--steps 2000] [--threads 1]`

Each phase of `Trainer.train_step` (and the batch gathering and loop around it) is run on its own
and timed with `perf_counter` over `steps` steps, the phases in the order a step runs them, on
the seed MLP (Dense 20->128 relu, Dropout 0.3, Dense 64 relu, Dense 10 softmax; Adam; sparse
categorical crossentropy + accuracy; batch 32). "captured" is `jit_compile=True`
(lamina/trainers/capture.py): forward + loss + backward, Adam's update and the loss tracker and
accuracy updates in one compiled call
(a package from the cache when there is one, see `LAMINA_CACHE_DIR`). The last line is
the real `fit` time per step. The eager phases, each run on its own, add up to ~75-130 us less
than `fit`'s step: run apart, each stays warm in the CPU caches (`bench/profile_fit_gap.py` times
them inside one loop; hand-written torch pays the same; the loop itself costs ~12 us a step).
"""

import argparse
import time

import numpy as np
import torch

import lamina as keras
from lamina.trainers.data_adapters import ArrayData


def build(jit_compile, x, y):
    model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dropout(0.3), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile=jit_compile)
    model.fit(x[:320], y[:320], batch_size=32, verbose=0)  # build (and compile)
    return model


def phases(model, x, y, steps):
    data = ArrayData(x, y, None, batch_size=32, shuffle=True)
    batches = list(data.epoch(steps))
    t = {}

    def timed(name, fn):
        start = time.perf_counter()
        out = [fn(b) for b in batches]
        t[name] = (time.perf_counter() - start) / steps * 1e6
        return out

    gather = data._gather_function(torch.randperm(len(y)))
    timed("gather a shuffled batch (index_select x, y)", lambda b: gather(0, 32))
    model.train()
    captured = model.__dict__.get("_captured")
    in_graph = captured is not None and captured.fn is not None and captured.update is not None
    metrics_in_graph = in_graph and captured.metrics is not None and not captured.metrics.eager_entries
    if captured is not None and captured.fn is not None:
        what = "forward + loss + backward" + (" + Adam" if in_graph else "") + \
            (" + loss tracker + accuracy" if metrics_in_graph else "") + " (one compiled call)"
        results = timed(what, lambda b: captured.run(b[0], b[1])[:2])
    else:
        def clear(b):
            model._clear_gradients()
        timed("clear gradients", clear)
        preds = timed("forward (4 layers, training=True)", lambda b: model(b[0], training=True))
        losses = [model._compute_loss(b[0], b[1], p, None) for b, p in zip(batches[:1], preds[:1])]
        it = iter(preds)
        losses = timed("loss (crossentropy from the softmax's logits)",
                       lambda b: model._compute_loss(b[0], b[1], next(it), None))
        it = iter(losses)
        timed("backward (autograd engine)", lambda b: next(it).backward())
        results = list(zip(losses, preds))
    if not in_graph:
        timed("optimizer update (fused Adam, one kernel + bookkeeping)", lambda b: model._optimizer_step())
    it = iter(results)
    if not metrics_in_graph:
        timed("loss tracker + accuracy metric (on device, no sync)",
              lambda b: model._track(*(lambda r: (r[0].detach(), b[0], b[1], r[1].detach(), None))(next(it))))
    start = time.perf_counter()
    model.fit(x[:steps * 32], y[:steps * 32], batch_size=32, verbose=0)
    t["whole fit, per step"] = (time.perf_counter() - start) / steps * 1e6
    return t


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.steps * 32, 20)).astype(np.float32)
    y = rng.integers(0, 10, args.steps * 32)
    import os
    for label, jit in (("eager (jit_compile=False)", False), ("captured (jit_compile=True)", True)):
        model = build(jit, x, y)
        print(f"== {label}, {args.threads} thread(s), load average {os.getloadavg()[0]:.1f}")
        for name, us in phases(model, x, y, args.steps).items():
            print(f"{name:>58}: {us:8.1f} us")


if __name__ == "__main__":
    main()
