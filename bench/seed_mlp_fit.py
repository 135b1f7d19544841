"""The seed MLP trained with `fit` on its defaults: one script for lamina and for Keras 3.

Run: `python bench/seed_mlp_fit.py [--steps 1000] [--repeats 3] [--framework lamina|keras]`
(`bench/bench_keras_jax.py` runs it under both, taking turns). Prints one line
`RESULT <framework> <median ms/step> <best ms/step>`.

The model and data are the seed document's MLP (Dense 20->128 relu, Dropout 0.3, Dense 64 relu,
Dense 10 softmax; Adam; sparse categorical crossentropy; accuracy; batch 32). Each repeat is a
fresh one-epoch `fit` of `steps` steps, after one warm-up `fit` (which compiles for Keras-JAX);
time per step = wall time of the `fit` call / steps, everything a user waits for included.
"""

import argparse
import os
import statistics
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--framework", default="lamina", choices=["lamina", "keras"])
    parser.add_argument("--jit", default=None, help="compile(jit_compile=...): True, False or auto (default: unset)")
    args = parser.parse_args()
    if args.framework == "lamina":
        import lamina as keras
    else:
        import keras
    batch = 32
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.steps * batch, 20)).astype(np.float32)
    y = rng.integers(0, 10, args.steps * batch)
    model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dropout(0.3), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    extra = {}
    if args.jit is not None:
        extra["jit_compile"] = {"true": True, "false": False}.get(args.jit.lower(), args.jit)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"], **extra)
    model.fit(x[:batch * 50], y[:batch * 50], batch_size=batch, epochs=1, verbose=0)  # build, compile, warm up
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        times.append((time.perf_counter() - start) / args.steps * 1e3)
    captured = model.__dict__.get("_captured") if args.framework == "lamina" else None
    state = captured.describe() if captured is not None else "-"
    print(f"RESULT {args.framework} {statistics.median(times):.4f} {min(times):.4f} load {os.getloadavg()[0]:.1f} "
          f"per-fit ms/step {' '.join(f'{t:.3f}' for t in times)} step: {state}")


if __name__ == "__main__":
    main()
