"""Where the seed MLP's eager `fit` step goes beyond the phases `profile_seed_mlp.py` times apart.

Run: `.venv/bin/python bench/profile_fit_gap.py [--steps 400] [--rounds 7] [--threads 1] [--counts]`

`profile_seed_mlp.py` times each phase of the eager step (forward, loss, backward, update,
metrics) over all steps in a row, one phase after the other, and compares their sum with the
real `fit`. This script splits that difference, on one model and the same batches, every
variant taking turns in each round (medians over rounds, microseconds per step):

- phases apart: as `profile_seed_mlp.py` (each phase run for every batch before the next);
- phases in one loop: the same calls in the order a step makes them, each phase timed with
  `perf_counter` inside the loop (the clock calls cost ~0.1 us a phase);
- `train_step` over pre-gathered batches (the step's own glue: unpacking, checks, logs);
- `fit` with `jit_compile=False`, verbose=0 (adds the loop, gathers, callbacks, thread pacer);
- `fit` with a stub `train_step`, and the data's gathers alone (what the loop itself costs);
- hand-written PyTorch: the same ops (linear, relu, dropout, softmax, cross-entropy from the
  logits, fused AdamW, an argmax accuracy count) in one loop: the floor for these kernels.

`--counts` adds Python calls per step (cProfile) and aten ops per step (torch.profiler) for
`fit`, `train_step` and the phases in one loop: deterministic, unlike the timings.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time

import numpy as np
import torch

from lamina.trainers.data_adapters import ArrayData
from lamina.trainers.trackers import LazyLogs

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from profile_seed_mlp import build  # noqa: E402 - the same seed MLP, built and warmed up the same way

PHASES = ("clear gradients", "forward", "loss", "backward", "optimizer update", "loss tracker + accuracy")


def phase_calls(model):
    """The six phases of the eager `train_step`, as separate calls on one batch."""
    def forward(b, state):
        state["pred"] = model(b[0], training=True)

    def loss(b, state):
        state["loss"] = model._compute_loss(b[0], b[1], state["pred"], None)

    def backward(b, state):
        state["loss"].backward()

    def track(b, state):
        model._track(state["loss"].detach(), b[0], b[1], state["pred"].detach(), None)

    return (lambda b, state: model._clear_gradients(), forward, loss, backward,
            lambda b, state: model._optimizer_step(), track)


def phases_apart(model, batches, out):
    model.train()
    states = [{} for _ in batches]
    for name, call in zip(PHASES, phase_calls(model)):
        start = time.perf_counter()
        for b, state in zip(batches, states):
            call(b, state)
        out.setdefault(name, []).append((time.perf_counter() - start) / len(batches))


def phases_in_one_loop(model, batches, out):
    model.train()
    calls = phase_calls(model)
    clock = time.perf_counter
    totals = [0.0] * len(calls)
    for b in batches:
        state = {}
        for i, call in enumerate(calls):
            start = clock()
            call(b, state)
            totals[i] += clock() - start
    for name, total in zip(PHASES, totals):
        out.setdefault(name, []).append(total / len(batches))


def hand_written(batches, seed=0):
    """A plain PyTorch step of the same model and ops; returns a function running all batches."""
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(20, 128), torch.nn.ReLU(), torch.nn.Dropout(0.3),
                              torch.nn.Linear(128, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    params = list(net.parameters())
    opt = torch.optim.AdamW(params, lr=1e-3, eps=1e-7, weight_decay=0.0, fused=True)
    total, correct, seen = torch.zeros(()), torch.zeros((), dtype=torch.long), [0]

    def run():
        net.train()
        for xb, yb, _ in batches:
            for p in params:
                p.grad = None
            logits = net(xb)
            logits.softmax(-1)  # the model's softmax output (the loss reads the logits, as lamina's)
            loss = torch.nn.functional.cross_entropy(logits, yb)
            loss.backward()
            opt.step()
            total.add_(loss.detach(), alpha=xb.shape[0])
            correct.add_((yb == logits.detach().argmax(-1)).sum())
            seen[0] += xb.shape[0]

    return run


def counts(name, fn, steps):
    fn()  # warm
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    calls = pstats.Stats(profiler).total_calls / steps
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        fn()
    events = prof.events()
    top = sum(1 for e in events if e.cpu_parent is None)
    print(f"{name:>44}: {calls:6.1f} Python calls, {top / steps:5.1f} top-level / {len(events) / steps:5.1f} "
          f"all aten ops per step")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--counts", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    steps = args.steps
    rng = np.random.default_rng(0)
    x = rng.standard_normal((steps * 32, 20)).astype(np.float32)
    y = rng.integers(0, 10, steps * 32)
    model = build(False, x, y)
    data = ArrayData(x, y, None, batch_size=32, shuffle=True)
    batches = list(data.epoch(steps))
    logs = LazyLogs(lambda: {"loss": 0.0})

    def fit():
        model.fit(x, y, batch_size=32, verbose=0)

    def train_step_loop():
        model.train()
        for b in batches:
            model.train_step((b[0], b[1]))

    def stub_fit():
        model.train_step = lambda data: logs
        try:
            model.fit(x, y, batch_size=32, verbose=0)
        finally:
            del model.train_step

    def gathers():
        for _ in data.epoch(steps):
            pass

    apart, in_loop = {}, {}
    whole = {name: [] for name in ("fit", "train_step, pre-gathered batches", "fit, stub train_step",
                                   "data.epoch gathers alone", "hand-written PyTorch step")}
    variants = [("fit", fit), ("train_step, pre-gathered batches", train_step_loop),
                ("fit, stub train_step", stub_fit), ("data.epoch gathers alone", gathers),
                ("hand-written PyTorch step", hand_written(batches))]
    loads = []
    for _ in range(args.rounds):
        loads.append(os.getloadavg()[0])
        phases_apart(model, batches, apart)
        phases_in_one_loop(model, batches, in_loop)
        for name, fn in variants:
            start = time.perf_counter()
            fn()
            whole[name].append((time.perf_counter() - start) / steps)

    def us(values):
        return statistics.median(values) * 1e6

    print(f"seed MLP, eager, batch 32, {args.threads} thread(s), {steps} steps x {args.rounds} rounds; "
          f"load average {min(loads):.1f}-{max(loads):.1f}; medians in us per step")
    print(f"{'phase':>44}  {'apart':>8}  {'in one loop':>11}")
    for name in PHASES:
        print(f"{name:>44}  {us(apart[name]):8.1f}  {us(in_loop[name]):11.1f}")
    sum_apart = sum(us(apart[n]) for n in PHASES)
    sum_loop = sum(us(in_loop[n]) for n in PHASES)
    print(f"{'sum':>44}  {sum_apart:8.1f}  {sum_loop:11.1f}")
    for name, values in whole.items():
        print(f"{name:>44}: {us(values):8.1f}")
    if args.counts:
        def loop_phases():
            phases_in_one_loop(model, batches, {})

        for name, fn in (("fit", fit), ("train_step, pre-gathered batches", train_step_loop),
                         ("phases in one loop", loop_phases)):
            counts(name, fn, steps)


if __name__ == "__main__":
    main()
