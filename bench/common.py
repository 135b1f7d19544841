"""Timing helpers shared by the benchmarks: interleaved repeats, medians, thread count."""

import statistics
import time

import torch


def describe_machine() -> str:
    # Not torch.get_num_interop_threads(): asking starts the inter-op thread pool, which a
    # training script never starts and which, on a 2-core machine, made timings of the same
    # conv step swing by up to 30% between processes.
    return f"torch {torch.__version__}, intra-op threads: {torch.get_num_threads()}"


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


def compare(named_fns, **kwargs) -> dict:
    """Times several callables in interleaved rounds so machine noise hits them alike."""
    results = {name: [] for name in named_fns}
    for _ in range(3):
        for name, fn in named_fns.items():
            results[name].append(time_per_call(fn, **kwargs))
    return {name: min(values) for name, values in results.items()}
