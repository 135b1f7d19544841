"""Where `fit`'s time goes outside `train_step` on bench_wide.py's workload.

Run: `.venv/bin/python bench/profile_wide.py [--rows 400000] [--steps 300] [--repeats 3] [--threads N]
      [--profile]`

Same data and model as `bench_wide.py` (a `rows x 784` float32 array, 784-64-10 MLP, batch 256,
shuffled). Measured, in one process, taking turns:

- `fit(steps)`: one `model.fit(..., steps_per_epoch=steps, shuffle=True, verbose=0)` call.
- `fit(1)`: the same call for one step: its time minus one step is `fit`'s fixed cost per call.
- `direct`: the same `steps` through `model.train_step` called in a plain loop, with the batches
  gathered as the hand-written loop gathers them (a `torch.randperm` per run, `index_select` per
  batch): `fit(steps) - direct` is what the loop, the data adapter, callbacks and the thread
  pacer add.
- `hand`: bench_wide.py's hand-written torch loop (its own permutation included).
- `stub`: `fit` with `train_step` replaced by a function returning fixed logs (the loop, data
  adapter, callbacks and thread pacer alone), against `gather`: the hand-written loop's
  permutation and `index_select`s alone.

`--ops` instead counts torch ops (profiler events) and Python calls per step of `fit` and of the
hand-written loop: deterministic, where timings on a shared machine are not.

`--profile` also runs `cProfile` over one `fit(steps)` and prints the functions by own time and
by cumulative time; the same for 20 one-step fits (the fixed cost).
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_wide import BATCH, hand_written_loop, lamina_model, time_torch, wide_data  # noqa: E402
from common import steady_allocator  # noqa: E402

import lamina as keras  # noqa: E402


def fit_seconds(model, x, y, steps):
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, steps_per_epoch=steps, shuffle=True, verbose=0)
    return time.perf_counter() - start


def direct_seconds(model, xt, yt, steps):
    """`train_step` in a plain loop over batches gathered like the hand-written loop's."""
    step = model.train_step
    model.train()
    start = time.perf_counter()
    perm = torch.randperm(len(yt))
    logs = None
    for i in range(steps):
        rows = perm[i * BATCH:(i + 1) * BATCH]
        logs = step((xt.index_select(0, rows), yt.index_select(0, rows)))
    float(logs["loss"])  # the same final sync as fit's end-of-epoch logs
    return time.perf_counter() - start


def gather_seconds(xt, yt, steps):
    """The hand-written loop's data part alone: its permutation and `index_select`s."""
    start = time.perf_counter()
    perm = torch.randperm(len(yt))
    for i in range(steps):
        rows = perm[i * BATCH:(i + 1) * BATCH]
        xt.index_select(0, rows), yt.index_select(0, rows)
    return time.perf_counter() - start


def stub_fit_seconds(model, x, y, steps):
    """`fit` with `train_step` replaced by a function returning fixed logs: the loop, the data
    adapter, callbacks and the thread pacer alone."""
    logs = {"loss": torch.zeros(())}
    model.train_step = lambda data: logs
    try:
        return fit_seconds(model, x, y, steps)
    finally:
        del model.train_step


def op_counts(model, x, y, xt, yt, steps=20):
    """torch ops (profiler events) and Python function calls per step: `fit` vs the hand-written loop
    (deterministic, unlike timings on a shared machine)."""
    from torch.profiler import ProfilerActivity, profile

    run = hand_written_loop(xt, yt)

    def hand():
        return run(steps)

    hand()
    runs = {"lamina fit": lambda: fit_seconds(model, x, y, steps), "hand-written": hand}
    for name, fn in runs.items():
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            fn()
        events = prof.key_averages()
        ops = sum(e.count for e in events if e.key.startswith("aten::"))
        top = sorted(((e.count, e.key) for e in events if e.key.startswith("aten::")), reverse=True)[:12]
        calls = cProfile.Profile()
        calls.enable()
        fn()
        calls.disable()
        print(f"  {name}: {ops / steps:.1f} aten ops/step, {pstats.Stats(calls).total_calls / steps:.0f} Python "
              f"calls/step; most frequent ops (count over {steps} steps): "
              + ", ".join(f"{k[6:]} {c}" for c, k in top))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--ops", action="store_true", help="only count ops and Python calls per step (no timings)")
    args = parser.parse_args()
    print(steady_allocator())
    if args.threads:
        torch.set_num_threads(args.threads)
        keras.config.set_num_threads(args.threads)
    x, y = wide_data(args.rows)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    model = lamina_model()
    if args.ops:  # counts of the eager step: jit_compile="auto" would capture it if steps ran slowly (busy machine)
        model.compile("adam", "sparse_categorical_crossentropy", jit_compile=False)
    model.fit(x[:BATCH * 4], y[:BATCH * 4], batch_size=BATCH, verbose=0)  # build, warm up
    fit_seconds(model, x, y, args.steps)
    if args.ops:
        op_counts(model, x, y, xt, yt)
        return
    results = {"fit": [], "fit1": [], "direct": [], "hand": [], "stub": [], "stub1": [], "gather": []}
    for _ in range(args.repeats):
        results["stub"].append(stub_fit_seconds(model, x, y, args.steps))
        results["stub1"].append(stub_fit_seconds(model, x, y, 1))
        results["gather"].append(gather_seconds(xt, yt, args.steps))
        results["fit"].append(fit_seconds(model, x, y, args.steps))
        results["fit1"].append(fit_seconds(model, x, y, 1))
        results["direct"].append(direct_seconds(model, xt, yt, args.steps))
        results["hand"].append(time_torch(x, y, args.steps) * args.steps)
    med = {k: statistics.median(v) for k, v in results.items()}
    per_step = med["direct"] / args.steps
    print(f"{args.rows} x 784, batch {BATCH}, {args.steps} steps, {args.repeats} repeats (medians), "
          f"threads after fit: {keras.trainers.threads.last_choice()}")
    print(f"  fit({args.steps}):   {med['fit'] * 1e3:8.1f} ms  ({med['fit'] / args.steps * 1e3:.3f} ms/step)")
    print(f"  direct:     {med['direct'] * 1e3:8.1f} ms  ({per_step * 1e3:.3f} ms/step: train_step + gather)")
    print(f"  hand:       {med['hand'] * 1e3:8.1f} ms  ({med['hand'] / args.steps * 1e3:.3f} ms/step)")
    print(f"  fit(1):     {med['fit1'] * 1e3:8.1f} ms  (fixed cost per call ~{(med['fit1'] - per_step) * 1e3:.1f} ms)")
    print(f"  fit - direct: {(med['fit'] - med['direct']) * 1e3:.1f} ms "
          f"({(med['fit'] - med['direct']) / args.steps * 1e6:.0f} us/step if spread); "
          f"fit / hand {med['fit'] / med['hand']:.3f}x, direct / hand {med['direct'] / med['hand']:.3f}x; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"  without the step: fit({args.steps}) with a stub train_step {med['stub'] * 1e3:.1f} ms, "
          f"fit(1) stub {med['stub1'] * 1e3:.1f} ms; the hand-written loop's randperm + gathers "
          f"{med['gather'] * 1e3:.1f} ms: lamina's loop adds "
          f"{(med['stub'] - med['gather']) / args.steps * 1e6:.1f} us/step (fixed cost included)")
    if args.profile:
        for title, steps, calls in ((f"fit({args.steps})", args.steps, 1), ("20 x fit(1)", 1, 20)):
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(calls):
                fit_seconds(model, x, y, steps)
            profiler.disable()
            print(f"==== cProfile: {title}")
            stats = pstats.Stats(profiler)
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
