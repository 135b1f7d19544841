"""On-device running means for the loss logs, and logs that are read only when needed.

Values stay tensors during the epoch; the single `.item()`-like sync happens
when a log is actually read (epoch end, a progress-bar refresh, a callback).
"""

from collections.abc import Mapping

import torch

__all__ = ["MeanTracker", "LazyLogs", "check_logs", "logs_to_floats"]


class MeanTracker:
    """Weighted mean of scalar tensors (`loss` and `<output>_loss` in the logs).

    Args:
        name: log key.

    Example:
        >>> t = MeanTracker("loss"); t.update_state(torch.tensor(2.0), 3); t.update_state(torch.tensor(4.0), 1)
        >>> float(t.result())
        2.5
    """

    def __init__(self, name):
        self.name = name
        self.reset_state()

    def reset_state(self):
        # Zeroed in place once it exists: a captured step (or its CUDA graph) keeps reading the
        # same tensor from epoch to epoch.
        if getattr(self, "_total", None) is not None:
            self._total.zero_()
        else:
            self._total = None
        self._count = 0

    def update_state(self, value, sample_weight=1):
        # Detached so the running sum never keeps an autograd graph alive; in place after the first.
        if self._total is None:
            self._total = value.detach().float() * sample_weight
        else:
            self._total.add_(value.detach(), alpha=sample_weight)
        self._count += sample_weight

    def state_tensor(self, device):
        """The running total as a float32 tensor on `device`, created (zero) if there is none yet:
        a captured training step adds to it in place (trainers/capture_metrics.py) and the caller
        counts the samples with `add_count`."""
        if self._total is None:
            self._total = torch.zeros((), dtype=torch.float32, device=device)
        return self._total

    def add_count(self, count):
        self._count += count

    def result(self):
        if self._total is None or not self._count:
            return torch.tensor(0.0)
        return self._total / self._count


def _to_float(value):
    if isinstance(value, torch.Tensor):
        return float(value.detach().float().mean()) if value.numel() != 1 else float(value.detach())
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def logs_to_floats(logs):
    """A plain dict of Python floats from metric results / tensors / a `LazyLogs`."""
    if logs is None:
        return {}
    return {k: _to_float(v) for k, v in dict(logs).items()}


class LazyLogs(Mapping):
    """Read-only logs whose values are computed (one device sync) on first access.

    Args:
        compute: no-argument callable returning `{name: tensor or float}`.
    """

    __slots__ = ("_compute", "_values")

    def __init__(self, compute):
        self._compute = compute
        self._values = None

    def _materialize(self):
        if self._values is None:
            self._values = logs_to_floats(self._compute())
        return self._values

    def __getitem__(self, key):
        return self._materialize()[key]

    def __iter__(self):
        return iter(self._materialize())

    def __len__(self):
        return len(self._materialize())

    def __repr__(self):
        return repr(self._materialize())


def check_logs(logs, model, method):
    """The logs a `train_step`/`test_step` returned, refused unless they are a dict; nested dicts
    (e.g. `compile_metrics`' result) are flattened into one level, as Keras does."""
    if logs.__class__ is LazyLogs:
        return logs
    if isinstance(logs, Mapping):
        if any(isinstance(value, Mapping) for value in logs.values()):
            return _flatten_logs(logs)
        return logs
    raise TypeError(
        f"{method}() of model '{model.name}' must return a dict of logs (e.g. "
        f"{{m.name: m.result() for m in self.metrics}}); it returned {type(logs).__name__} {logs!r:.80}.")


def _flatten_logs(logs):
    flat = {}
    for key, value in logs.items():
        if isinstance(value, Mapping):
            flat.update(_flatten_logs(value))
        else:
            flat[key] = value
    return flat
