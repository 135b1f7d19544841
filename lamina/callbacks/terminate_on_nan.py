"""`TerminateOnNaN`: stops training at the first NaN/inf loss, keeping the last good weights and optimizer state."""

import copy
import math

import torch

from lamina.callbacks.callback import Callback

__all__ = ["TerminateOnNaN"]


def _optimizer_tensors(optimizer):
    """The optimizer's state tensors (moments, step counts, EMA, accumulators), in a stable order."""
    out = []
    torch_optimizer = getattr(optimizer, "_torch", None)
    if torch_optimizer is not None:
        for group in torch_optimizer.param_groups:
            for param in group["params"]:
                state = torch_optimizer.state.get(param, {})
                out.extend(value for _, value in sorted(state.items()) if isinstance(value, torch.Tensor))
    out.extend(getattr(optimizer, "_ema", []))
    out.extend(getattr(optimizer, "_accumulators", []))
    return out


class TerminateOnNaN(Callback):
    """Stops `fit` when the batch loss becomes NaN or infinite.

    Unlike Keras (which keeps the NaN weights), the weights and the optimizer
    state (moments, step count, EMA, accumulators) from before the step that
    produced the bad loss are put back, so the model stays usable and a next
    `fit` on clean data trains normally. The copies are in-place `foreach`
    copies per batch (no allocation after the first batch).

    Args:
        raise_error: `False` stops training gracefully (`model.stop_training`,
            `on_train_end` runs); `True` raises a `RuntimeError` at once, so
            other callbacks' `on_train_end` does not run (e.g. a
            `BackupAndRestore` keeps its backup).

    Example:
        >>> model.fit(x, y, callbacks=[TerminateOnNaN()])
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error
        self._params = self._saved = None
        self._opt_live = self._opt_saved = None
        self._opt_scalars = None

    def on_train_begin(self, logs=None):
        self._params = [t for t in self.model.state_dict(keep_vars=True).values() if t.is_floating_point()]
        self._saved = [t.detach().clone() for t in self._params]
        self._opt_live = self._opt_saved = None

    def on_train_batch_begin(self, batch, logs=None):
        with torch.no_grad():
            torch._foreach_copy_(self._saved, [t.detach() for t in self._params])
            optimizer = self.model.optimizer
            live = _optimizer_tensors(optimizer)
            if self._opt_live is None or len(live) != len(self._opt_live) or \
                    any(a is not b for a, b in zip(live, self._opt_live)):
                self._opt_live = live  # first batch, or the optimizer created new state
                self._opt_saved = [t.detach().clone() for t in live]
            elif live:
                torch._foreach_copy_(self._opt_saved, [t.detach() for t in live])
            self._opt_scalars = (getattr(optimizer, "_iterations", None), getattr(optimizer, "_counters_diverged", None),
                                 copy.deepcopy(optimizer._extra_state()) if hasattr(optimizer, "_extra_state") else None)

    def _restore(self):
        with torch.no_grad():
            torch._foreach_copy_([t.detach() for t in self._params], self._saved)
            if self._opt_live:
                torch._foreach_copy_([t.detach() for t in self._opt_live], self._opt_saved)
        optimizer = self.model.optimizer
        if self._opt_scalars is not None:
            iterations, diverged, extra = self._opt_scalars
            if iterations is not None:
                optimizer._iterations = iterations
            if diverged is not None:
                optimizer._counters_diverged = diverged
            if extra is not None:
                optimizer._load_extra_state(extra)

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = float(loss)
        if not (math.isnan(loss) or math.isinf(loss)):
            return
        self._restore()
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                               f"Terminating training immediately (weights and optimizer state restored to "
                               f"before this batch).")
        print(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
        self.model._stop_epoch_now = True
