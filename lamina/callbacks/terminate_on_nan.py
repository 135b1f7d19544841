"""`TerminateOnNaN`: stops training at the first NaN/inf loss, keeping the last good weights."""

import math

import torch

from lamina.callbacks.callback import Callback

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """Stops `fit` when the batch loss becomes NaN or infinite.

    Unlike Keras (which keeps the NaN weights), the weights from before the
    step that produced the bad loss are put back, so the model stays usable.
    The copy is an in-place `foreach` copy per batch (no allocation).

    Example:
        >>> model.fit(x, y, callbacks=[TerminateOnNaN()])
    """

    def __init__(self):
        super().__init__()
        self._saved = None
        self._params = None

    def on_train_begin(self, logs=None):
        self._params = [t for t in self.model.state_dict(keep_vars=True).values() if t.is_floating_point()]
        self._saved = [t.detach().clone() for t in self._params]

    def on_train_batch_begin(self, batch, logs=None):
        with torch.no_grad():
            torch._foreach_copy_(self._saved, [t.detach() for t in self._params])

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (math.isnan(loss) or math.isinf(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            with torch.no_grad():
                torch._foreach_copy_([t.detach() for t in self._params], self._saved)
            self.model.stop_training = True
            self.model._stop_epoch_now = True
