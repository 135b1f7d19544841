"""`CallbackList`: dispatches each hook to the callbacks that implement it."""

from lamina.callbacks.callback import Callback
from lamina.callbacks.history import History
from lamina.callbacks.progbar_logger import ProgbarLogger

__all__ = ["CallbackList"]

_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
          "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
          "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end")
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def _implements(callback, hook):
    if hook in vars(callback):  # set on the instance (LambdaCallback)
        return True
    method = getattr(type(callback), hook, None)
    return method is not None and method is not getattr(Callback, hook, None)


class CallbackList:
    """A group of callbacks called together.

    Each hook is bound once to the callbacks overriding it, so the per-batch
    hooks cost nothing when no callback uses them (the common case).

    Args:
        callbacks: list of `Callback`s (or None).
        add_history: append a `History` (fit) unless one is present.
        add_progbar: append a `ProgbarLogger` unless one is present.
        model: the model, given to every callback.
        **params: `epochs`, `steps`, `verbose`.

    Example:
        >>> cbs = CallbackList([EarlyStopping()], add_history=True, model=model, epochs=3, steps=10, verbose=0)
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not hasattr(cb, "on_epoch_end"):
                raise TypeError(f"callbacks must be Callback instances; received {type(cb).__name__}.")
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.insert(0, ProgbarLogger())
        self.history = next((c for c in self.callbacks if isinstance(c, History)), None)
        if add_history and self.history is None:
            self.history = History()
            self.callbacks.append(self.history)
        # Progress is printed last, after callbacks (e.g. ReduceLROnPlateau) added their logs.
        self.callbacks.sort(key=lambda c: isinstance(c, ProgbarLogger))
        self.model = model
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)
            cb.set_model(model)
        self._bind()

    def _bind(self):
        for hook in _HOOKS:
            targets = [getattr(c, hook) for c in self.callbacks if _implements(c, hook)]
            alias = _ALIASES.get(hook)
            if alias:
                targets += [getattr(c, alias) for c in self.callbacks if _implements(c, alias)]
            setattr(self, hook, self._make(hook, targets))
            setattr(self, f"has_{hook}", bool(targets))

    @staticmethod
    def _make(hook, targets):
        if not targets:
            return lambda *args, **kwargs: None
        # Hooks are always called with `logs` (positionally), as Keras does: LambdaCallback
        # functions are written `lambda epoch, logs: ...`. As in Keras, a hook without logs
        # (`on_train_begin`, `on_epoch_begin`, ...) gets `{}`, never None: keras.io callbacks do
        # `list(logs.keys())`. (`is None`, not `or`: truth-testing lazy batch logs would sync.)
        if hook.endswith(("_batch_begin", "_batch_end", "epoch_begin", "epoch_end")):
            if len(targets) == 1:
                target = targets[0]
                return lambda index, logs=None: target(index, {} if logs is None else logs)

            def call_all(index, logs=None):
                logs = {} if logs is None else logs
                for target in targets:
                    target(index, logs)
            return call_all

        def call_all_logs(logs=None):
            logs = {} if logs is None else logs
            for target in targets:
                target(logs)
        return call_all_logs

    def set_params(self, params):
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)
        self._bind()

    def append(self, callback):
        self.callbacks.append(callback)
        callback.set_params(self.params)
        callback.set_model(self.model)
        self._bind()

    def __iter__(self):
        return iter(self.callbacks)
