"""What `compile(loss=, loss_weights=, metrics=, weighted_metrics=)` means for each output.

Resolved once, on the first batch (the shapes of labels and predictions decide
what `"accuracy"` means, as in Keras); afterwards every step runs a flat list
of precomputed `(output index, loss, weight)` entries with no structure checks.
"""

import functools

import torch

from lamina.trainers import resolve
from lamina.trainers.data_adapters.structure import check_keys, output_names_of
from lamina.trainers.trackers import MeanTracker

__all__ = ["CompileState", "CompileMetrics"]


def _per_output(value, names, what, model_name, default=None):
    """One value / list (output order) / dict (output name) -> list aligned with `names`.

    For metrics a flat list (`["accuracy"]`) applies to every output; a list of
    lists (or dicts/None) gives one entry per output, as Keras.
    """
    if isinstance(value, dict):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise ValueError(
                f"compile(): {what} has keys {unknown} that are not outputs of model '{model_name}'. "
                f"The model's outputs are {names}."
            )
        return [value.get(n, default) for n in names]
    is_metrics = what in ("metrics", "weighted_metrics")
    per_output_list = isinstance(value, (list, tuple)) and (
        not is_metrics or (value and all(v is None or isinstance(v, (list, tuple, dict)) for v in value)))
    if per_output_list:
        if len(value) != len(names):
            raise ValueError(
                f"compile(): {what} is a list of {len(value)} entries but model '{model_name}' has "
                f"{len(names)} output(s) {names}; give one per output (or a dict keyed by output name)."
            )
        return list(value)
    return [value] * len(names)


def _as_list(metrics):
    if metrics is None:
        return []
    if isinstance(metrics, (list, tuple)):
        return list(metrics)
    return [metrics]


def _by_name_or_order(names, model_name):
    """Flattens multi-output targets given as a dict (matched by output name) or a list/tuple
    (output order). Both forms are accepted on every call: the keras.io training guide fits the
    same compiled model with a list of targets, then with a dict of them."""
    return functools.partial(_flatten_by_name_or_order, names, model_name)


# The flatteners are module-level functions bound with functools.partial, not closures, so that a
# compiled model pickles (`torch.save(model)`, `copy.deepcopy`).

def _flatten_by_name_or_order(names, model_name, targets):
    if isinstance(targets, dict):
        check_keys(targets, names, "output", model_name)
        return [targets[k] for k in names]
    if len(targets) != len(names):
        raise ValueError(
            f"Model '{model_name}' has {len(names)} outputs {names}, but y is a {type(targets).__name__} of "
            f"{len(targets)} arrays. Pass one target per output, in this order, or a dict keyed by output name.")
    return list(targets)


def _by_keys(keys, values):
    return [values[k] for k in keys]


def _one_item_list(value):
    return [value]


def _first_as_list(values):
    return [values[0]]


def _nones(count, _targets):
    return [None] * count


def _only_at(index, count, target):
    return [target if i == index else None for i in range(count)]


def _repeated(count, value):
    return [value] * count


class CompileState:
    """The compiled loss and metrics of a model (see `Trainer.compile`).

    Args:
        loss, loss_weights, metrics, weighted_metrics: as given to `compile`.
    """

    def __init__(self, loss, loss_weights, metrics, weighted_metrics):
        self.config = dict(loss=loss, loss_weights=loss_weights, metrics=metrics, weighted_metrics=weighted_metrics)
        self.built = False
        self.loss_tracker = MeanTracker("loss")
        self.output_loss_trackers = []
        self.metric_entries = []  # (output index, metric, weighted?)
        self.loss_entries = []    # (output index, loss, weight, name)
        self.output_names = None

    @property
    def needs_outputs(self) -> bool:
        """Whether building needs the model's outputs (a loss or metrics were compiled)."""
        return any(self.config[key] is not None for key in ("loss", "metrics", "weighted_metrics"))

    # ------------------------------------------------------------------ structure

    def _names(self, model, y_pred):
        if isinstance(y_pred, dict):
            return list(y_pred)
        count = len(y_pred) if isinstance(y_pred, (list, tuple)) else 1
        names = output_names_of(model)
        if names and len(names) == count:
            return names
        return ["output"] if count == 1 else [f"output_{i}" for i in range(count)]

    def _make_flatteners(self, model, y, y_pred):
        names, name = self.output_names, model.name
        if isinstance(y_pred, dict):
            pred_keys = list(y_pred)
            self.flat_pred = functools.partial(_by_keys, pred_keys)
        elif isinstance(y_pred, (list, tuple)):
            self.flat_pred = list
        else:
            self.flat_pred = _one_item_list
        if y is None:
            self.flat_true = functools.partial(_nones, len(names))
        elif isinstance(y, dict):
            check_keys(y, names, "output", name)
            self.flat_true = _by_name_or_order(names, name)
        elif isinstance(y, (list, tuple)) and len(names) > 1:
            if len(y) != len(names):
                raise ValueError(
                    f"Model '{name}' has {len(names)} outputs {names}, but y is a {type(y).__name__} of "
                    f"{len(y)} arrays. Pass one target per output, in this order, or a dict keyed by output name."
                )
            self.flat_true = _by_name_or_order(names, name)
        elif len(names) > 1 and self._only_output_with_loss(names) is not None:
            # Keras: one target for a model whose other outputs have no loss (`loss=[fn, None]`).
            only = self._only_output_with_loss(names)
            self.flat_true = functools.partial(_only_at, only, len(names))
        elif len(names) > 1:
            raise ValueError(
                f"Model '{name}' has {len(names)} outputs {names}, but y is a single "
                f"{type(y).__name__}. Pass a list (output order) or a dict keyed by output name."
            )
        else:
            self.flat_true = _first_as_list if isinstance(y, (list, tuple)) else _one_item_list

    def _only_output_with_loss(self, names):
        """The index of the one output a list/dict `loss` gives a loss to, else None."""
        loss = self.config["loss"]
        if isinstance(loss, (list, tuple)) and len(loss) == len(names):
            given = [i for i, entry in enumerate(loss) if entry is not None]
        elif isinstance(loss, dict):
            given = [names.index(k) for k, entry in loss.items() if entry is not None and k in names]
        else:
            return None
        return given[0] if len(given) == 1 else None

    def build(self, model, y, y_pred):
        """Resolves losses and metrics per output from the first batch's labels and predictions.

        `y_pred` may be None when nothing was compiled but the optimizer (`needs_outputs` False).
        """
        if y_pred is None:
            self.output_names = output_names_of(model) or ["output"]
            self._no_weights = [None] * len(self.output_names)
            self.flat_true = self.flat_pred = functools.partial(_repeated, len(self.output_names))
            self.loss_entries, self.output_loss_trackers, self.metric_entries = [], [], []
            self.built = True
            return
        self.output_names = names = self._names(model, y_pred)
        self._no_weights = [None] * len(names)  # shared per step when no sample_weight is given
        self._make_flatteners(model, y, y_pred)
        multi = len(names) > 1
        losses = _per_output(self.config["loss"], names, "loss", model.name)
        weights = _per_output(self.config["loss_weights"], names, "loss_weights", model.name, default=1.0)
        if self.config["loss_weights"] is None:
            weights = [1.0] * len(names)
        flat_true = self.flat_true(y) if y is not None else [None] * len(names)
        flat_pred = self.flat_pred(y_pred)
        self.pred_shapes = [tuple(getattr(p, "shape", ()) or ()) for p in flat_pred]  # for argument_checks
        self.loss_entries, self.output_loss_trackers = [], []
        for index, (loss, weight) in enumerate(zip(losses, weights)):
            if loss is None:
                continue
            fn = resolve.get_loss(loss)
            self.loss_entries.append((index, fn, 1.0 if weight is None else float(weight), names[index]))
            if multi:
                self.output_loss_trackers.append(MeanTracker(f"{names[index]}_loss"))
        if len(self.loss_entries) < 2:
            # Keras logs `<output>_loss` only when more than one output has a loss
            # (`loss=[fn, None]` logs just `loss`).
            self.output_loss_trackers = []
        device = next((p.device for p in model.parameters()), torch.get_default_device())
        loss_by_output = {index: fn for index, fn, _, _ in self.loss_entries}
        self.metric_entries = []
        for key, weighted in (("metrics", False), ("weighted_metrics", True)):
            per_output = _per_output(self.config[key], names, key, model.name)
            for index, metrics in enumerate(per_output):
                for identifier in _as_list(metrics):
                    if flat_true[index] is None:
                        continue
                    metric = resolve.get_metric(identifier, loss_by_output.get(index),
                                                tuple(flat_true[index].shape), tuple(flat_pred[index].shape))
                    if hasattr(metric, "to"):
                        metric.to(device)
                    base = getattr(metric, "name", str(identifier))
                    self.metric_entries.append((index, metric, weighted, base))
        self.metric_entries = _with_keras_log_names(self.metric_entries, names if multi else None)
        self.built = True

    # ------------------------------------------------------------------ per step

    def loss_terms(self, y, y_pred, sample_weight):
        """(weighted total, per-output unweighted values) for one batch; the total is None when
        compile() was given no loss (the model's `add_loss` terms are then the whole loss)."""
        if not self.loss_entries:
            return None, []
        flat_true, flat_pred = self.flat_true(y), self.flat_pred(y_pred)
        weights = self._no_weights if sample_weight is None else self._split_weights(sample_weight)
        total, values = None, []
        for index, fn, weight, name in self.loss_entries:
            try:
                value = fn(flat_true[index], flat_pred[index], weights[index])
            except (ValueError, IndexError, RuntimeError, TypeError) as error:
                raise type(error)(
                    f"Computing the loss of output '{name}' (labels of shape {tuple(flat_true[index].shape)}, "
                    f"dtype {flat_true[index].dtype}; predictions of shape {tuple(flat_pred[index].shape)}) "
                    f"failed: {error}"
                ) from error
            values.append(value)
            term = value if weight == 1.0 else value * weight
            total = term if total is None else total + term
        return total, values

    def _split_weights(self, sample_weight):
        count = len(self.output_names)
        if sample_weight is None:
            return [None] * count
        if isinstance(sample_weight, dict):
            return [sample_weight.get(n) for n in self.output_names]
        if isinstance(sample_weight, (list, tuple)):
            return list(sample_weight)
        return [sample_weight] * count

    def update_loss_trackers(self, values, batch_size):
        for tracker, value in zip(self.output_loss_trackers, values):
            tracker.update_state(value, batch_size)

    def update_metrics(self, y, y_pred, sample_weight, entries=None):
        """Updates the compiled metrics (`entries`: a subset of `metric_entries`, default all)."""
        entries = self.metric_entries if entries is None else entries
        if not entries:
            return
        flat_true, flat_pred = self.flat_true(y), self.flat_pred(y_pred)
        weights = self._no_weights if sample_weight is None else self._split_weights(sample_weight)
        detached = [_detached_with_mask(p) for p in flat_pred]
        with torch.no_grad():
            for index, metric, weighted, _ in entries:
                metric.update_state(flat_true[index], detached[index],
                                    sample_weight=weights[index] if weighted else None)

    def public_metrics(self):
        """What `model.metrics` lists, as Keras: the loss tracker, one `CompileMetrics` holding the
        compiled metrics, then the per-output loss trackers."""
        listed = [self.loss_tracker]
        if self.metric_entries:
            if getattr(self, "_compile_metrics", None) is None:
                self._compile_metrics = CompileMetrics(self)
            listed.append(self._compile_metrics)
        return listed + list(self.output_loss_trackers)

    def trackers(self):
        """Everything that appears in the logs, in Keras order: loss, per-output losses, metrics."""
        named = [(t.name, t) for t in [self.loss_tracker] + self.output_loss_trackers]
        return named + [(display, metric) for _, metric, _, display in self.metric_entries]

    def results(self):
        return {name: tracker.result() for name, tracker in self.trackers()}

    def reset(self):
        for _, tracker in self.trackers():
            tracker.reset_state()


def _detached_with_mask(prediction):
    """`prediction.detach()` keeping its Keras mask: as in Keras, metrics weight by the output's
    mask (padded steps of a sequence output count for nothing)."""
    detached = prediction.detach()
    mask = getattr(prediction, "_keras_mask", None)
    if mask is not None:
        detached._keras_mask = mask
    return detached


def _with_keras_log_names(entries, output_names):
    """Keras's log names for `(output index, metric, weighted, metric name)` entries: prefixed by
    the output's name on multi-output models; a repeated name gets `_1`, `_2`...; a weighted metric
    whose name is taken becomes `weighted_<name>` (so `metrics=["accuracy"]` with
    `weighted_metrics=["accuracy"]` logs `accuracy` and `weighted_accuracy`, never one over the other)."""
    def prefixed(index, name):
        return f"{output_names[index]}_{name}" if output_names else name

    seen, named = {}, []
    for index, metric, weighted, base in entries:
        name = prefixed(index, base)
        if name in seen and weighted:
            name = prefixed(index, f"weighted_{base}")
        if name in seen:
            count = seen[name]
            seen[name] += 1
            name = f"{name}_{count}"
        else:
            seen[name] = 1
        named.append((index, metric, weighted, name))
    return named


class CompileMetrics:
    """The metrics given to `compile()`, as one object (Keras's `compile_metrics` in `model.metrics`).

    A custom `train_step` written for Keras calls `metric.update_state(y, y_pred, sample_weight)` on
    every entry of `self.metrics`: this updates each compiled metric as `fit` would (structure per
    output; `sample_weight` only for `weighted_metrics`), and `result()` gives the dict of their
    values, which `fit` flattens into the logs (`{"loss": ..., "mae": ...}`).
    """

    name = "compile_metrics"

    def __init__(self, state):
        self._state = state

    @property
    def metrics(self):
        return [metric for _, metric, _, _ in self._state.metric_entries]

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._state.update_metrics(y_true, y_pred, sample_weight)

    def result(self):
        return {display: metric.result() for _, metric, _, display in self._state.metric_entries}

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_state()

    def __repr__(self):
        return f"<CompileMetrics {[display for _, _, _, display in self._state.metric_entries]}>"
