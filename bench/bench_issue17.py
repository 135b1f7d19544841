"""Issue 17 in one run: busy machine, wide data, tiny model, and today's workloads, each against
hand-written torch, with the thread count lamina chose.

Run: `.venv/bin/python bench/bench_issue17.py [--quick] [--repeats R] [--memmap-gb G] [--skip-memmap]
      [--skip-keras]`

1. today's: `bench_training.py`'s MLP and CNN workloads (lamina `fit` vs the hand-written loop);
2. busy: a child process spins on core 0; the seed MLP's default `fit` vs the same `fit` pinned to
   1 thread vs a hand-written torch loop on torch's default count (`bench_busy.py`'s variants);
3. wide: `bench_wide.py` (400,000 x 784 float32, batch 256) and the read-only memmap's memory;
4. tiny: the seed MLP's default `fit` vs the hand-written loop, and, when the Keras venv exists,
   vs Keras 3 on JAX in separate processes taking turns (`bench_keras_jax.py`).
Every figure line ends with the 1-minute load average when it was taken.
"""

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import lamina as keras
from lamina.trainers import threads

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench_busy  # noqa: E402
import bench_training  # noqa: E402
import bench_wide  # noqa: E402
from common import steady_allocator  # noqa: E402


def load():
    return f"load average {os.getloadavg()[0]:.1f}"


def seed_mlp_torch_step_time(x, y, steps, batch=32):
    """The hand-written loop for the seed MLP: logits + cross_entropy, fused Adam, on-device sums."""
    model = bench_training.mlp_torch()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, fused=True)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def run(count):
        model.train()
        perm = torch.randperm(len(yt))
        total = torch.zeros(())
        for i in range(count):
            rows = perm[i * batch:(i + 1) * batch]
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xt.index_select(0, rows)), yt.index_select(0, rows))
            loss.backward()
            optimizer.step()
            total += loss.detach()
        return float(total)

    run(5)
    start = time.perf_counter()
    run(steps)
    return (time.perf_counter() - start) / steps


def seed_mlp_lamina_step_time(setting, x, y, batch=32):
    time_per_step = bench_busy.time_fit(setting, x, y, batch)
    return time_per_step, threads.last_choice()


def section_busy(steps, repeats):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((steps * 32, 20)).astype(np.float32)
    y = rng.integers(0, 10, steps * 32)
    spinner = multiprocessing.Process(target=bench_busy.spin, daemon=True)
    spinner.start()
    try:
        auto, one, hand, chosen = [], [], [], None
        for repeat in range(repeats):
            order = ["auto", "one", "hand"] if repeat % 2 == 0 else ["hand", "one", "auto"]
            for name in order:
                time.sleep(0.5)  # let torch's worker threads of the previous run go idle (see bench_busy)
                if name == "auto":
                    seconds, chosen = seed_mlp_lamina_step_time("auto", x, y)
                    auto.append(seconds)
                elif name == "one":
                    one.append(seed_mlp_lamina_step_time(1, x, y)[0])
                else:
                    keras.config.set_num_threads(None)
                    hand.append(seed_mlp_torch_step_time(x, y, steps))
    finally:
        spinner.terminate()
        spinner.join()
        keras.config.set_num_threads(None)
    a, o, h = (statistics.median(v) * 1e3 for v in (auto, one, hand))
    print(f"busy (one core spinning; seed MLP, {steps} steps, {repeats} repeats): lamina default fit {a:.3f} ms/step, "
          f"pinned to 1 thread {o:.3f}, hand-written torch (default {torch.get_num_threads()} threads) {h:.3f}; "
          f"default / 1 thread {a / o:.2f}x (target <= 1.3); chose: {chosen}; {load()}", flush=True)


def section_tiny(steps, repeats, keras_python, skip_keras):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((steps * 32, 20)).astype(np.float32)
    y = rng.integers(0, 10, steps * 32)
    ours, hand, chosen = [], [], None
    for repeat in range(repeats):
        pair = ["lamina", "hand"] if repeat % 2 == 0 else ["hand", "lamina"]
        for name in pair:
            if name == "lamina":
                seconds, chosen = seed_mlp_lamina_step_time("auto", x, y)
                ours.append(seconds)
            else:
                hand.append(seed_mlp_torch_step_time(x, y, steps))
    keras.config.set_num_threads(None)
    o, h = statistics.median(ours) * 1e3, statistics.median(hand) * 1e3
    print(f"tiny (seed MLP, batch 32, {steps} steps, {repeats} repeats, same process): lamina default fit {o:.3f} "
          f"ms/step, hand-written torch {h:.3f} ms/step, ratio {o / h:.2f}x; chose: {chosen}; {load()}", flush=True)
    if skip_keras:
        return
    out = subprocess.run([sys.executable, os.path.join(HERE, "bench_keras_jax.py"), "--keras-python", keras_python,
                          "--rounds", str(max(3, repeats)), "--steps", str(steps)],
                         capture_output=True, text=True, check=False)
    print("tiny vs Keras-JAX: " + (out.stdout.strip() or out.stderr.strip()[-500:]), flush=True)


def section_today(repeats):
    rng = np.random.default_rng(0)
    for name in ("mlp", "cnn"):
        label, make_lamina, make_torch, make_data, steps = bench_training.WORKLOADS[name]
        x, y = make_data(rng, bench_training.BATCH * steps)
        hand, ours = [], []
        for repeat in range(repeats):
            pair = [("hand", lambda: bench_training.time_torch(make_torch, x, y, steps, False)),
                    ("lamina", lambda: bench_training.time_lamina(make_lamina, x, y, steps, None))]
            for who, fn in pair if repeat % 2 == 0 else reversed(pair):
                (hand if who == "hand" else ours).append(fn())
        ratio = statistics.median(o / h for h, o in zip(hand, ours))
        print(f"today's {name} ({label}, {steps} steps, {repeats} paired repeats): hand-written "
              f"{statistics.median(hand) * 1e3:.3f} ms/step, lamina fit {statistics.median(ours) * 1e3:.3f} ms/step, "
              f"ratio {ratio:.2f}x; chose: {threads.last_choice()}; {load()}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats (a smoke run)")
    parser.add_argument("--skip-memmap", action="store_true")
    parser.add_argument("--skip-keras", action="store_true")
    parser.add_argument("--memmap-gb", type=float, default=None, help="default 4 (0.5 with --quick)")
    parser.add_argument("--repeats", type=int, default=None, help="default 5 (2 with --quick)")
    parser.add_argument("--keras-python", default="/tmp/lamina-keras-venv/bin/python")
    args = parser.parse_args()
    repeats = args.repeats or (2 if args.quick else 5)
    print(steady_allocator())
    print(f"torch {torch.__version__}, default intra-op threads {torch.get_num_threads()}, cores {os.cpu_count()}; "
          f"{load()}", flush=True)
    section_today(repeats)
    section_busy(100 if args.quick else 300, repeats)
    rows = 100_000 if args.quick else 400_000
    wide_steps = 100 if args.quick else 300
    hand, ours, ratio = bench_wide.speed(rows, wide_steps, repeats)
    print(f"wide ({rows}x784 float32, 784-64-10 MLP, batch 256, {wide_steps} steps, {repeats} paired repeats): "
          f"hand-written torch {hand:.3f} ms/step, lamina fit {ours:.3f} ms/step, ratio {ratio:.2f}x (target <= 1.1); "
          f"chose: {threads.last_choice()}; {load()}", flush=True)
    if not args.skip_memmap:
        gigabytes = args.memmap_gb or (0.5 if args.quick else 4.0)
        r = bench_wide.memmap_peak(gigabytes, 0)
        print(f"memmap ({gigabytes:g} GB read-only, {r['rows']} rows, one shuffled epoch of {r['steps']} steps): own "
              f"memory (RssAnon) +{r['anon_mb']:.0f} MB beyond the built model, mapped file pages resident "
              f"(page cache) +{r['file_mb']:.0f} MB; {load()}", flush=True)
    section_tiny(300 if args.quick else 1000, repeats, args.keras_python, args.skip_keras)


if __name__ == "__main__":
    main()
