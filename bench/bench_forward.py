"""Forward-pass overhead of lamina models vs the same torch ops written by hand.

A 10-layer MLP (batch 32) as a Functional model, as a Sequential model, and as
hand-written torch (`nn.Linear` + `relu` in a `forward`), timed in one run.
Run: `.venv/bin/python bench/bench_forward.py`
"""

import sys

import torch
from torch import nn

sys.path.insert(0, __import__("os").path.dirname(__file__))
from common import compare, describe_machine, steady_allocator  # noqa: E402

import lamina as keras  # noqa: E402

WIDTH, DEPTH, BATCH = 128, 10, 32


class HandWritten(nn.Module):
    def __init__(self):
        super().__init__()
        self.linears = nn.ModuleList(nn.Linear(WIDTH, WIDTH) for _ in range(DEPTH))

    def forward(self, x):
        for linear in self.linears[:-1]:
            x = torch.relu(linear(x))
        return self.linears[-1](x)


def lamina_layers():
    return [keras.layers.Dense(WIDTH, activation="relu") for _ in range(DEPTH - 1)] + [keras.layers.Dense(WIDTH)]


def main():
    allocator = steady_allocator()  # before any tensor exists
    torch.manual_seed(0)
    x = torch.randn(BATCH, WIDTH)
    inputs = keras.Input(shape=(WIDTH,))
    h = inputs
    for layer in lamina_layers():
        h = layer(h)
    functional = keras.Model(inputs, h)
    sequential = keras.Sequential([keras.Input(shape=(WIDTH,))] + lamina_layers())
    reference = HandWritten()
    for model in (functional, sequential, reference):
        model.eval()
    with torch.no_grad():
        times = compare({
            "hand-written torch": lambda: reference(x),
            "lamina Functional": lambda: functional(x),
            "lamina Sequential": lambda: sequential(x),
        })
    print(f"# forward, {DEPTH}-layer MLP width {WIDTH}, batch {BATCH}, no_grad; {describe_machine()}; {allocator}")
    base = times["hand-written torch"]
    for name, seconds in times.items():
        print(f"{name:22s} {seconds * 1e6:8.1f} us/call   ratio {seconds / base:5.2f}x")


if __name__ == "__main__":
    main()
