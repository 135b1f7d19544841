"""Timing helpers shared by the benchmarks: steady allocator, interleaved repeats, medians."""

import ctypes
import ctypes.util
import os
import statistics
import sys
import time

import torch


def describe_machine() -> str:
    # Not torch.get_num_interop_threads(): asking starts the inter-op thread pool, which a
    # training script never starts.
    return f"torch {torch.__version__}, intra-op threads: {torch.get_num_threads()}"


# glibc mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# glibc refuses mmap thresholds above HEAP_MAX_SIZE / 2, i.e. 32 MiB on 64-bit machines.
_MAX_MMAP_THRESHOLD = 32 * 1024 * 1024


def steady_allocator() -> str:
    """Keeps freed tensor memory in the process heap, for both sides of every comparison.

    Why: with glibc's default policy, whether a freed multi-megabyte activation goes back to
    the OS (and its pages fault in again on the next step) depends on where unrelated small
    allocations happened to land, which differs from process to process. On the Conv2D case
    that moved one side or the other by 15-40% at random (up to ~1,900 page faults per step),
    whichever side ran second more often, while the kernels took the same time. Fixing the
    mmap and trim thresholds (what `MALLOC_MMAP_THRESHOLD_`/`MALLOC_TRIM_THRESHOLD_` do, and
    roughly what jemalloc/tcmalloc or torch's CUDA caching allocator give) removes that coin
    toss. Set `LAMINA_BENCH_DEFAULT_MALLOC=1` to measure with glibc's defaults instead.

    Returns a short description for the benchmark's header line.
    """
    if os.environ.get("LAMINA_BENCH_DEFAULT_MALLOC") == "1":
        return "allocator: platform default"
    if not sys.platform.startswith("linux"):
        return "allocator: platform default"
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other libcs have no mallopt
        return "allocator: platform default"
    ok = mallopt(_M_MMAP_THRESHOLD, _MAX_MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    return "allocator: glibc, freed memory kept (mmap/trim thresholds fixed)" if ok \
        else "allocator: platform default (mallopt refused)"


def time_per_call(fn, *, warmup=20, number=200, repeats=7) -> float:
    """Median seconds per call of `fn` over `repeats` blocks of `number` calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def compare(named_fns, *, rounds=5, **kwargs) -> dict:
    """Times several callables in interleaved rounds so machine noise hits them alike."""
    results = {name: [] for name in named_fns}
    order = list(named_fns.items())
    for round_index in range(rounds):
        # Alternate who goes first, so neither side always runs right after the other.
        for name, fn in order if round_index % 2 == 0 else reversed(order):
            results[name].append(time_per_call(fn, **kwargs))
    return {name: min(values) for name, values in results.items()}
