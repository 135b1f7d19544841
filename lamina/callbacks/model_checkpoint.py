"""`ModelCheckpoint`: saves the model (or its weights) during training."""

import re

from lamina.callbacks._monitor import Monitor
from lamina.callbacks._saving import save_model
from lamina.callbacks.callback import Callback

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(Callback):
    """Saves at the end of every epoch (or every `save_freq` batches).

    Args:
        filepath: destination; may contain format fields filled from the epoch
            (1-based) and the logs, e.g. `"ckpt/{epoch:02d}-{val_loss:.2f}.keras"`.
        monitor: log key compared when `save_best_only`.
        verbose: 1 prints a line per save.
        save_best_only: save only when `monitor` improved.
        save_weights_only: save only the weights.
        mode: `"auto"`, `"min"` or `"max"`.
        save_freq: `"epoch"` or an int number of batches.
        initial_value_threshold: a best value to beat from the start.

    Example:
        >>> ModelCheckpoint("best.weights.h5", save_best_only=True, save_weights_only=True)
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive int; received {save_freq!r}.")
        self.filepath = str(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._monitor = Monitor(monitor, mode, 0.0, "ModelCheckpoint")
        self.best = initial_value_threshold if initial_value_threshold is not None else self._monitor.initial_best()
        self._batches = 0
        self._epoch = 0
        if save_freq != "epoch":
            # Only defined for batch-frequency saving so per-batch hooks stay free otherwise.
            self.on_train_batch_end = self._on_train_batch_end

    def _path(self, epoch, logs, batch=None):
        fields = dict(logs or {})
        fields["epoch"] = epoch + 1
        if batch is not None:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as error:
            names = re.findall(r"{(\w+)", self.filepath)
            raise KeyError(
                f"ModelCheckpoint filepath '{self.filepath}' uses {names}, but {error} is not in the logs "
                f"(available: {sorted(fields)})."
            ) from None

    def _save(self, epoch, logs, batch=None):
        if self.save_best_only:
            current = self._monitor.value(logs)
            self.best = self._monitor.settle(self.model, self.best)
            if current is None or not self._monitor.improves(current, self.best):
                if self.verbose > 0 and current is not None:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                      f"saving model to {self._path(epoch, logs, batch)}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {self._path(epoch, logs, batch)}")
        save_model(self.model, self._path(epoch, logs, batch), weights_only=self.save_weights_only)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def _on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        if self._batches % self.save_freq == 0:
            self._save(self._epoch, dict(logs or {}), batch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, logs)
