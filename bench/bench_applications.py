"""ResNet50 from `lamina.applications` against the same network written in plain PyTorch.

Both sides: Keras's ResNet50 (biased convolutions, BatchNormalization epsilon 1.001e-5, explicit
zero padding), channels_last memory format, float32, same thread count, timed in interleaved
rounds in one process. Measures inference (`model(x)` under `no_grad`, eval mode) and a
training step (forward, cross-entropy, backward, SGD step) on a batch.

    python bench/bench_applications.py                       # batch 16, 224x224 (the issue's setting)
    python bench/bench_applications.py --batch 2 --size 112  # a light run on a small CPU

Each figure: the best time of each side over the rounds and their ratio (the headline), the
median of the per-round ratios (each round times both sides back to back; far from the headline
means load came and went during the run: measure again) and the 1-minute load average.
"""

import argparse
import ctypes
import ctypes.util
import os
import statistics
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
# The checkout's lamina, not an installed copy (a worktree's venv may install another checkout).
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import describe_machine, steady_allocator  # noqa: E402


_M_MMAP_MAX = -4  # glibc mallopt parameter (malloc.h)


def heap_only_allocator():
    """Serves every block from the process heap, for both sides (glibc; elsewhere a no-op).

    Why: `steady_allocator` keeps freed memory, but glibc still maps each block above 32 MB
    (its largest mmap threshold) afresh and unmaps it on free. At batch 16, 224x224, ResNet50
    has dozens of 51 MB activations and gradients a step; their page faults ran from 12,000 to
    450,000 a step depending on whether the kernel found transparent huge pages, i.e. 0 to
    ~0.8 s of a ~5 s one-thread step, landing on either side at random. With mmap off, big
    blocks are reused like small ones (0-1 faults a step after the first), as a caching
    allocator would. `--allow-mmap` measures with glibc's mapping instead.

    Returns a short description for the header line.
    """
    if not sys.platform.startswith("linux"):
        return "big blocks: platform default"
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return "big blocks: platform default"
    return "big blocks from the heap (no mmap)" if mallopt(_M_MMAP_MAX, 0) else "big blocks: mmap (mallopt refused)"


class Bottleneck(nn.Module):
    def __init__(self, cin, filters, stride, project):
        super().__init__()
        out = 4 * filters
        self.project = nn.Sequential(nn.Conv2d(cin, out, 1, stride), nn.BatchNorm2d(out, eps=1.001e-5)) \
            if project else None
        self.body = nn.Sequential(
            nn.Conv2d(cin, filters, 1, stride), nn.BatchNorm2d(filters, eps=1.001e-5), nn.ReLU(),
            nn.Conv2d(filters, filters, 3, padding=1), nn.BatchNorm2d(filters, eps=1.001e-5), nn.ReLU(),
            nn.Conv2d(filters, out, 1), nn.BatchNorm2d(out, eps=1.001e-5))

    def forward(self, x):
        shortcut = self.project(x) if self.project is not None else x
        return torch.relu(shortcut + self.body(x))


class TorchResNet50(nn.Module):
    """Keras's ResNet50 in plain torch; takes NHWC input like the lamina model."""

    def __init__(self, classes=1000):
        super().__init__()
        layers = [nn.ZeroPad2d(3), nn.Conv2d(3, 64, 7, 2), nn.BatchNorm2d(64, eps=1.001e-5), nn.ReLU(),
                  nn.ZeroPad2d(1), nn.MaxPool2d(3, 2)]
        cin = 64
        for filters, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
            for i in range(blocks):
                layers.append(Bottleneck(cin, filters, stride if i == 0 else 1, i == 0))
                cin = 4 * filters
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(2048, classes)

    def forward(self, x):
        x = self.features(x.permute(0, 3, 1, 2))  # NHWC -> NCHW view in channels_last memory format
        return torch.softmax(self.fc(x.mean(dim=(2, 3))), dim=-1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--number", type=int, default=3)
    parser.add_argument("--allow-mmap", action="store_true",
                        help="keep glibc's fresh mapping of blocks above 32 MB (page-fault noise)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    allocator = steady_allocator()
    if not args.allow_mmap and "default" not in allocator:
        allocator += ", " + heap_only_allocator()
    import lamina

    device = "cuda" if torch.cuda.is_available() else "cpu"
    lam = lamina.applications.ResNet50(weights=None, input_shape=(args.size, args.size, 3)).to(device)
    ref = TorchResNet50().to(device).to(memory_format=torch.channels_last)
    assert sum(p.numel() for p in ref.parameters()) + sum(b.numel() for n, b in ref.named_buffers()
                                                           if "running" in n) == lam.count_params()
    x = torch.rand(args.batch, args.size, args.size, 3, device=device) * 255
    x1 = x[:1].clone()
    y = torch.randint(0, 1000, (args.batch,), device=device)
    print(f"== ResNet50 {args.size}x{args.size}, {device}, {describe_machine()}, {allocator}")

    def infer(model):
        def run():
            with torch.no_grad():
                model(x1)
            if device == "cuda":
                torch.cuda.synchronize()
        return run

    def train(model):
        opt = torch.optim.SGD(model.parameters(), lr=1e-3)

        def run():
            opt.zero_grad(set_to_none=True)
            probs = model(x)
            loss = nn.functional.nll_loss(torch.log(probs + 1e-7), y)
            loss.backward()
            opt.step()
            if device == "cuda":
                torch.cuda.synchronize()
        return run

    for model in (lam, ref):
        model.eval()
    report("forward, batch 1", rounds(infer(lam), infer(ref), args.rounds, warmup=2, number=args.number))
    for model in (lam, ref):
        model.train()
    report(f"train step, batch {args.batch}", rounds(train(lam), train(ref), args.rounds, warmup=1,
                                                      number=args.number))


def rounds(lamina_fn, torch_fn, count, warmup, number):
    """Seconds per call of each side in `count` rounds; the sides take turns going first.

    Each timed block follows `warmup` untimed calls of the same side (the first call after the
    other model ran pays for caches and allocator state the other model left).
    """
    times = {"lamina": [], "torch": []}
    for index in range(count):
        order = (("lamina", lamina_fn), ("torch", torch_fn))
        for name, fn in order if index % 2 == 0 else reversed(order):
            for _ in range(warmup):
                fn()
            start = time.perf_counter()
            for _ in range(number):
                fn()
            times[name].append((time.perf_counter() - start) / number)
    return times


def report(label, times):
    lam, ref = times["lamina"], times["torch"]
    paired = statistics.median(a / b for a, b in zip(lam, ref))
    print(f"{label}: lamina {min(lam) * 1e3:8.1f} ms  torch {min(ref) * 1e3:8.1f} ms  ratio {min(lam) / min(ref):.3f}"
          f"  (median of per-round ratios {paired:.3f}; load average {os.getloadavg()[0]:.1f})", flush=True)

if __name__ == "__main__":
    main()
