"""`LambdaCallback`: a callback made of plain functions."""

from lamina.callbacks.callback import Callback

__all__ = ["LambdaCallback"]

_NAMES = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end", "on_train_batch_begin",
          "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
          "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end")


class LambdaCallback(Callback):
    """Builds a callback from functions with the hook signatures.

    Args:
        on_epoch_begin, on_epoch_end: `f(epoch, logs)`.
        on_train_begin, on_train_end: `f(logs)`.
        on_train_batch_begin, on_train_batch_end: `f(batch, logs)` (also
            `on_batch_begin`/`on_batch_end`, Keras's older names).
        Other `on_*` hooks likewise.

    Example:
        >>> LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        if "on_batch_begin" in kwargs:
            given["on_train_batch_begin"] = kwargs.pop("on_batch_begin")
        if "on_batch_end" in kwargs:
            given["on_train_batch_end"] = kwargs.pop("on_batch_end")
        unknown = [k for k in kwargs if k not in _NAMES]
        if unknown:
            raise ValueError(f"LambdaCallback got unknown hooks {unknown}; valid hooks are {list(_NAMES)}.")
        given.update(kwargs)
        for name, fn in given.items():
            # Instance attributes, so CallbackList binds only the hooks actually given.
            if fn is not None:
                setattr(self, name, fn)
