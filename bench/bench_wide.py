"""Wide in-memory data: lamina `fit` vs a hand-written torch loop, and peak memory on a memory-mapped array.

Run: `.venv/bin/python bench/bench_wide.py [--rows 400000] [--steps 300] [--repeats 5]
      [--memmap-gb 4] [--memmap-steps 0] [--skip-memmap] [--threads N]`

1. Speed: a `rows x 784` float32 array (400,000 rows: 1.25 GB) and int64 labels, a 784-64-10
   MLP (relu, softmax output; `sparse_categorical_crossentropy`, Adam), batch 256, shuffled,
   `steps` steps per timed run. The hand-written side keeps the data as one torch tensor and
   gathers each batch with `index_select` on a fresh permutation (what a PyTorch user writes
   without a DataLoader), the last layer returns logits for `F.cross_entropy`, fused Adam.
   Each repeat runs both, taking turns to go first; the ratio is the median of the paired ratios.
   lamina's thread choice in each timed fit is printed below the figures: on a busy machine it
   (and torch's default count on the hand-written side) decides the ratio more than anything else.
2. Memory: a float32 `.npy` of `--memmap-gb` GB is written under /tmp, opened read-only with
   `np.load(mmap_mode="r")` in a child process, and trained on for one epoch (or `--memmap-steps`
   steps). The child samples its `RssAnon` (memory that is the process's own: copies, batches,
   the model) and `RssFile` (pages of the mapped file: page cache the kernel can drop at any
   time) every 2 ms; reported: the peak of each beyond the value after the model was built and
   warmed up. The file is deleted afterwards.
"""

import argparse
import collections
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np
import torch
import torch.nn.functional as F

import lamina as keras

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import steady_allocator  # noqa: E402

BATCH = 256
FEATURES = 784


def lamina_model():
    model = keras.Sequential([keras.Input((FEATURES,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


CHOICES = []  # lamina's thread choice in each timed fit (it decides most of the ratio on a busy machine)


def time_lamina(x, y, steps):
    model = lamina_model()
    model.fit(x[:BATCH * 4], y[:BATCH * 4], batch_size=BATCH, verbose=0)  # build, warm up
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, steps_per_epoch=steps, shuffle=True, verbose=0)
    seconds = (time.perf_counter() - start) / steps
    CHOICES.append(keras.trainers.threads.last_choice())
    return seconds


def hand_written_loop(xt, yt):
    """The hand-written side: model, fused Adam and `run(count)`, a loop over the torch tensors with a
    permutation per run and `index_select` per batch (`profile_wide.py` uses it too)."""
    model = torch.nn.Sequential(torch.nn.Linear(FEATURES, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, fused=True)

    def run(count):
        perm = torch.randperm(len(yt))
        total = torch.zeros(())
        for i in range(count):
            rows = perm[i * BATCH:(i + 1) * BATCH]
            xb, yb = xt.index_select(0, rows), yt.index_select(0, rows)
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.detach()
        return float(total)

    return run


def time_torch(x, y, steps):
    """A hand-written loop over a torch tensor: a permutation per run, `index_select` per batch."""
    run = hand_written_loop(torch.from_numpy(x), torch.from_numpy(y))
    run(4)
    start = time.perf_counter()
    run(steps)
    return (time.perf_counter() - start) / steps


def wide_data(rows, seed=0):
    rng = np.random.default_rng(seed)
    x = np.empty((rows, FEATURES), np.float32)
    for start in range(0, rows, 50_000):  # in chunks: no float64 temporary of the whole array
        x[start:start + 50_000] = rng.random((min(50_000, rows - start), FEATURES), dtype=np.float32)
    return x, rng.integers(0, 10, rows).astype(np.int64)


def speed(rows, steps, repeats):
    """(hand-written ms/step, lamina ms/step, median paired ratio)."""
    x, y = wide_data(rows)
    hand, ours = [], []
    for repeat in range(repeats):
        pair = [("hand", time_torch), ("lamina", time_lamina)]
        for name, fn in pair if repeat % 2 == 0 else reversed(pair):
            (hand if name == "hand" else ours).append(fn(x, y, steps))
    ratio = statistics.median(o / h for h, o in zip(hand, ours))
    return statistics.median(hand) * 1e3, statistics.median(ours) * 1e3, ratio


_CHILD = textwrap.dedent("""
    import sys, threading, time
    import numpy as np
    import lamina as keras
    sys.path.insert(0, {bench!r})
    from bench_wide import lamina_model, BATCH

    def kb(field):
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1])

    x = np.load({path!r}, mmap_mode="r")
    y = np.zeros(len(x), np.int64)
    model = lamina_model()
    model.fit(x[:BATCH * 4], y[:BATCH * 4], batch_size=BATCH, verbose=0)
    base = {{f: kb(f) for f in ("RssAnon", "RssFile")}}
    peak = dict(base)
    done = threading.Event()

    def sample():
        while not done.is_set():
            for f in peak:
                peak[f] = max(peak[f], kb(f))
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, steps_per_epoch={steps}, shuffle=True, verbose=0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    print("RESULT", (peak["RssAnon"] - base["RssAnon"]) / 1024, (peak["RssFile"] - base["RssFile"]) / 1024,
          base["RssAnon"] / 1024, seconds)
""")


def memmap_peak(gigabytes, steps):
    """Trains on a read-only memory-mapped file of `gigabytes` GB in a child process.

    Returns a dict: rows, steps, anon_mb (peak own-memory growth), file_mb (peak mapped-file pages
    resident), base_anon_mb (the child after building the model), seconds.
    """
    rows = int(gigabytes * 1e9) // (FEATURES * 4)
    free = os.statvfs(tempfile.gettempdir())
    if free.f_bavail * free.f_frsize < gigabytes * 1e9 * 1.2:
        raise SystemExit(f"not enough disk space under {tempfile.gettempdir()} for a {gigabytes} GB file: "
                         f"pass a smaller --memmap-gb")
    handle, path = tempfile.mkstemp(suffix=".npy", prefix="lamina_bench_wide_")
    os.close(handle)
    try:
        array = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, FEATURES))
        rng = np.random.default_rng(1)
        for start in range(0, rows, 50_000):
            array[start:start + 50_000] = rng.random((min(50_000, rows - start), FEATURES), dtype=np.float32)
        array.flush()
        del array
        os.chmod(path, 0o444)  # read-only: training must neither copy nor write it
        steps = steps or -(-rows // BATCH)
        code = _CHILD.format(bench=os.path.dirname(os.path.abspath(__file__)), path=path, steps=steps)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"memmap child failed:\n{out.stderr[-3000:]}")
        anon, file_mb, base, seconds = map(float, out.stdout.split("RESULT")[1].split())
        return dict(rows=rows, steps=steps, anon_mb=anon, file_mb=file_mb, base_anon_mb=base, seconds=seconds)
    finally:
        os.chmod(path, 0o644)
        os.remove(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--memmap-gb", type=float, default=4.0)
    parser.add_argument("--memmap-steps", type=int, default=0, help="0: one whole epoch")
    parser.add_argument("--skip-memmap", action="store_true")
    parser.add_argument("--threads", type=int, default=None,
                        help="pin both sides to this intra-op count (default: torch's for the hand-written "
                             "loop, lamina's automatic choice for fit)")
    args = parser.parse_args()
    print(steady_allocator())
    if args.threads:
        torch.set_num_threads(args.threads)
        keras.config.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, default intra-op threads {torch.get_num_threads()}, cores {os.cpu_count()}")
    hand, ours, ratio = speed(args.rows, args.steps, args.repeats)
    print(f"wide data ({args.rows}x{FEATURES} float32, 784-64-10 MLP, batch {BATCH}, {args.steps} steps, "
          f"{args.repeats} paired repeats): hand-written torch {hand:.3f} ms/step, lamina fit {ours:.3f} ms/step, "
          f"ratio {ratio:.2f}x; load average {os.getloadavg()[0]:.1f}", flush=True)
    for choice, count in collections.Counter(c for c in CHOICES if c).most_common():
        print(f"  lamina's thread choice in {count} of {len(CHOICES)} timed fits: {choice}")
    if not args.skip_memmap:
        result = memmap_peak(args.memmap_gb, args.memmap_steps)
        print(f"memmap ({args.memmap_gb:g} GB read-only .npy, {result['rows']} rows, {result['steps']} steps, "
              f"shuffled): peak own memory (RssAnon) +{result['anon_mb']:.0f} MB beyond the built model "
              f"({result['base_anon_mb']:.0f} MB), mapped file pages resident (RssFile, page cache) "
              f"+{result['file_mb']:.0f} MB, {result['seconds']:.1f} s; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
