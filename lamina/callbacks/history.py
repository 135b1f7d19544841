"""`History`: records the epoch logs; `fit` returns it."""

from lamina.callbacks.callback import Callback

__all__ = ["History"]


class History(Callback):
    """Keeps `history[key]` = list of per-epoch values and `epoch` = epoch indices.

    Only completed epochs are recorded, so after an interrupted `fit` (Ctrl-C)
    `model.history` still describes a consistent state.

    Example:
        >>> history = model.fit(x, y, epochs=2, verbose=0)
        >>> history.history["loss"]
        [0.69, 0.65]
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self
