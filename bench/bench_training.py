"""Per-step training time: lamina `fit` vs a hand-written torch loop, same optimizer, same run.

Run: `.venv/bin/python bench/bench_training.py [--steps N] [--repeats R] [--only mlp,cnn,lstm]`

Workloads (from the seed documents), batch 32, Adam, `sparse_categorical_crossentropy`:

- mlp:  Dense 20->128 relu, Dropout(0.3), Dense 64 relu, Dense 10 softmax;
- cnn:  32x32x3 channels_last input, two residual blocks (Conv2D 32 3x3 relu,
        Conv2D 32 3x3, Add, relu), Flatten, Dense 10 softmax. The seed adds the
        first block's 32-channel output to the 3-channel input, which Keras
        rejects; the first skip therefore goes through a 1x1 Conv2D projection;
- lstm: Embedding 10000x128 -> LSTM 64 on token sequences, a Dense(32) relu
        branch on 5 meta features, concatenate, Dense 2 softmax.

The hand-written side is what a PyTorch expert writes: the same layers but the
last one returns logits, `F.cross_entropy` on them, fused Adam (lr 1e-3,
eps 1e-7), `zero_grad(set_to_none=True)`, on-device running sums. lamina's
softmax output carries its logits, so its crossentropy is computed from them
too: both sides do the same arithmetic. Both sides see the same data and the
same number of steps; each repeat runs both back to back (taking turns to go
first), the times shown are the best runs and the ratio (lamina / hand-written)
is the median of the repeats' paired ratios.
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import lamina as keras

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import steady_allocator  # noqa: E402

BATCH = 32
SEQ_LEN = 40
META = 5


# ----------------------------------------------------------------- models

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


class _TorchResidualCNN(torch.nn.Module):
    """The CNN as a PyTorch user writes it for NHWC data: one permute to a
    channels_last-memory NCHW view (the fast CPU conv path, no copy)."""

    def __init__(self):
        super().__init__()
        self.convs = torch.nn.ModuleList(torch.nn.Conv2d(c, 32, 3, padding=1) for c in (3, 32, 32, 32))
        self.projection = torch.nn.Conv2d(3, 32, 1)
        self.head = torch.nn.Linear(32 * 32 * 32, 10)

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        for block in range(2):
            h = self.convs[2 * block + 1](F.relu(self.convs[2 * block](x)))
            x = F.relu(h + (self.projection(x) if block == 0 else x))
        # Flatten in NHWC order, as Keras does.
        return self.head(x.permute(0, 2, 3, 1).flatten(1))


def cnn_lamina():
    inputs = keras.Input(shape=(32, 32, 3))
    x = inputs
    for block in range(2):
        h = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(x)
        h = keras.layers.Conv2D(32, 3, padding="same")(h)
        skip = keras.layers.Conv2D(32, 1)(x) if block == 0 else x
        x = keras.layers.Activation("relu")(keras.layers.Add()([h, skip]))
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x))
    return keras.Model(inputs, outputs)


def lstm_lamina():
    text = keras.Input(shape=(None,), dtype="int32", name="text_input")
    meta = keras.Input(shape=(META,), name="meta_input")
    encoded = keras.layers.LSTM(64)(keras.layers.Embedding(10000, 128)(text))
    meta_encoded = keras.layers.Dense(32, activation="relu")(meta)
    merged = keras.layers.concatenate([encoded, meta_encoded])
    outputs = keras.layers.Dense(2, activation="softmax", name="output")(merged)
    return keras.Model([text, meta], outputs)


class _TorchTextLSTM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(10000, 128)
        self.lstm = torch.nn.LSTM(128, 64, batch_first=True)
        self.meta = torch.nn.Linear(META, 32)
        self.head = torch.nn.Linear(64 + 32, 2)

    def forward(self, inputs):
        text, meta = inputs
        _, (h, _) = self.lstm(self.embedding(text))
        return self.head(torch.cat([h[-1], F.relu(self.meta(meta))], dim=-1))


# ----------------------------------------------------------------- data

def mlp_data(rng, n):
    return rng.standard_normal((n, 20)).astype("float32"), rng.integers(0, 10, n)


def cnn_data(rng, n):
    return rng.standard_normal((n, 32, 32, 3)).astype("float32"), rng.integers(0, 10, n)


def lstm_data(rng, n):
    text = rng.integers(1, 10000, (n, SEQ_LEN)).astype("int32")
    return [text, rng.standard_normal((n, META)).astype("float32")], rng.integers(0, 2, n)


WORKLOADS = {  # name: (label, lamina model, torch model, data, default steps)
    "mlp": ("MLP 20-128-Dropout-64-10", mlp_lamina, mlp_torch, mlp_data, 1000),
    "cnn": ("residual CNN 32x32x3, 2 blocks x 32 filters", cnn_lamina, _TorchResidualCNN, cnn_data, 20),
    "lstm": (f"text LSTM (Embedding 10000x128, LSTM 64, seq {SEQ_LEN}) + meta Dense", lstm_lamina,
             _TorchTextLSTM, lstm_data, 150),
}


# ----------------------------------------------------------------- timing

def _take(x, n):
    return [a[:n] for a in x] if isinstance(x, list) else x[:n]


def time_lamina(make_model, x, y, steps, metrics):
    model = make_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=metrics)
    model.fit(_take(x, BATCH * 5), y[:BATCH * 5], batch_size=BATCH, epochs=1, verbose=0)  # warm-up
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, steps_per_epoch=steps)
    return (time.perf_counter() - start) / steps


def time_torch(make_model, x, y, steps, with_accuracy):
    """The loop a careful PyTorch user writes: logits + F.cross_entropy, fused Adam,
    set_to_none, a reshuffle per epoch, on-device running sums."""
    model = make_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, fused=True)
    xt = [torch.from_numpy(a) for a in x] if isinstance(x, list) else torch.from_numpy(x)
    yt = torch.from_numpy(y)

    def run(count):
        model.train()
        perm = torch.randperm(len(yt))
        xs = [a[perm] for a in xt] if isinstance(xt, list) else xt[perm]
        ys = yt[perm]
        total = torch.zeros(())
        correct = torch.zeros(())
        start = 0
        for _ in range(count):
            sl = slice(start, start + BATCH)
            xb = [a[sl] for a in xs] if isinstance(xs, list) else xs[sl]
            yb = ys[sl]
            start = (start + BATCH) % (len(ys) - BATCH + 1)
            optimizer.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            loss.backward()
            optimizer.step()
            total += loss.detach() * BATCH
            if with_accuracy:
                correct += (logits.argmax(-1) == yb).sum()
        return float(total), float(correct)

    run(5)
    start = time.perf_counter()
    run(steps)
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=None,
                        help="steps per timed run (default per workload: mlp 1000, cnn 20, lstm 150)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", default="mlp,cnn,lstm", help="comma-separated workloads")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads (default: torch's choice); 1 is steadier on a shared machine")
    args = parser.parse_args()
    allocator = steady_allocator()  # before the data and models exist
    if args.threads:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    print(f"torch {torch.__version__}, intra-op threads: {torch.get_num_threads()}, batch {BATCH}, "
          f"{args.repeats} paired repeats, fused Adam both sides; {allocator}")
    for name in args.only.split(","):
        label, make_lamina, make_torch, make_data, default_steps = WORKLOADS[name]
        steps = args.steps or default_steps
        x, y = make_data(rng, BATCH * steps)
        for metrics_label, metrics in (("loss only", None), ("loss + accuracy", ["accuracy"])):
            hand, ours = [], []
            for repeat in range(args.repeats):
                # Back to back, taking turns to go first: a slow spell of the machine (on a shared
                # host they last seconds) then hits both runs of a pair, and the median of the
                # pairs' ratios outvotes the pairs it splits. Two minimums could come from
                # different spells.
                if repeat % 2 == 0:
                    hand.append(time_torch(make_torch, x, y, steps, metrics is not None))
                    ours.append(time_lamina(make_lamina, x, y, steps, metrics))
                else:
                    ours.append(time_lamina(make_lamina, x, y, steps, metrics))
                    hand.append(time_torch(make_torch, x, y, steps, metrics is not None))
            ratio = statistics.median(o / h for h, o in zip(hand, ours))
            print(f"{name}: {label} ({metrics_label}, {steps} steps): hand-written torch {min(hand) * 1e3:.3f} "
                  f"ms/step, lamina fit {min(ours) * 1e3:.3f} ms/step (best runs), ratio {ratio:.2f}x "
                  f"(median of {len(hand)} paired runs)", flush=True)


if __name__ == "__main__":
    main()
