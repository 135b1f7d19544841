"""The seed MLP's `fit` beside a process that keeps one core busy: default vs 1 vs 2 threads vs auto.

Run: `.venv/bin/python bench/bench_busy.py [--steps N] [--repeats R] [--no-spinner]`

A child process spins on core 0 (pinned with sched_setaffinity where the OS allows) for the
whole run. Each repeat runs every variant once, in an order rotated per repeat, with a 0.5 s
pause before each; the time per step of
each variant is the median over repeats of (fit time / steps), the first epoch excluded from
nothing: `auto` pays for its trial inside the timed fit, as a user would.

Variants: `torch-default` (lamina pinned to the count torch had at start, i.e. the behaviour
before the automatic choice), `1`, `2` (pinned with `keras.config.set_num_threads`), `auto`.
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import time

import numpy as np
import torch

import lamina as keras

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import steady_allocator  # noqa: E402


def spin():
    try:
        os.sched_setaffinity(0, {0})
    except (AttributeError, OSError):
        pass
    while True:
        pass


def seed_mlp():
    model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dropout(0.3), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def time_fit(setting, x, y, batch):
    keras.config.set_num_threads(setting)
    model = seed_mlp()
    model.fit(x[:batch * 2], y[:batch * 2], batch_size=batch, verbose=0)  # build, warm up
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    return (time.perf_counter() - start) / (len(x) // batch)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-spinner", action="store_true")
    args = parser.parse_args()
    print(steady_allocator())
    default = torch.get_num_threads()
    batch = 32
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.steps * batch, 20)).astype(np.float32)
    y = rng.integers(0, 10, args.steps * batch)
    spinner = None
    if not args.no_spinner:
        spinner = multiprocessing.Process(target=spin, daemon=True)
        spinner.start()
    try:
        variants = {"torch-default": default, "1": 1, "2": min(2, os.cpu_count() or 1), "auto": "auto"}
        results = {name: [] for name in variants}
        items = list(variants.items())
        for repeat in range(args.repeats):
            # Rotated, so that every variant follows each other one equally often, and a pause between
            # runs: a run right after a 2-thread run was ~0.3 s slower (torch's worker thread still
            # spinning beside the busy core), which with a fixed order always hit the same variant.
            order = items[repeat % len(items):] + items[:repeat % len(items)]
            for name, setting in order:
                time.sleep(0.5)
                results[name].append(time_fit(setting, x, y, batch))
    finally:
        if spinner is not None:
            spinner.terminate()
            spinner.join()
        keras.config.set_num_threads(None)
    print(f"torch {torch.__version__}, default intra-op threads {default}, cores {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f}, spinner {'off' if args.no_spinner else 'on core 0'}")
    best = min(statistics.median(v) for v in results.values())
    for name, values in results.items():
        median = statistics.median(values)
        print(f"{name:>14}: {median * 1e3:7.3f} ms/step  ({median / best:.2f}x the best)")


if __name__ == "__main__":
    main()
