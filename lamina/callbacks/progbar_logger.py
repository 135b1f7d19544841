"""`ProgbarLogger`: prints training progress (Keras 3 style) from the callback hooks."""

import sys

from lamina.callbacks.callback import Callback
from lamina.backend.config import is_interactive_logging_enabled
from lamina.callbacks.progbar import LoggerStream, Progbar, is_interactive

__all__ = ["ProgbarLogger"]


class ProgbarLogger(Callback):
    """Prints `Epoch i/n` and a progress bar per epoch.

    verbose (from fit's `params`): 0 silent; 1 the animated bar; 2 one line per
    epoch (`Epoch 1/2` then `7/7 - 1s - 2ms/step - loss: ...`); "auto" is 1
    on a terminal and, off a terminal (pipes, files, CI), a single plain line per
    epoch (`Epoch 1/2 - 7/7 - 1s - 2ms/step - loss: ...`) with no control characters.

    Example:
        >>> model.fit(x, y, callbacks=[ProgbarLogger()], verbose=1)
    """

    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream
        self._bar = None
        self._epoch = 0
        self._seen = 0

    def _mode(self):
        verbose = self.params.get("verbose", "auto")
        stream = self._out()
        if verbose == "auto":
            return "bar" if is_interactive(stream) else "line"
        if verbose == 1:
            return "bar" if not isinstance(stream, LoggerStream) else "line"
        if verbose == 2:
            return "two-line"
        return "off"

    def _out(self):
        if self.stream is not None:
            return self.stream
        # keras.config.disable_interactive_logging(): progress goes to the "lamina" logger.
        return sys.stdout if is_interactive_logging_enabled() else LoggerStream()

    def _start_bar(self, target, prefix=""):
        mode = self._mode()
        self._seen = 0
        self._bar = None if mode == "off" else Progbar(target, interactive=(mode == "bar"), stream=self._out(),
                                                     prefix=prefix)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        mode = self._mode()
        epochs = self.params.get("epochs")
        header = f"Epoch {epoch + 1}/{epochs}"
        if mode in ("bar", "two-line"):
            self._out().write(header + "\n")
            self._start_bar(self.params.get("steps"))
        else:
            self._start_bar(self.params.get("steps"), prefix=header + " - ")

    def set_params(self, params):
        super().set_params(params)
        # Bound only when a bar is drawn, so plain-line and silent modes cost nothing per step.
        if self._mode() == "bar":
            self.on_train_batch_end = self._on_train_batch_end
        else:
            self.__dict__.pop("on_train_batch_end", None)

    def _on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self._bar is not None:
            self._bar.update(batch + 1, (lambda: logs) if logs is not None else None)

    def on_epoch_end(self, epoch, logs=None):
        if self._bar is not None:
            self._bar.finish(dict(logs or {}), current=self._seen or self.params.get("steps"))
            self._bar = None
        self._seen = 0

    # evaluate()/predict() called directly (not from fit) show their own bar.
    def on_test_begin(self, logs=None):
        if not self.params.get("in_fit"):
            self._start_bar(self.params.get("steps"))

    def on_test_batch_end(self, batch, logs=None):
        if not self.params.get("in_fit"):
            self._on_train_batch_end(batch, logs)

    def on_test_end(self, logs=None):
        if not self.params.get("in_fit") and self._bar is not None:
            self._bar.finish(dict(logs or {}), current=self._seen or self.params.get("steps"))
            self._bar = None

    def on_predict_begin(self, logs=None):
        self._start_bar(self.params.get("steps"))

    def on_predict_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self._bar is not None:
            self._bar.update(batch + 1)

    def on_predict_end(self, logs=None):
        if self._bar is not None:
            self._bar.finish({}, current=self._seen or self.params.get("steps"))
            self._bar = None
