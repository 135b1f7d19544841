"""`compile(jit_compile=True)` vs eager training, and the compile time, on the seed MLP and CNN.

Run: `.venv/bin/python bench/bench_compile.py [--steps N] [--repeats R] [--only mlp,cnn]`

For each workload (the models of `bench_training.py`: the seed MLP and the
residual CNN, batch 32, Adam, sparse categorical crossentropy), in one run:

- hand-written torch: the eager loop of `bench_training.py` (the reference);
- lamina eager: `fit` with `jit_compile=False`;
- lamina compiled: `fit` with `jit_compile=True` (the whole step, forward,
  loss, backward and the optimizer update, under `torch.compile`; see
  `lamina/trainers/jit.py`). Its first `fit` call pays the compilation, reported
  as "compile time" (first-call time minus the steady per-step time of the same
  number of steps).

Per-step times are the best of the repeats (after a warm-up); ratios are
against the hand-written eager loop. `LAMINA_JIT_BACKEND` picks the backend
(default inductor).
"""

import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_training import BATCH, WORKLOADS, time_torch  # noqa: E402
from common import steady_allocator  # noqa: E402

WARMUP_STEPS = 5


def _take(x, n):
    return [a[:n] for a in x] if isinstance(x, list) else x[:n]


def time_lamina(make_model, x, y, steps, jit_compile):
    """(first-call seconds for WARMUP_STEPS steps, steady seconds per step) of `fit`."""
    model = make_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=jit_compile)
    warm_x, warm_y = _take(x, BATCH * WARMUP_STEPS), y[:BATCH * WARMUP_STEPS]
    start = time.perf_counter()
    model.fit(warm_x, warm_y, batch_size=BATCH, epochs=1, verbose=0)
    first = time.perf_counter() - start
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, steps_per_epoch=steps)
        best = min(best, (time.perf_counter() - start) / steps)
    return first, best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=None, help="steps per timed run (default: mlp 500, cnn 10)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--only", default="mlp,cnn", help="comma-separated workloads (mlp, cnn)")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    args = parser.parse_args()
    allocator = steady_allocator()  # before the data and models exist
    if args.threads:
        torch.set_num_threads(args.threads)
    backend = os.environ.get("LAMINA_JIT_BACKEND", "inductor")
    print(f"torch {torch.__version__}, intra-op threads: {torch.get_num_threads()}, batch {BATCH}, "
          f"torch.compile backend: {backend}, best of {args.repeats}; {allocator}")
    rng = np.random.default_rng(0)
    default_steps = {"mlp": 500, "cnn": 10}
    for name in args.only.split(","):
        label, make_lamina, make_torch, make_data, _ = WORKLOADS[name]
        steps = args.steps or default_steps[name]
        x, y = make_data(rng, BATCH * steps)
        hand, eager, compiled, compile_times = [], [], [], []
        for _ in range(args.repeats):
            hand.append(time_torch(make_torch, x, y, steps, False))
            eager.append(time_lamina(make_lamina, x, y, steps, False)[1])
            first, per_step = time_lamina(make_lamina, x, y, steps, True)
            compiled.append(per_step)
            compile_times.append(first - WARMUP_STEPS * per_step)
        h, e, c = min(hand) * 1e3, min(eager) * 1e3, min(compiled) * 1e3
        print(f"{name}: {label}, {steps} steps: hand-written torch {h:.3f} ms/step; lamina eager {e:.3f} ms/step "
              f"({e / h:.2f}x); lamina jit_compile=True {c:.3f} ms/step ({c / h:.2f}x, {c / e:.2f}x of eager); "
              f"compile time {min(compile_times):.1f} s", flush=True)


if __name__ == "__main__":
    main()
