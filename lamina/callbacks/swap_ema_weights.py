"""`SwapEMAWeights`: evaluate and predict with the optimizer's moving averages of the weights."""

import torch

from lamina.callbacks.callback import Callback

__all__ = ["SwapEMAWeights"]


class SwapEMAWeights(Callback):
    """Swaps the model's weights with the optimizer's exponential moving averages (EMA) around
    evaluation and prediction, so that validation metrics are those of the averaged weights.

    The optimizer must be created with `use_ema=True`. The swap exchanges values in place (the
    parameters stay the same objects, so optimizers and hooks keep working).

    Args:
        swap_on_epoch: also keep the averaged weights in the model between the end of an epoch
            and the start of the next, so callbacks running at epoch end (e.g. `ModelCheckpoint`)
            see and save them.

    Example:
        >>> model.compile(optimizer=keras.optimizers.SGD(use_ema=True), loss="mse")
        >>> model.fit(x, y, epochs=5, validation_data=(x_val, y_val),
        ...           callbacks=[keras.callbacks.SwapEMAWeights(swap_on_epoch=True)])
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _pairs(self):
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if optimizer is None or not getattr(optimizer, "use_ema", False):
            raise ValueError(
                f"SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. Received: "
                f"use_ema={getattr(optimizer, 'use_ema', None)} (optimizer {type(optimizer).__name__}). Create it "
                f"with e.g. keras.optimizers.Adam(use_ema=True).")
        # Both lists are filled when the optimizer builds (first step); before that there is nothing to swap.
        return list(zip(getattr(optimizer, "_params", []) or [], getattr(optimizer, "_ema", []) or []))

    def _swap(self):
        pairs = self._pairs()
        with torch.no_grad():
            for param, average in pairs:
                held = param.detach().clone()
                param.copy_(average)
                average.copy_(held)

    def _finalize(self):
        # The averages become the swapped-in weights, so that fit's final "weights := EMA" keeps them.
        with torch.no_grad():
            for param, average in self._pairs():
                average.copy_(param)

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True
            if epoch == self.params.get("epochs", 0) - 1:
                self._finalize()

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    def on_predict_begin(self, logs=None):
        self.on_test_begin(logs)

    def on_predict_end(self, logs=None):
        # Keras 3.15 tests `not self._ema_weights_in_model` here and so leaves the averages in the model
        # after predict(); the weights are swapped back, as its evaluate path does.
        self.on_test_end(logs)
