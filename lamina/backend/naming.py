"""Automatic layer and model names, numbered per class as Keras does.

Keras names an unnamed `Dense` "dense", the next "dense_1", and so on, with
process-wide counters that `clear_session()` resets. Metrics count in their own family
(`family="metrics"`), so a metric named "mean" does not move the counter of the op "mean".
"""

import collections
import re

# family -> prefix -> how many names were handed out.
_COUNTERS: dict = collections.defaultdict(collections.Counter)


def to_snake_case(name: str) -> str:
    """`"Conv2DTranspose"` -> `"conv2d_transpose"`, using Keras's exact rules."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def unique_name(prefix: str, family: str = "layers") -> str:
    """Returns `prefix` the first time, then `prefix_1`, `prefix_2`, ... (counted per `family`)."""
    counters = _COUNTERS[family]
    count = counters[prefix]
    counters[prefix] += 1
    return prefix if count == 0 else f"{prefix}_{count}"


def reset_names(family=None) -> None:
    """Forgets the counters of one family (all when `None`)."""
    if family is None:
        _COUNTERS.clear()
    else:
        _COUNTERS.pop(family, None)


def clear_session(free_memory=True) -> None:
    """Resets the automatic name counters (`dense`, `dense_1`, ... and metric names) to zero, and
    what Keras keeps in its global state: `get_uid` counters, the global dtype policy, the
    interactive-logging, flash-attention, traceback-filtering and unsafe-deserialization flags.

    Args:
        free_memory: also run Python's garbage collector and release torch's cached CUDA memory.
    """
    reset_names()  # every family: layers, metrics, ...
    from lamina.backend.config import reset_global_state
    from lamina.mixed_precision.policy import set_dtype_policy

    reset_global_state()
    set_dtype_policy(None)
    if free_memory:
        import gc

        import torch

        gc.collect()
        if torch.cuda.is_initialized():
            torch.cuda.empty_cache()
