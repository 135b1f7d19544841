"""Finding a compiled step on disk without tracing it first, for models made only of lamina's parts.

A step's package (capture_cache.py) is keyed by its traced graph, so a new process had to trace
the step (0.07-0.2 s of `make_fx` on the seed MLP) before it could look for the package. On a
short `fit` that trace is most of what capture costs. For a model whose code is all lamina's own
(its class is `Sequential` or the functional `Model`, every submodule a lamina layer other than
`Lambda`/`TorchModuleWrapper`, lamina's losses and metric functions, a lamina optimizer), what the
trace produces is determined by what configures that code, which is hashed here instead:

- lamina's own source files (any edit changes every fingerprint), torch's and Python's versions,
  the machine, its CPU flags and the thread count;
- the model's class and `get_config()`, the trained parameters' names, the loss entries and their
  configs, each compiled metric's class, configuration and state variables' shapes, the optimizer's
  class and configuration (and which weights decay);
- the global settings layers read (`floatx`, `epsilon`, `image_data_format`, the dtype policy, the
  flash-attention flag), torch's default dtype, autocast and deterministic-algorithm state;
- the shape, stride, dtype and device of every input of the step, and the batch's structure.

After a step is traced, `record` writes what a later process needs to call its package without
the trace (the package's key, the prediction structure, the per-output loss count, which metrics
the graph updates) under `captured_steps/<fingerprint>.json`; `lookup` reads it back. A model that
does not qualify (`fingerprint` returns None) is traced as before.
"""

import functools
import hashlib
import inspect
import json
import os
import platform
import re

import torch
from torch.utils import _pytree as pytree

__all__ = ["fingerprint", "lookup", "record"]

_FORMAT = "lamina-step-fingerprint-1"
_KEY = re.compile("[0-9a-f]{40}")  # what `capture_cache.step_key` returns
_FOREIGN_LAYERS = ("Lambda", "TorchModuleWrapper")  # they run user code that no config describes


@functools.lru_cache(maxsize=1)
def _lamina_source_digest():
    """A digest of every Python file of the lamina package (~10 ms, once per process)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    digest = hashlib.sha256()
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                digest.update(os.path.relpath(path, root).encode())
                with open(path, "rb") as handle:
                    digest.update(handle.read())
    return digest.hexdigest()


def _own(obj):
    """Whether `obj` (a function, a class, or an instance of a class) is lamina's own code."""
    if isinstance(obj, functools.partial):
        return _own(obj.func)
    if isinstance(obj, type) or inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isbuiltin(obj):
        module = getattr(obj, "__module__", None)
    else:
        module = type(obj).__module__
    return isinstance(module, str) and module.startswith("lamina.")


def _wrapped_functions(obj):
    """The functions a loss or metric wrapper calls (`LossFunctionWrapper.fn`, `MeanMetricWrapper._fn`)."""
    return [f for f in (getattr(obj, "fn", None), getattr(obj, "_fn", None)) if callable(f)]


def _config(obj):
    get_config = getattr(obj, "get_config", None)
    return get_config() if get_config is not None else getattr(obj, "__name__", repr(type(obj)))


def _renamed(value, names):
    """`value` (a config) with every string equal to a layer's or the model's name replaced by its
    position: automatic names (`dense_3`) depend on what else the process made, the step does not."""
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, dict):
        return {key: _renamed(item, names) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_renamed(item, names) for item in value]
    return value


def _without_names(config):
    """A loss's or metric's config without its `name` (a log key, not part of the step)."""
    return {k: v for k, v in config.items() if k != "name"} if isinstance(config, dict) else config


def _model_part(model):
    """The model's own part of the fingerprint, or None where some of its code is not lamina's."""
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    if type(model) not in (Sequential, Functional):
        return None
    names = {}  # each layer's name -> its position (see `_renamed`)
    for module in model.modules():
        if not type(module).__module__.startswith("lamina.") or type(module).__name__ in _FOREIGN_LAYERS:
            return None
        name = getattr(module, "name", None)
        if isinstance(name, str) and name not in names:
            names[name] = f"<layer {len(names)}>"
    state = model._compile_state
    for _, fn, _, _ in state.loss_entries:
        if not _own(fn) or not all(_own(f) for f in _wrapped_functions(fn)):
            return None
    optimizer = model.optimizer
    if not _own(optimizer):
        return None
    part = {
        "model": [type(model).__name__, _renamed(model.get_config(), names)],
        "losses": [[index, type(fn).__name__, _without_names(_config(fn)), weight]
                   for index, fn, weight, _ in state.loss_entries],
        "outputs": len(state.output_loss_trackers),
        "metrics": [[index, type(metric).__name__, _without_names(_config(metric)), weighted,
                     [list(v.shape) for v in metric.variables] if hasattr(metric, "variables") else None]
                    for index, metric, weighted, _ in state.metric_entries],
        "optimizer": [type(optimizer).__name__, _without_names(optimizer.get_config())],
    }
    return part, names


def _settings():
    from lamina.backend import config, dtypes
    from lamina.mixed_precision import dtype_policy

    return [dtypes.floatx(), config.epsilon(), config.image_data_format(), repr(sorted(config._STATE.items())),
            str(dtype_policy()), str(torch.get_default_dtype()), torch.are_deterministic_algorithms_enabled(),
            torch.is_autocast_enabled("cpu"),
            torch.is_autocast_enabled("cuda") if torch.cuda.is_available() else False]


def fingerprint(captured, inputs, batch_spec):
    """The fingerprint of `captured`'s step on a batch, or None where the model does not qualify.

    Args:
        captured: the `Captured` step, its optimizer update and metrics set up for the batch.
        inputs: the step's flat inputs (`Captured._flat_inputs`).
        batch_spec: the batch's pytree structure.
    """
    from lamina.trainers.capture_cache import environment

    try:
        found = _model_part(captured.model)
        if found is None:
            return None
        part, names = found
        in_graph = [] if captured.metrics is None else [metric for _, metric, _, _ in captured.metrics.entries]
        if not all(_own(f) for metric in in_graph for f in _wrapped_functions(metric)):
            return None  # a user's metric function, traced into the graph: its code is not in any config
        update = captured.update
        part.update({
            "environment": [_FORMAT, _lamina_source_digest(), platform.python_version(),
                            *environment(torch.get_num_threads())],
            "settings": _settings(),
            "names": [".".join(names.get(piece, piece) for piece in name.split(".")) for name in captured.names],
            "update": None if update is None else update.decays,
            "update_reason": captured.update_reason,
            "metrics_in_graph": None if captured.metrics is None else _entry_indices(captured),
            "inputs": [[list(t.shape), list(t.stride()), str(t.dtype), str(t.device)] for t in inputs],
            "batch": str(batch_spec),
        })
        text = json.dumps(part, sort_keys=True, default=repr)
    except Exception:  # noqa: BLE001 - a config that cannot be written out: no fingerprint, trace
        return None
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _entry_indices(captured):
    """The positions, among the compiled metrics, of those the graph updates."""
    entries = captured.model._compile_state.metric_entries
    return [next(i for i, e in enumerate(entries) if e is entry) for entry in captured.metrics.entries]


def _index_path(fingerprint_key):
    from lamina.trainers.capture_cache import cache_dir

    return os.path.join(cache_dir(), f"{fingerprint_key}.json")


def record(fingerprint_key, captured):
    """Writes what calling the package of the traced step `captured` needs (the module docstring)."""
    path = _index_path(fingerprint_key)
    entry = {"package": captured.package_key, "out_spec": pytree.treespec_dumps(captured._out_spec),
             "terms": captured._term_count, "metrics": None if captured.metrics is None else _entry_indices(captured)}
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "w") as handle:
            json.dump(entry, handle)
        os.replace(temporary, path)  # readers see the whole file or none
    except (OSError, TypeError, ValueError):  # a read-only cache, or an output structure without a format
        pass


def lookup(fingerprint_key):
    """What `record` wrote for this fingerprint (with `out_spec` rebuilt), or None."""
    try:
        with open(_index_path(fingerprint_key)) as handle:
            entry = json.load(handle)
        if not isinstance(entry["package"], str) or not _KEY.fullmatch(entry["package"]):
            return None  # only a package key (a digest) names a file, always inside the cache folder
        entry["out_spec"] = pytree.treespec_loads(entry["out_spec"])
        return entry
    except (OSError, ValueError, KeyError, TypeError):
        return None
