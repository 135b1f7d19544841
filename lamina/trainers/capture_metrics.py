"""The loss trackers and compiled metrics updated inside a captured training step.

After a captured step (capture.py) the logs' running values used to be updated eagerly from the
graph's outputs: one `add_` for the loss tracker, and for `accuracy` an argmax, a compare, a sum
and two `add_`s, each a separate kernel launch and Python call (~45 us of the seed MLP's ~240 us
step). Here their state tensors become inputs of the graph that the graph updates in place, as it
does the optimizer's moments, so the whole step is one compiled call.

What is updated in the graph:
- the loss tracker and the per-output loss trackers (`MeanTracker`s): their float32 running totals
  (`state_tensor`); the sample counts stay Python integers, added after each step (the batch size
  is fixed for a compiled signature);
- the compiled metrics whose class is one of lamina's own metrics (`lamina.metrics`), including
  `MeanMetricWrapper`s around any function (a metric function is traced like the loss function).
  Their `update_state` runs on the traced state tensors. Custom `Metric` subclasses stay eager:
  their `update_state` may keep Python state (a call counter, a flag) that a trace would run once.

Why this is safe: during the trace each metric's state tensors are swapped for the graph's input
tensors, and afterwards the metric's attributes are compared with a snapshot taken before. A metric
whose `update_state` changed anything else (built its variables lazily, moved device, set a flag),
or failed under the trace (a data-dependent branch), is restored to the snapshot and left to the
eager path (`Captured.trace` traces again without it).
"""

import torch

__all__ = ["InGraphMetrics"]


def _own_metric(metric):
    return type(metric).__module__.startswith("lamina.metrics")


def _nested(metric):
    """The metric and the metrics nested in it (whose variables `metric.variables` lists)."""
    out = [metric]
    for inner in metric.__dict__.get("_metrics", ()):
        out.extend(_nested(inner))
    return out


def _snapshot(metric):
    """Each attribute of the metric (and nested ones) by identity, with copies of lists and tuples."""
    return [(m, {k: (v, list(v) if isinstance(v, (list, tuple)) else None) for k, v in vars(m).items()})
            for m in _nested(metric)]


def _restore(snapshot):
    for owner, attributes in snapshot:
        for key in [k for k in vars(owner) if k not in attributes]:
            delattr(owner, key)
        for key, (value, items) in attributes.items():
            if isinstance(value, list):
                value[:] = items
            owner.__dict__[key] = value


def _unchanged(snapshot):
    for owner, attributes in snapshot:
        if vars(owner).keys() != attributes.keys():
            return False
        for key, (value, items) in attributes.items():
            current = owner.__dict__[key]
            if current is not value:
                return False
            if items is not None and (len(current) != len(items) or
                                      any(a is not b for a, b in zip(current, items))):
                return False
    return True


def _swap(metric, replacement):
    """Replaces each state variable of `metric` (attributes, and inside lists and tuples) by
    `replacement[id(variable)]`; returns what undoes it (`_unswap`), the original objects kept."""
    undo = []
    for owner in _nested(metric):
        for key, value in list(vars(owner).items()):
            if isinstance(value, list) and any(id(v) in replacement for v in value):
                swapped = [replacement.get(id(v), v) for v in value]
                undo.append((value, None, list(value), swapped))
                value[:] = swapped
                continue
            if id(value) in replacement:
                swapped = replacement[id(value)]
            elif isinstance(value, tuple) and any(id(v) in replacement for v in value):
                swapped = tuple(replacement.get(id(v), v) for v in value)
            else:
                continue
            owner.__dict__[key] = swapped
            undo.append((owner, key, value, swapped))
    return undo


def _unswap(undo):
    """Puts the original objects back where the update left the swapped ones; anything the update
    rebound, appended or deleted stays as it is, for `_unchanged` to see."""
    for owner, key, original, swapped in undo:
        if key is None:
            if len(owner) == len(swapped) and all(a is b for a, b in zip(owner, swapped)):
                owner[:] = original
        elif owner.__dict__.get(key) is swapped:
            owner.__dict__[key] = original


class InGraphMetrics:
    """The trackers and metrics a captured step updates, and their state tensors in graph order.

    Args:
        state: the model's compile state (`model._compile_state`).
        device: the device of the model's parameters (where new tracker totals are made).
        entries: the `metric_entries` to update in the graph (default: every one of lamina's own
            metrics; `Captured.trace` narrows it when a metric cannot be traced).

    Example:
        >>> metrics = InGraphMetrics(model._compile_state, device)
        >>> inputs = metrics.tensors()            # graph inputs, updated in place by the step
        >>> metrics.after_step(batch_size)        # the trackers' sample counts
    """

    def __init__(self, state, device, entries=None):
        self.state = state
        self.device = device
        self.trackers = [state.loss_tracker, *state.output_loss_trackers]
        if entries is None:
            entries = [e for e in state.metric_entries if _own_metric(e[1])]
        self.entries = list(entries)
        self.eager_entries = [e for e in state.metric_entries if all(e is not f for f in self.entries)]
        for _, metric, _, _ in self.entries:
            if metric._device != device:  # what the first eager update would do (`Metric._prepare`)
                metric.to(device)
        self._variables = [list(metric.variables) for _, metric, _, _ in self.entries]

    def tensors(self):
        """The state tensors, in the order the graph takes them: the trackers' totals, then each
        metric's variables."""
        out = [tracker.state_tensor(self.device) for tracker in self.trackers]
        for variables in self._variables:
            out.extend(variables)
        return out

    def count(self):
        return len(self.trackers) + sum(len(v) for v in self._variables)

    def current(self):
        """Whether the metrics still hold the variables seen at construction (a metric rebuilt or
        replaced since needs a new trace)."""
        return all(len(vs) == len(m.variables) and all(a is b for a, b in zip(vs, m.variables))
                   for vs, (_, m, _, _) in zip(self._variables, self.entries))

    def update(self, traced_state, loss, terms, y, y_pred, batch_size):
        """Inside the trace: adds this step's loss terms and metric updates to `traced_state` (the
        graph's inputs standing for `tensors()`), in place.

        Returns:
            The metric entries whose update failed under the trace or changed more than their state
            (restored as they were: they must stay eager); empty when all went into the graph.
        """
        totals, rest = traced_state[:len(self.trackers)], traced_state[len(self.trackers):]
        with torch.no_grad():
            for total, value in zip(totals, [loss, *terms]):
                total.add_(value.detach(), alpha=batch_size)
        rejected = []
        for entry, variables in zip(self.entries, self._variables):
            traced, rest = rest[:len(variables)], rest[len(variables):]
            metric = entry[1]
            snapshot = _snapshot(metric)
            undo = _swap(metric, {id(v): t for v, t in zip(variables, traced)})
            try:
                self.state.update_metrics(y, y_pred, None, entries=[entry])
                failed = False
            except Exception:  # noqa: BLE001 - untraceable (data-dependent, a method fake tensors lack)
                failed = True  # what it recorded is dropped with this trace: the caller traces again
            _unswap(undo)
            if failed or not _unchanged(snapshot):
                _restore(snapshot)
                rejected.append(entry)
        return rejected

    def after_step(self, batch_size):
        for tracker in self.trackers:
            tracker.add_count(batch_size)
