"""Per-step training time: lamina `fit` vs a hand-written torch loop, same optimizer, same run.

Run: `.venv/bin/python bench/bench_training.py [--steps N] [--repeats R]`

Workloads (from the seed documents): the MLP 20->128->Dropout->64->10 at batch
32 with Adam; the residual CNN and the text LSTM model are added when the
Conv2D / LSTM layers exist. Both sides use torch's fused Adam (lamina's
default for `optimizer="adam"`), the same data and the same number of steps;
the best of several repeats is reported, with the thread count.
"""

import argparse
import time

import numpy as np
import torch

import lamina as keras

BATCH = 32


def mlp_lamina():
    return keras.Sequential([
        keras.Input(shape=(20,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])


def mlp_torch():
    return torch.nn.Sequential(
        torch.nn.Linear(20, 128), torch.nn.ReLU(), torch.nn.Dropout(0.3),
        torch.nn.Linear(128, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))


def time_lamina(x, y, steps, metrics):
    model = mlp_lamina()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=metrics)
    model.fit(x[:BATCH * 10], y[:BATCH * 10], batch_size=BATCH, epochs=1, verbose=0)  # warm-up
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, steps_per_epoch=steps)
    return (time.perf_counter() - start) / steps


def time_torch(x, y, steps, with_accuracy):
    """The loop a careful PyTorch user writes: fused Adam, set_to_none, on-device running sums."""
    model = mlp_torch()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, fused=True)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def run(count):
        model.train()
        perm = torch.randperm(len(xt))
        xs, ys = xt[perm], yt[perm]
        total = torch.zeros(())
        correct = torch.zeros(())
        start = 0
        for _ in range(count):
            xb, yb = xs[start:start + BATCH], ys[start:start + BATCH]
            start = (start + BATCH) % (len(xs) - BATCH)
            optimizer.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            optimizer.step()
            total += loss.detach() * BATCH
            if with_accuracy:
                correct += (logits.argmax(-1) == yb).sum()
        return float(total), float(correct)

    run(10)
    start = time.perf_counter()
    run(steps)
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads (default: torch's choice); 1 is steadier on a shared machine")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    n = BATCH * args.steps
    x = rng.standard_normal((n, 20)).astype("float32")
    y = rng.integers(0, 10, n)
    print(f"torch {torch.__version__}, intra-op threads: {torch.get_num_threads()}, batch {BATCH}, "
          f"{args.steps} steps, best of {args.repeats}")
    for label, metrics in (("loss only", None), ("loss + accuracy", ["accuracy"])):
        hand, ours = [], []
        for _ in range(args.repeats):  # interleaved, so machine noise hits both sides alike
            hand.append(time_torch(x, y, args.steps, metrics is not None))
            ours.append(time_lamina(x, y, args.steps, metrics))
        h, o = min(hand) * 1e3, min(ours) * 1e3
        print(f"MLP 20-128-Dropout-64-10 Adam ({label}): hand-written torch {h:.3f} ms/step, "
              f"lamina fit {o:.3f} ms/step, ratio {o / h:.2f}x")
    missing = [name for name in ("Conv2D", "LSTM", "Embedding") if not hasattr(keras.layers, name)]
    if missing:
        print(f"residual CNN / text LSTM workloads skipped: keras.layers lacks {missing}")


if __name__ == "__main__":
    main()
