"""`EarlyStopping`: stops training when a monitored value has stopped improving."""

from lamina.callbacks._monitor import Monitor
from lamina.callbacks._saving import restore_state, snapshot_state
from lamina.callbacks.callback import Callback

__all__ = ["EarlyStopping"]


class EarlyStopping(Callback):
    """Stops `fit` after `patience` epochs without improvement (Keras 3 semantics).

    Args:
        monitor: log key to watch (default `"val_loss"`).
        min_delta: minimum change that counts as an improvement.
        patience: epochs without improvement before stopping.
        verbose: 1 prints when stopping / restoring.
        mode: `"auto"`, `"min"` or `"max"`.
        baseline: a value the monitor must beat; until it does, `wait` keeps growing.
        restore_best_weights: at the end, restore the weights of the best epoch.
        start_from_epoch: epochs to wait before monitoring starts (warm-up).

    Example:
        >>> model.fit(x, y, validation_split=0.2, epochs=100,
        ...           callbacks=[EarlyStopping(patience=3, restore_best_weights=True)])
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self._monitor = Monitor(monitor, mode, min_delta, "EarlyStopping")
        self.min_delta = self._monitor.min_delta

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = self._monitor.initial_best()
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = self._monitor.value(logs)
        self.best = self._monitor.settle(self.model, self.best)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = snapshot_state(self.model)
            self.best_epoch = epoch
        self.wait += 1
        if self._monitor.improves(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = snapshot_state(self.model)
            # Only restart the count once both the baseline and the previous best are beaten.
            if self.baseline is None or self._monitor.improves(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            restore_state(self.model, self.best_weights)
