"""`Trainer`: the training half of `Model` (compile, train/test/predict steps, *_on_batch).

The epoch loops of fit/evaluate/predict live in `lamina.trainers.loops`. The
default `train_step` is plain torch autograd: forward with `training=True`,
the compiled loss (+ regularization and `add_loss` terms), `backward`, the
optimizer's (fused) step, constraints, and on-device metric updates. All
structure resolution happens once (first batch); a step does no validation.
"""


import inspect
import weakref
import time
import warnings

import numpy as np
import torch

from lamina.layers.layer import _LOSS_TRACKER, Layer
from lamina.layers.layer_weights import in_keras_layout
from lamina.trainers import resolve
from lamina.trainers.compile_state import CompileState
from lamina.trainers.trackers import LazyLogs, check_logs, logs_to_floats
from lamina.utils.data_structure import pack_x_y_sample_weight, unpack_x_y_sample_weight

__all__ = ["Trainer"]


def _batch_size_of(x):
    while not isinstance(x, (torch.Tensor, np.ndarray)):  # NumPy: string inputs stay arrays
        x = next(iter(x.values())) if isinstance(x, dict) else x[0]
    return x.shape[0]


class Trainer:
    """Mixin giving `Model` the Keras training API (see `compile`, `fit`, `evaluate`, `predict`)."""

    def _init_training_state(self):
        self.optimizer = None
        self.__dict__["loss"] = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._compile_state = None
        self._train_ready = False
        self._loss_scaler = None
        self._initial_epoch = None

    # ------------------------------------------------------------------ compile

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Configures the model for training.

        Args:
            optimizer: name (`"adam"`), optimizer instance, or a `torch.optim.Optimizer`.
            loss: loss name/object/callable; a list (output order) or dict (output
                name) for several outputs.
            loss_weights: scalar factors of each output's loss (list or dict).
            metrics: metric names/objects per output; `"accuracy"` becomes binary,
                categorical or sparse categorical accuracy from the loss and shapes.
            weighted_metrics: metrics that also receive `sample_weight`.
            run_eagerly: True keeps every step eager (no capture under "auto").
            steps_per_execution: accepted for Keras compatibility.
            jit_compile: True captures forward, loss and backward of the
                training step (and Adam/AdamW's update) as one compiled graph on
                the first batch (see `lamina/trainers/capture.py`), or, where
                capture is not
                supported, uses `torch.compile` (`lamina/trainers/jit.py`).
                `"auto"` (Keras's default) runs eagerly and captures a small
                step once the model's eager steps reach ~0.3 s: a compiled package from the
                disk cache at once, else one compiled in a child process while
                training goes on (`lamina/trainers/capture_cache.py`), kept only
                if it measures faster; False always runs eagerly.
                `model.jit_compile` is True only for True, as in Keras on torch.

        Example:
            >>> model.compile(optimizer="adam", loss={"sentiment": "binary_crossentropy",
            ...               "topic": "sparse_categorical_crossentropy"},
            ...               loss_weights={"sentiment": 1.0, "topic": 0.5},
            ...               metrics={"sentiment": "accuracy", "topic": "accuracy"})
        """
        self.optimizer = resolve.get_optimizer(optimizer)
        self._compile_state = CompileState(loss, loss_weights, metrics, weighted_metrics)
        self._compile_args = dict(optimizer=optimizer, loss=loss, loss_weights=loss_weights, metrics=metrics,
                                  weighted_metrics=weighted_metrics, run_eagerly=run_eagerly,
                                  steps_per_execution=steps_per_execution, jit_compile=jit_compile)
        # `model.loss` is the loss as given (Keras's attribute); kept out of nn.Module's registry so
        # a torch loss module passed here does not become a child module with state_dict entries.
        self.__dict__["loss"] = loss
        self.run_eagerly = run_eagerly
        self.steps_per_execution = steps_per_execution
        self.jit_compile = jit_compile is True
        # "sync": capture the step at the first batch (jit_compile=True); "auto": capture once the
        # eager steps make it pay, compiling in a child process (lamina/trainers/capture.py).
        # LAMINA_JIT_BACKEND names a torch.compile backend to use the dynamo path (lamina/trainers/jit.py).
        import os

        capture = os.environ.get("LAMINA_JIT_BACKEND", "capture") == "capture"
        self.__dict__["_capture_mode"] = None if not capture else "sync" if jit_compile is True else (
            "auto" if jit_compile == "auto" and not run_eagerly else None)
        self.__dict__["_captured"] = None
        self._jit_fn = None
        self._jit_full_step = False
        self._train_ready = False
        self.compiled = True

    def _assert_compiled(self, caller):
        if not self.compiled:
            raise RuntimeError(
                f"You must call compile() on model '{self.name}' before {caller}(), e.g. "
                f"model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')."
            )

    def get_compile_config(self):
        """The `compile` arguments (names kept as given), as stored in `.keras` files."""
        if not self.compiled:
            return None
        from lamina.saving.compile_config import serialize_compile_args

        return serialize_compile_args(self._compile_args)

    def compile_from_config(self, config):
        """Compiles from `get_compile_config()` output (lamina's or Keras's); custom losses, metrics
        and optimizers are found through `custom_object_scope` and `register_serializable`."""
        if config:
            from lamina.saving.compile_config import deserialize_compile_args

            self.compile(**deserialize_compile_args(config))

    # ------------------------------------------------------------------ metrics

    @property
    def metrics(self):
        """The loss tracker, the compiled metrics (one `CompileMetrics` object, as Keras), the per-output
        loss trackers, then the `Metric`s kept as attributes of the model or its layers (e.g.
        `self.loss_tracker = keras.metrics.Mean(name="loss")`), as Keras lists them.

        `fit` resets every metric listed here at the start of each epoch, `evaluate` at its start;
        overriding this property (the Keras guides do) decides which metrics are reset.
        """
        compiled = []
        if self._compile_state is not None and self._compile_state.built:
            compiled = self._compile_state.public_metrics()
        return compiled + [m for m in self._attribute_metrics() if all(m is not c for c in compiled)]

    def _attribute_metrics(self, refresh=False):
        """The `Metric`s held as attributes of the model and its layers; looked up again at every
        `reset_metrics()` (each epoch start), so a custom step reading `self.metrics` per batch stays cheap."""
        cached = self.__dict__.get("_attribute_metrics_cache")
        if cached is not None and not refresh:
            return cached
        from lamina.metrics import Metric

        found, seen = [], set()
        for module in self.modules():
            for value in module.__dict__.values():
                if isinstance(value, Metric) and id(value) not in seen:
                    seen.add(id(value))
                    found.append(value)
        self.__dict__["_attribute_metrics_cache"] = found
        return found

    @property
    def metrics_names(self):
        names = []
        if self._compile_state is not None and self._compile_state.built:
            names = [name for name, _ in self._compile_state.trackers()]
        return names + [m.name for m in self._attribute_metrics() if m.name not in names]

    def reset_metrics(self):
        """Resets every metric in `self.metrics` (the compiled ones and those the model tracks)."""
        if self._compile_state is not None:
            self._compile_state.reset()
        self._attribute_metrics(refresh=True)
        for metric in self.metrics:
            metric.reset_state()

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics with a batch and returns `get_metrics_result()` (Keras's hook
        for custom steps: `return self.compute_metrics(x, y, y_pred, sample_weight)`).

        Args:
            x: the inputs (unused by the default; available to overrides).
            y: targets in the model's output structure.
            y_pred: the model's predictions.
            sample_weight: optional weights (used by `weighted_metrics` only, as in `fit`).
        """
        state = self._compile_state
        if state is not None and state.built:
            state.update_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """The current result of every metric in `self.metrics`, by name (a metric returning a dict,
        such as the compiled metrics, contributes its entries), as Keras returns it."""
        results = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                results.update(result)
            else:
                results[metric.name] = result
        return results

    # ------------------------------------------------------------------ setup

    def _prepare_for(self, batch, caller):
        """Builds the model, the compiled loss/metrics and the optimizer from a first batch (once)."""
        self._assert_compiled(caller)
        self._compute_loss_has_training_arg = _takes_training(self.compute_loss)
        state = self._compile_state
        x, y, _ = batch
        if not self.built or not state.built:
            y_pred = self._symbolic_outputs()
            # As Keras: the model runs on the first batch only when it is not built or when the compiled
            # losses/metrics need its outputs (a GAN that only compiles optimizers may have no `call`).
            if y_pred is None and (not self.built or state.needs_outputs):
                # Subclassed (or not yet built) models: one forward without gradients or randomness.
                with torch.no_grad():
                    y_pred = self(x, training=False)
                Layer._clear_losses()
            if not state.built:
                state.build(self, y, y_pred)
        if self._train_ready or caller not in ("fit", "train_on_batch"):
            return
        from lamina.distribution import distribution

        strategy = distribution()
        if strategy is not None and strategy.shards_parameters:
            strategy.wrap_model(self)  # FSDP replaces the parameters by shards: before the optimizer sees them
        params = [p for p in self.parameters() if p.requires_grad]
        if hasattr(self.optimizer, "build") and not getattr(self.optimizer, "built", False):
            self.optimizer.build(params)
        self._params = params
        self._regularized = []
        self._constrained = []
        for module in self.modules():
            for name, spec in getattr(module, "_weight_specs", {}).items():
                param = module._parameters.get(name)
                if param is None:
                    continue
                # Weights stored in torch layout are regularized/constrained in their Keras layout.
                if spec.get("regularizer") is not None:
                    self._regularized.append((param, in_keras_layout(spec["regularizer"], spec.get("perm"))))
                if spec.get("constraint") is not None and param.requires_grad:
                    self._constrained.append((param, in_keras_layout(spec["constraint"], spec.get("perm"))))
        step = getattr(self.optimizer, "step", None)
        self._optimizer_step = step if step is not None else self._apply_gradients_step
        if strategy is not None and strategy.shards_parameters and strategy.averages_at_step:
            # ModelParallel over a batch axis: per-process gradient sums become the mean (lamina/distribution).
            self._optimizer_step = strategy.wrap_step(self._params, self._optimizer_step)
        # mixed_float16 layers: dynamic loss scaling (lamina/mixed_precision/loss_scale.py).
        from lamina.mixed_precision.loss_scale import DynamicLossScaler, needs_loss_scaling

        # An explicit LossScaleOptimizer already scales (Keras wraps only other optimizers).
        self._loss_scaler = DynamicLossScaler(self._params, self._optimizer_step) \
            if needs_loss_scaling(self) and not hasattr(self.optimizer, "dynamic_scale") else None
        if self._loss_scaler is not None:
            self._optimizer_step = self._loss_scaler.step
        # The module the training forward runs through: the model itself, or its DDP wrapper. Kept in
        # __dict__ directly: assigning an nn.Module attribute would register it as a sub-module (a cycle).
        self.__dict__["_train_module"] = self
        if strategy is not None and not strategy.shards_parameters:
            if type(self).train_step is Trainer.train_step:
                # DDP all-reduces gradients in buckets during backward (lamina/distribution).
                self.__dict__["_train_module"] = strategy.wrap_model(self)
            else:
                # A custom train_step calls `self(...)`, not the wrapper: average gradients at the step.
                strategy.broadcast_parameters(self)
                self._optimizer_step = strategy.wrap_step(self._params, self._optimizer_step)
        mode = self.__dict__.get("_capture_mode")
        captured = None
        if mode is not None and self.__dict__.get("_captured") is None:
            from lamina.trainers.capture import Captured

            if Captured.supports(self, x, y, batch[2]) is None:
                captured = Captured(self, auto=mode == "auto")
                self.__dict__["_captured"] = captured
        if self.jit_compile and self._jit_fn is None and self.__dict__.get("_captured") is None:
            from lamina.trainers.jit import compile_train_step

            self._jit_fn, self._jit_full_step = compile_train_step(self)
        self._train_ready = True

    def _symbolic_outputs(self):
        """The output KerasTensors of a built functional graph (shapes only, no compute), else None."""
        from lamina.graph.keras_tensor import KerasTensor

        if not self.built:
            return None
        try:
            outputs = self.output
        except (AttributeError, ValueError):
            return None
        leaves = list(outputs.values()) if isinstance(outputs, dict) else \
            (list(outputs) if isinstance(outputs, (list, tuple)) else [outputs])
        return outputs if leaves and all(isinstance(t, KerasTensor) for t in leaves) else None

    def _apply_gradients_step(self):
        pairs = [(p.grad, p) for p in self._params if p.grad is not None]
        self.optimizer.apply_gradients(pairs)

    # ------------------------------------------------------------------ loss

    def _extra_losses(self):
        """Weight-regularization penalties and `add_loss` values of the current call."""
        if not self._train_ready:
            return self.losses
        extra = [reg(param) for param, reg in self._regularized]
        for layer in _LOSS_TRACKER:
            extra.extend(layer._losses)
        return extra

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss of a batch: compiled losses (weighted) + regularization + `add_loss` terms.

        Args:
            x: the inputs (unused by the default; available to overrides).
            y: targets in the model's output structure.
            y_pred: the model's predictions.
            sample_weight: optional weights (one array, or per output).
            training: whether this is a training step.

        Returns:
            A scalar tensor. Per-output values (`<output>_loss` logs) are kept on
            the compile state for the trackers.
        """
        state = self._compile_state
        total, values = state.loss_terms(y, y_pred, sample_weight)
        # Only the per-output trackers read these, after the step: kept detached, so that the
        # model holds no autograd graph between steps (and `copy.deepcopy(model)` works).
        state.last_values = [v.detach() for v in values] if state.output_loss_trackers else ()
        for extra in self._extra_losses():
            total = extra if total is None else total + extra
        if total is None:
            raise ValueError(
                f"No loss to compute for model '{self.name}': compile() was given no `loss` and the model "
                f"added none with `add_loss`. Pass loss= to compile(), e.g. "
                f"model.compile(optimizer='adam', loss='mse'), or call self.add_loss(...) in a layer.")
        return total

    def _compute_loss(self, x, y, y_pred, sample_weight, training=True):
        """Calls `compute_loss`, also when an override has Keras's older signature without `training`."""
        has_training = self.__dict__.get("_compute_loss_has_training_arg")
        if has_training is None:
            has_training = _takes_training(self.compute_loss)
        if has_training:
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def _forward_and_loss(self, x, y, sample_weight):
        y_pred = self._train_module(x, training=True)
        return self._compute_loss(x, y, y_pred, sample_weight, training=True), y_pred

    # ------------------------------------------------------------------ steps

    def train_step(self, data):
        """One optimization step on a batch; returns the (lazy) running logs.

        `data` is the batch as the data gives it: `(x, y)` for `fit(x, y)`, `(x, y, sample_weight)`
        only when there are weights, `x` alone without targets (see
        `keras.utils.unpack_x_y_sample_weight`).

        Override it for custom training (plain torch autograd inside), as in Keras's torch guide:

            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            with torch.no_grad():
                self.optimizer.apply([v.value.grad for v in self.trainable_weights], self.trainable_weights)
            return {m.name: m.result() for m in self.metrics}
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        if _LOSS_TRACKER:
            Layer._clear_losses()
        captured = self.__dict__.get("_captured")
        if captured is not None and sample_weight is None:
            return self._captured_step(captured, x, y)
        if self._jit_fn is not None and self._jit_full_step:
            # Whole step compiled (lamina/trainers/jit.py): forward, loss, backward and update in one graph.
            loss, y_pred = self._jit_fn(x, y, sample_weight)
            return self._track(loss, x, y, y_pred, sample_weight)
        self._clear_gradients()
        if self._jit_fn is not None:
            loss, y_pred = self._jit_fn(x, y, sample_weight)
        else:
            y_pred = self._train_module(x, training=True)
            loss = self._compute_loss(x, y, y_pred, sample_weight, training=True)
        if not loss.requires_grad:
            # Nothing to differentiate (e.g. a model of weight-free layers with an `add_loss`):
            # Keras's torch trainer warns and skips the update.
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
            return self._track(loss, x, y, y_pred, sample_weight)
        scaled = loss if self._loss_scaler is None else self._loss_scaler.scale(loss)
        # Keras's trainers backpropagate `optimizer.scale_loss(loss)` (LossScaleOptimizer, loss_scale_factor).
        scale_loss = getattr(self.optimizer, "scale_loss", None)
        (scale_loss(scaled) if scale_loss is not None else scaled).backward()
        self._optimizer_step()
        if self._constrained:
            with torch.no_grad():
                for param, constraint in self._constrained:
                    param.copy_(constraint(param))
        return self._track(loss, x, y, y_pred, sample_weight)

    def _clear_gradients(self):
        """Sets the trained parameters' gradients to None. Directly, not through the optimizer:
        torch's `Optimizer.zero_grad` opens a profiler range and walks its groups every call
        (~8% of a small model's step)."""
        params = self.__dict__.get("_params")
        if params is None:  # train_step called before fit/train_on_batch set the model up
            self.optimizer.zero_grad(set_to_none=True)
            return
        for param in params:
            param.grad = None

    def _captured_step(self, captured, x, y):
        """A step through the captured graph when it is ready for this batch; eager otherwise (and,
        for jit_compile="auto", timed, to decide whether capturing pays)."""
        left = self.__dict__.get("_fit_steps_left", 0)
        self.__dict__["_fit_steps_left"] = left - 1
        if not captured.auto and captured.key is None and captured.failed is None:
            captured.build(x, y)
        timed = captured.auto and captured.kept is None
        start = time.perf_counter() if timed else 0.0
        result = captured.run_checked(x, y) if captured.ready_for(x, y) else None
        tracked = False
        if result is not None:
            loss, y_pred, updated = result
            if not updated:
                self._optimizer_step()
            eager = False
            tracked = captured.metrics is not None
        else:
            self._clear_gradients()
            y_pred = self._train_module(x, training=True)
            loss = self._compute_loss(x, y, y_pred, None, training=True)
            loss.backward()
            self._optimizer_step()
            eager = True
        if self._constrained:
            with torch.no_grad():
                for param, constraint in self._constrained:
                    param.copy_(constraint(param))
        if tracked:  # the graph updated the trackers and lamina's metrics; the others here
            state = self._compile_state
            state.update_metrics(y, y_pred, None, entries=captured.metrics.eager_entries)
            logs = LazyLogs(state.results)
        else:
            logs = self._track(loss, x, y, y_pred, None)
        if timed:  # both kinds of step timed with their metric updates (inside the graph, or not)
            seconds = time.perf_counter() - start
            if eager:
                captured.note_eager(seconds)
                captured.consider(x, y, left)
            else:
                captured.note_captured(seconds)
        return logs

    def _track(self, loss, x, y, y_pred, sample_weight):
        state = self._compile_state
        size = _batch_size_of(x)
        state.loss_tracker.update_state(loss, size)
        if state.output_loss_trackers:
            state.update_loss_trackers(state.last_values, size)
        state.update_metrics(y, y_pred, sample_weight)
        return LazyLogs(state.results)

    def test_step(self, data):
        """Loss and metrics of one batch with `training=False` (no gradients)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        if _LOSS_TRACKER:
            Layer._clear_losses()
        y_pred = self(x, training=False)
        loss = self._compute_loss(x, y, y_pred, sample_weight, training=False)
        return self._track(loss, x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs for one batch (`training=False`)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # ------------------------------------------------------------------ on batch

    def _single_batch(self, x, y, sample_weight, class_weight, caller):
        from lamina.trainers.data_adapters.structure import class_weight_to_sample_weight, convert_structure
        from lamina.trainers.loops import model_device

        device = model_device(self)
        if class_weight is not None:
            sample_weight = class_weight_to_sample_weight(convert_structure(y), class_weight)
        batch = tuple(convert_structure(v, device) for v in (x, y, sample_weight))
        if caller != "predict_on_batch":
            self._prepare_for(batch, caller)
        return batch

    def _results(self, logs, return_dict):
        logs = logs_to_floats(logs)
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names if name in logs] or list(logs.values())
        return values[0] if len(values) == 1 else values

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch; returns the loss (and metrics) as floats."""
        from lamina.trainers.loops import training_mode

        batch = self._single_batch(x, y, sample_weight, class_weight, "train_on_batch")
        self.reset_metrics()  # as Keras: the results are this batch's, not a running mean across calls
        with training_mode(self, True):
            logs = check_logs(self.train_step(pack_x_y_sample_weight(*batch)), self, "train_step")
        return self._results(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) of one batch in inference mode, as floats."""
        from lamina.trainers.loops import training_mode

        batch = self._single_batch(x, y, sample_weight, None, "test_on_batch")
        self.reset_metrics()
        with training_mode(self, False), torch.no_grad():
            logs = check_logs(self.test_step(pack_x_y_sample_weight(*batch)), self, "test_step")
        return self._results(logs, return_dict)

    def predict_on_batch(self, x):
        """The model's outputs for one batch, as NumPy arrays in the output structure."""
        from lamina.trainers.loops import to_numpy, training_mode

        batch = self._single_batch(x, None, None, None, "predict_on_batch")
        with training_mode(self, False), torch.inference_mode():
            return to_numpy(self.predict_step(pack_x_y_sample_weight(*batch)))

    # fit/evaluate/predict are defined in lamina.trainers.loops and attached below.
    from lamina.trainers.loops import evaluate, fit, predict  # noqa: E402  (methods)


_TAKES_TRAINING = weakref.WeakKeyDictionary()


def _takes_training(compute_loss):
    """Whether a `compute_loss` accepts `training` (Keras's older signature does not). Cached per
    function: `inspect.signature` costs ~0.2 ms, paid by every `fit`/`evaluate` call otherwise."""
    function = getattr(compute_loss, "__func__", compute_loss)
    try:
        return _TAKES_TRAINING[function]
    except (KeyError, TypeError):
        pass
    takes = "training" in inspect.signature(compute_loss).parameters
    try:
        _TAKES_TRAINING[function] = takes
    except TypeError:  # not weakly referenceable (e.g. a builtin): not cached
        pass
    return takes
