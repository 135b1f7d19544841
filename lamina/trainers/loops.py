"""The epoch loops of `Model.fit`, `Model.evaluate` and `Model.predict`.

Defined as functions taking `self` and attached to `Trainer` as methods, to
keep the step logic (trainer.py) and the loop logic (here) in files of one idea
each. The hot loop is: next batch, `train_step`, the bound batch hooks (no-ops
unless a callback implements them), a `stop_training` check.
"""

import contextlib
import itertools

import numpy as np
import torch

from lamina.callbacks.callback_list import CallbackList
from lamina.trainers import argument_checks as checks
from lamina.trainers.data_adapters import ArrayData, make_data
from lamina.trainers.data_adapters.structure import check_keys, input_names_of
from lamina.trainers.threads import thread_scope
from lamina.trainers.trackers import check_logs, logs_to_floats
from lamina.utils.data_structure import pack_x_y_sample_weight

__all__ = ["fit", "evaluate", "predict", "training_mode", "model_device", "to_numpy"]


def model_device(model):
    for param in model.parameters():
        return param.device
    return torch.get_default_device()


@contextlib.contextmanager
def training_mode(model, mode):
    """Puts the model in train/eval mode and restores the previous modes of all sub-modules after."""
    previous = [(m, m.training, m.__dict__.get("_mode_is_set")) for m in model.modules()]
    model.train(mode)
    try:
        yield
    finally:
        for module, was_training, mode_was_set in previous:
            module.training = was_training
            if mode_was_set is not None:  # lamina layers: also whether a mode had been set at all
                object.__setattr__(module, "_mode_is_set", mode_was_set)


def to_numpy(outputs):
    if isinstance(outputs, torch.Tensor):
        if outputs.dtype == torch.bfloat16:  # NumPy has no bfloat16: give float32, losslessly
            outputs = outputs.float()
        return outputs.detach().cpu().numpy()
    if isinstance(outputs, dict):
        return {k: to_numpy(v) for k, v in outputs.items()}
    if isinstance(outputs, (list, tuple)):
        return type(outputs)(to_numpy(v) for v in outputs)
    return outputs


def _check_inputs(model, x):
    """Dict inputs must name the model's inputs exactly (checked once, before any step)."""
    names = input_names_of(model)
    if isinstance(x, dict) and names:
        check_keys(x, names, "input", model.name)


def _check_prepared(model, first_batch, datas, caller, step_name, class_weight=None):
    """The checks that need the built loss: targets present, class ids and class_weight keys in range."""
    checks.check_targets_given(model, first_batch, caller, step_name)
    checks.check_class_weight(model, class_weight, caller)
    for data, label in zip(datas, ("y", "validation y")):
        if isinstance(data, ArrayData):
            checks.check_class_ids(model, data.y, caller, label)


def _first_batch(data):
    if isinstance(data, ArrayData):
        return data.first_batch()
    return data.peek()


def _validation(validation_data, batch_size, device):
    if isinstance(validation_data, tuple) and len(validation_data) in (2, 3):
        x_val, y_val = validation_data[0], validation_data[1]
        sw_val = validation_data[2] if len(validation_data) == 3 else None
        return make_data(x_val, y_val, sw_val, batch_size=batch_size, device=device, caller="fit(validation_data)")
    return make_data(validation_data, batch_size=batch_size, device=device, caller="fit(validation_data)")


def _distribution():
    from lamina.distribution import distribution

    return distribution()


def _debug_caps(epochs, steps_per_epoch):
    """`keras.config.set_max_epochs` / `set_max_steps_per_epoch` (or KERAS_MAX_EPOCHS /
    KERAS_MAX_STEPS_PER_EPOCH): caps for quick debugging runs, with Keras's warnings."""
    import warnings

    from lamina.backend.config import max_epochs, max_steps_per_epoch

    cap = max_epochs()
    if cap and cap < epochs:
        warnings.warn(f"Limiting epochs to {cap}", stacklevel=3)
        epochs = cap
    cap = max_steps_per_epoch()
    if cap and (not steps_per_epoch or cap < steps_per_epoch):
        warnings.warn(f"Limiting steps_per_epoch to {cap}", stacklevel=3)
        steps_per_epoch = cap
    return epochs, steps_per_epoch


def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
        validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
        steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
    """Trains the model for `epochs` epochs; returns a `History`.

    Args:
        x: inputs: NumPy arrays / tensors (lists or dicts matched to the inputs
            by name), a torch Dataset/DataLoader, or a generator of `(x, y)` /
            `(x, y, sample_weight)` batches.
        y: targets for array inputs (a dict is matched to the outputs by name).
        batch_size: samples per step (default 32).
        epochs: index of the last epoch (training runs `initial_epoch..epochs-1`).
        verbose: "auto" (bar on a terminal, one plain line per epoch elsewhere), 0, 1 or 2.
        callbacks: list of `lamina.callbacks.Callback`.
        validation_split: fraction of the array data (taken from the end) to validate on.
        validation_data: `(x_val, y_val[, sw_val])` or an iterable of batches.
        shuffle: reshuffle array data every epoch.
        class_weight: `{class_id: weight}` multiplying each sample's loss.
        sample_weight: per-sample weights (array, or per-output list/dict).
        initial_epoch: epoch to start from (to resume training).
        steps_per_epoch: batches per epoch (default: one pass over the data).
        validation_steps: batches per validation (default: one pass).
        validation_batch_size: batch size of validation array data.
        validation_freq: validate every N epochs (int) or at the listed epochs (1-based).

    Example:
        >>> history = model.fit(x, y, epochs=2, batch_size=32, validation_split=0.2)
        >>> sorted(history.history)
        ['loss', 'val_loss']
    """
    self._assert_compiled("fit")
    checks.check_counts("fit", batch_size=batch_size, epochs=epochs, initial_epoch=initial_epoch,
                        steps_per_epoch=steps_per_epoch, validation_steps=validation_steps,
                        validation_batch_size=validation_batch_size)
    checks.check_no_strings(self, x, y, "fit")
    checks.check_class_weight(self, class_weight, "fit")
    epochs, steps_per_epoch = _debug_caps(epochs, steps_per_epoch)
    strategy = _distribution()
    if strategy is not None:  # data parallel: this rank's shard, rank-0-only output (lamina/distribution)
        from lamina.distribution.data_parallel import prepare_fit

        x, y, sample_weight, batch_size, verbose, callbacks = prepare_fit(
            strategy, self, x, y, sample_weight, batch_size, verbose, callbacks)
    device = model_device(self)
    _check_inputs(model=self, x=x)
    # With validation_split, class weights apply to the training part only (Keras's val_loss is unweighted).
    split = bool(validation_split) and validation_data is None
    data = make_data(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle,
                     class_weight=None if split else class_weight, device=device, caller="fit")
    val_data = None
    if validation_data is not None:
        val_data = _validation(validation_data, validation_batch_size or batch_size, device)
    elif validation_split:
        if not isinstance(data, ArrayData):
            raise ValueError("fit(): validation_split is only supported for array data; pass validation_data instead.")
        data, val_data = data.split(validation_split)
        if class_weight is not None:
            data = data.with_class_weight(class_weight)
    first_batch = _first_batch(data)
    self._prepare_for(first_batch, "fit")
    _check_prepared(self, first_batch, (data, val_data), "fit", "train_step", class_weight)
    steps = steps_per_epoch or data.num_batches
    callback_list = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                                 epochs=epochs, steps=steps, verbose=verbose, in_fit=True)
    self.stop_training = False
    self._initial_epoch = None
    self.__dict__.pop("_resume_in_epoch", None)  # set by BackupAndRestore.on_train_begin of this fit only
    self._interrupted = True
    train_step = self.train_step
    on_batch_begin, on_batch_end = callback_list.on_train_batch_begin, callback_list.on_train_batch_end
    # Hooks no callback implements are not called at all (with verbose=0 and no callbacks: none).
    has_batch_begin, has_batch_end = callback_list.has_on_train_batch_begin, callback_list.has_on_train_batch_end
    with training_mode(self, True), thread_scope(
            device, verbose, model=self, kind="train", batch_size=getattr(data, "batch_size", None)) as pacer:
        try:
            callback_list.on_train_begin()
            epoch_logs = None  # the last epoch's logs go to on_train_end, as in Keras
            start = self._initial_epoch if self._initial_epoch is not None else initial_epoch
            # jit_compile="auto" weighs the steps left against the cost of compiling (capture.py).
            # (Data of unknown length: 0, never captured by "auto".)
            self.__dict__["_fit_steps_left"] = (steps or 0) * max(0, epochs - start)
            for epoch in range(start, epochs):
                self.reset_metrics()
                callback_list.on_epoch_begin(epoch)
                batches, first_step = _epoch_batches(self, data, steps_per_epoch)
                # Resumed after the epoch's last batch: the restored running metrics are its logs.
                logs = self.get_metrics_result() if first_step else None
                for step, batch in enumerate(pacer.wrap(batches), first_step):
                    if has_batch_begin:
                        on_batch_begin(step)
                    # The batch as the data gives it: (x, y), (x, y, sample_weight) or x (Keras's format).
                    logs = check_logs(train_step(pack_x_y_sample_weight(*batch)), self, "train_step")
                    if has_batch_end:
                        on_batch_end(step, logs)
                    if self.stop_training:
                        break
                if logs is None:
                    if getattr(data, "exhausted", False):
                        print("Your input ran out of data; interrupting training. Make sure the dataset or "
                              "generator can produce at least steps_per_epoch * epochs batches.")
                        break
                    raise ValueError("fit(): the training data produced no batches.")
                epoch_logs = logs_to_floats(logs)
                if strategy is not None:
                    epoch_logs = strategy.reduce_logs(epoch_logs)
                if val_data is not None and _validate_now(validation_freq, epoch):
                    val_logs = _run_test(self, val_data, validation_steps, callback_list)
                    epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                callback_list.on_epoch_end(epoch, epoch_logs)
                if self.stop_training:
                    break
            self._interrupted = False
            if epochs > 0:
                # As Keras: with use_ema, the weights become their moving averages when fit ends.
                self.optimizer.finalize_variable_values(self.trainable_weights)
            callback_list.on_train_end(epoch_logs)
        except Exception as error:
            # A dead or stalled peer surfaces as an opaque backend error from a collective: say what happened.
            clear = strategy.explain_failure(error) if strategy is not None else None
            if clear is None:
                raise
            raise clear from error
        finally:
            self.optimizer.zero_grad(set_to_none=True)
    return callback_list.history


def _epoch_batches(model, data, steps_per_epoch):
    """This epoch's batches and the index of the first; after a mid-epoch `BackupAndRestore` backup,
    without the batches already trained on (drawn and dropped, so the data order is the original one)."""
    batches = iter(data.epoch(steps_per_epoch))
    resume = model.__dict__.pop("_resume_in_epoch", None)
    if resume is None:
        return batches, 0
    done, after_skipping = resume
    for _ in itertools.islice(batches, done):
        pass
    after_skipping()
    return batches, done


def _validate_now(validation_freq, epoch):
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq


def _run_test(self, data, steps, callback_list, pacer=None):
    """One pass of test steps in eval mode without gradients; returns float logs."""
    self.reset_metrics()
    callback_list.on_test_begin()
    logs = None
    on_batch_end = callback_list.on_test_batch_end
    has_begin, has_end = callback_list.has_on_test_batch_begin, callback_list.has_on_test_batch_end
    with training_mode(self, False), torch.no_grad():
        batches = data.epoch(steps)
        for step, batch in enumerate(pacer.wrap(batches) if pacer is not None else batches):
            if has_begin:
                callback_list.on_test_batch_begin(step)
            logs = check_logs(self.test_step(pack_x_y_sample_weight(*batch)), self, "test_step")
            if has_end:
                on_batch_end(step, logs)
    logs = logs_to_floats(logs)
    callback_list.on_test_end(logs)
    return logs


def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
             callbacks=None, return_dict=False):
    """Loss and metrics of the model on data, in inference mode (`training=False`).

    Args:
        x, y, sample_weight: as for `fit`.
        batch_size: samples per batch (default 32).
        verbose: "auto", 0, 1 or 2.
        steps: number of batches (default: all).
        callbacks: callbacks receiving the `on_test_*` hooks.
        return_dict: return `{name: value}` instead of a list (or a scalar for loss only).

    Example:
        >>> model.evaluate(x_test, y_test, return_dict=True)
        {'accuracy': 0.97, 'loss': 0.11}
    """
    self._assert_compiled("evaluate")
    checks.check_counts("evaluate", batch_size=batch_size, steps=steps)
    checks.check_no_strings(self, x, y, "evaluate")
    _check_inputs(self, x)
    data = make_data(x, y, sample_weight, batch_size=batch_size, device=model_device(self), caller="evaluate")
    first_batch = _first_batch(data)
    self._prepare_for(first_batch, "evaluate")
    _check_prepared(self, first_batch, (data,), "evaluate", "test_step")
    callback_list = CallbackList(callbacks, add_progbar=verbose != 0, model=self, steps=steps or data.num_batches,
                                 verbose=verbose)
    with thread_scope(model_device(self), verbose, model=self, kind="test",
                      batch_size=getattr(data, "batch_size", None)) as pacer:
        logs = _run_test(self, data, steps, callback_list, pacer)
    return self._results(logs, return_dict)


def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
    """The model's outputs for `x` as NumPy arrays (in the model's output structure).

    Runs under `torch.inference_mode()` with `training=False`.

    Args:
        x: inputs (as for `fit`; batches from a loader/generator may include targets).
        batch_size: samples per batch (default 32).
        verbose: "auto", 0, 1 or 2.
        steps: number of batches (default: all).
        callbacks: callbacks receiving the `on_predict_*` hooks.

    Example:
        >>> model.predict(x_test).shape
        (360, 10)
    """
    checks.check_counts("predict", batch_size=batch_size, steps=steps)
    checks.check_no_strings(self, x, None, "predict")
    _check_inputs(self, x)
    data = make_data(x, batch_size=batch_size, device=model_device(self), caller="predict")
    callback_list = CallbackList(callbacks, add_progbar=verbose != 0, model=self, steps=steps or data.num_batches,
                                 verbose=verbose)
    callback_list.on_predict_begin()
    outputs = []
    with training_mode(self, False), torch.inference_mode(), \
            thread_scope(model_device(self), verbose, model=self, kind="predict",
                         batch_size=getattr(data, "batch_size", None)) as pacer:
        for step, batch in enumerate(pacer.wrap(data.epoch(steps))):
            callback_list.on_predict_batch_begin(step)
            out = self.predict_step(pack_x_y_sample_weight(*batch))
            outputs.append(out)
            callback_list.on_predict_batch_end(step, {"outputs": out})
    callback_list.on_predict_end()
    if not outputs:
        raise ValueError("predict(): the data produced no batches.")
    return to_numpy(_concatenate(outputs))


def _concatenate(batches):
    first = batches[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(batches) if len(batches) > 1 else first
    if isinstance(first, dict):
        return {k: _concatenate([b[k] for b in batches]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_concatenate([b[i] for b in batches]) for i in range(len(first)))
    return np.asarray(batches)
