"""Forward+backward cost of single lamina layers vs the same torch ops written by hand.

Each row times one training-style call (forward, `sum().backward()`, gradients cleared)
of a lamina layer and of hand-written torch computing the same function, interleaved in
one run (see `common.compare`), and prints the per-call medians and their ratio:
- Conv2D, channels_last, batch 32, 32x32x32 -> 32 filters 3x3 "same", relu, vs `F.conv2d`
  on an NCHW view in torch's channels_last memory format (target <= 1.05x);
- LSTM / GRU, batch 32, 50 steps, 64 features -> 64 units, vs `nn.LSTM` / `nn.GRU`
  (target <= 1.1x);
- MultiHeadAttention self-attention, batch 32, seq 32, d_model 64, 4 heads of 16, vs
  a hand-written MHA on `F.scaled_dot_product_attention` (target <= 1.1x).
Run: `.venv/bin/python bench/bench_layers.py`
"""

import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, __import__("os").path.dirname(__file__))
from common import compare, describe_machine, steady_allocator  # noqa: E402

import lamina as keras  # noqa: E402

BATCH = 32


class HandConv(nn.Module):
    def __init__(self, channels, filters):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(filters, channels, 3, 3))
        self.bias = nn.Parameter(torch.zeros(filters))

    def forward(self, x):  # x: NCHW view in channels_last memory format
        return torch.relu(F.conv2d(x, self.weight, self.bias, padding=1))


class HandMHA(nn.Module):
    def __init__(self, d_model, heads, key_dim):
        super().__init__()
        self.heads, self.key_dim = heads, key_dim
        self.q, self.k, self.v = (nn.Linear(d_model, heads * key_dim) for _ in range(3))
        self.out = nn.Linear(heads * key_dim, d_model)

    def forward(self, x):
        b, t, _ = x.shape

        def split(h):
            return h.view(b, t, self.heads, self.key_dim).transpose(1, 2)

        attended = F.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)))
        return self.out(attended.transpose(1, 2).reshape(b, t, self.heads * self.key_dim))


def copy_into(module, **tensors):
    """Same starting weights on both sides: timings can depend on the values (denormals), and the
    outputs can then be checked equal, so both sides provably compute the same function."""
    with torch.no_grad():
        for name, value in tensors.items():
            getattr(module, name).copy_(value)


def copy_rnn(cell, ref, name):
    kernel, recurrent, bias = cell.kernel, cell.recurrent_kernel, cell.bias  # torch layout (gates, in)
    if name == "LSTM":
        copy_into(ref, weight_ih_l0=kernel, weight_hh_l0=recurrent, bias_ih_l0=bias,
                  bias_hh_l0=torch.zeros_like(bias))
        return
    units = cell.units

    def rzn(t):  # Keras GRU gate order (z, r, h) -> torch's (r, z, n)
        return torch.cat([t[units:2 * units], t[:units], t[2 * units:]])
    copy_into(ref, weight_ih_l0=rzn(kernel), weight_hh_l0=rzn(recurrent), bias_ih_l0=rzn(bias[0]),
              bias_hh_l0=rzn(bias[1]))


def check(ours, theirs):
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)


def train_step(module, fn):
    """forward + backward + clearing the gradients, as one call of a training loop does."""
    params = [p for p in module.parameters()]

    def step():
        fn().sum().backward()
        for p in params:
            p.grad = None
    return step


def cases():
    torch.manual_seed(0)
    # Conv2D channels_last
    x_nhwc = torch.randn(BATCH, 32, 32, 32)
    x_cl = x_nhwc.permute(0, 3, 1, 2)  # NCHW view, channels_last memory format: no copy
    assert x_cl.is_contiguous(memory_format=torch.channels_last)
    conv = keras.layers.Conv2D(32, 3, padding="same", activation="relu")
    conv(x_nhwc)
    hand_conv = HandConv(32, 32)
    copy_into(hand_conv, weight=conv.kernel, bias=conv.bias)
    check(conv(x_nhwc), hand_conv(x_cl).permute(0, 2, 3, 1))
    yield ("Conv2D 32x32x32 -> 32, 3x3 same, relu", dict(number=10, repeats=7, warmup=3), {
        "torch F.conv2d (channels_last)": train_step(hand_conv, lambda: hand_conv(x_cl)),
        "lamina Conv2D": train_step(conv, lambda: conv(x_nhwc)),
    })
    seq = torch.randn(BATCH, 50, 64)
    for name, lamina_cls, torch_cls in (("LSTM", keras.layers.LSTM, nn.LSTM), ("GRU", keras.layers.GRU, nn.GRU)):
        layer = lamina_cls(64)
        layer(seq)
        ref = torch_cls(64, 64, batch_first=True)
        copy_rnn(layer.cell, ref, name)
        check(layer(seq), ref(seq)[0][:, -1])
        yield (f"{name} 50 steps 64 -> 64", dict(number=10, repeats=5, warmup=3), {
            f"torch nn.{name}": train_step(ref, lambda ref=ref: ref(seq)[0][:, -1]),
            f"lamina {name}": train_step(layer, lambda layer=layer: layer(seq)),
        })
    tokens = torch.randn(BATCH, 32, 64)
    mha = keras.layers.MultiHeadAttention(num_heads=4, key_dim=16)
    mha(tokens, tokens)
    hand_mha = HandMHA(64, 4, 16)
    for dense, linear in ((mha.query_dense, hand_mha.q), (mha.key_dense, hand_mha.k),
                          (mha.value_dense, hand_mha.v), (mha.output_dense, hand_mha.out)):
        copy_into(linear, weight=dense.kernel.reshape(dense._flat), bias=dense.bias.reshape(-1))
    check(mha(tokens, tokens), hand_mha(tokens))
    yield ("MultiHeadAttention self, seq 32, d 64, 4x16", dict(number=50, repeats=5, warmup=10), {
        "torch SDPA MHA": train_step(hand_mha, lambda: hand_mha(tokens)),
        "lamina MultiHeadAttention": train_step(mha, lambda: mha(tokens, tokens)),
    })


def main():
    allocator = steady_allocator()  # before any tensor exists
    print(f"# forward+backward per call, batch {BATCH}, float32; {describe_machine()}; {allocator}")
    for title, timing, fns in cases():
        times = compare(fns, **timing)
        base = next(iter(times.values()))
        print(f"{title}")
        for name, seconds in times.items():
            print(f"  {name:32s} {seconds * 1e6:9.1f} us/call   ratio {seconds / base:5.2f}x")


if __name__ == "__main__":
    main()
