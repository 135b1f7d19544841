"""Callbacks: hook order, EarlyStopping, ModelCheckpoint, LR callbacks, CSVLogger, TerminateOnNaN, BackupAndRestore."""

import csv
import os

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import callbacks as cb


def model_and_data(n=32, seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype("float32")
    return model, x, x.sum(1, keepdims=True)


def test_hook_order_and_batch_logs():
    events = []

    class Recorder(cb.Callback):
        def on_train_begin(self, logs=None): events.append("train_begin")
        def on_epoch_begin(self, epoch, logs=None): events.append(f"epoch_begin{epoch}")
        def on_train_batch_end(self, batch, logs=None): events.append(f"batch{batch}:{logs['loss'] > 0}")
        def on_test_begin(self, logs=None): events.append("test_begin")
        def on_epoch_end(self, epoch, logs=None): events.append(f"epoch_end{epoch}:{sorted(logs)}")
        def on_train_end(self, logs=None): events.append("train_end")

    model, x, y = model_and_data(16)
    model.fit(x, y, batch_size=8, epochs=1, validation_data=(x, y), callbacks=[Recorder()], verbose=0)
    assert events == ["train_begin", "epoch_begin0", "batch0:True", "batch1:True", "test_begin",
                      "epoch_end0:['loss', 'val_loss']", "train_end"]


def test_hooks_get_a_dict_of_logs_and_on_train_end_gets_the_last_epoch_logs():
    # keras.io "Writing your own callbacks": every hook prints `list(logs.keys())`.
    seen = {}

    class KeyRecorder(cb.Callback):
        def _record(self, hook, logs):
            seen.setdefault(hook, list(logs.keys()))

        def on_train_begin(self, logs=None): self._record("train_begin", logs)
        def on_epoch_begin(self, epoch, logs=None): self._record("epoch_begin", logs)
        def on_train_batch_begin(self, batch, logs=None): self._record("train_batch_begin", logs)
        def on_test_begin(self, logs=None): self._record("test_begin", logs)
        def on_predict_begin(self, logs=None): self._record("predict_begin", logs)
        def on_predict_batch_begin(self, batch, logs=None): self._record("predict_batch_begin", logs)
        def on_predict_end(self, logs=None): self._record("predict_end", logs)
        def on_train_end(self, logs=None): self._record("train_end", logs)

    model, x, y = model_and_data()
    model.fit(x, y, epochs=2, batch_size=16, validation_split=0.5, verbose=0, callbacks=[KeyRecorder()])
    model.predict(x, verbose=0, callbacks=[KeyRecorder()])
    for hook in ("train_begin", "epoch_begin", "train_batch_begin", "test_begin", "predict_begin",
                 "predict_batch_begin", "predict_end"):
        assert seen[hook] == [], hook
    assert sorted(seen["train_end"]) == ["loss", "val_loss"]


def test_early_stopping_patience_and_restore_best():
    losses = iter([1.0, 0.5, 0.7, 0.8, 0.9, 0.95])

    class FakeVal(cb.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = next(losses)

    model, x, y = model_and_data()
    stopper = cb.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    snapshots = []
    keep = cb.LambdaCallback(on_epoch_end=lambda e, l: snapshots.append([w.copy() for w in model.get_weights()]))
    history = model.fit(x, y, epochs=6, callbacks=[FakeVal(), keep, stopper], verbose=0)
    assert history.epoch == [0, 1, 2, 3] and stopper.stopped_epoch == 3 and stopper.best_epoch == 1
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), snapshots[1]))


def _fit_with_val_losses(values, stopper, epochs=6):
    values = iter(values)

    class FakeVal(cb.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = next(values)

    model, x, y = model_and_data()
    return model.fit(x, y, epochs=epochs, callbacks=[FakeVal(), stopper], verbose=0).epoch


def test_early_stopping_baseline_and_start_from_epoch():
    sequence = [1.0, 0.9, 0.95, 0.97, 0.98, 0.99]
    assert _fit_with_val_losses(sequence, cb.EarlyStopping(patience=2)) == [0, 1, 2, 3]
    # Improvements that do not beat the baseline do not reset the wait.
    assert _fit_with_val_losses(sequence, cb.EarlyStopping(patience=2, baseline=0.5)) == [0, 1, 2]
    stopper = cb.EarlyStopping(patience=2, baseline=0.5, start_from_epoch=2)
    assert _fit_with_val_losses(sequence, stopper) == [0, 1, 2, 3]


def test_model_checkpoint_template_and_best_only(tmp_path):
    model, x, y = model_and_data()
    path = str(tmp_path / "ckpt-{epoch:02d}-{loss:.2f}.weights.h5")
    model.fit(x, y, epochs=2, callbacks=[cb.ModelCheckpoint(path, save_weights_only=True)], verbose=0)
    names = sorted(os.listdir(tmp_path))
    assert len(names) == 2 and names[0].startswith("ckpt-01-") and names[1].startswith("ckpt-02-")
    best = tmp_path / "best.weights.h5"
    checkpoint = cb.ModelCheckpoint(str(best), monitor="loss", save_best_only=True, save_weights_only=True)
    model.fit(x, y, epochs=3, callbacks=[checkpoint], verbose=0)
    assert best.exists() and checkpoint.best < float("inf")
    with pytest.raises(KeyError, match=r"val_acc.*not in the logs"):
        model.fit(x, y, epochs=1, callbacks=[cb.ModelCheckpoint(str(tmp_path / "{val_acc}.pt"))], verbose=0)


def test_reduce_lr_on_plateau_and_scheduler():
    model, x, y = model_and_data()
    values = iter([1.0, 1.0, 1.0, 1.0])

    class Flat(cb.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = next(values)

    reducer = cb.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=0.001)
    model.optimizer.learning_rate = 0.01
    history = model.fit(x, y, epochs=4, callbacks=[Flat(), reducer], verbose=0)
    assert history.history["learning_rate"][0] == pytest.approx(0.01)
    assert model.optimizer.learning_rate == pytest.approx(0.01 * 0.5 ** 3)
    scheduler = cb.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    history = model.fit(x, y, epochs=3, callbacks=[scheduler], verbose=0)
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3])


def test_csv_logger(tmp_path):
    model, x, y = model_and_data()
    path = tmp_path / "log.csv"
    model.fit(x, y, epochs=2, validation_split=0.25, callbacks=[cb.CSVLogger(str(path))], verbose=0)
    rows = list(csv.DictReader(open(path)))
    assert [r["epoch"] for r in rows] == ["0", "1"] and set(rows[0]) == {"epoch", "loss", "val_loss"}


def test_terminate_on_nan_keeps_last_good_weights():
    model, x, y = model_and_data()
    y_bad = y.copy()
    y_bad[8:] = np.nan
    history = model.fit(x, y_bad, batch_size=8, epochs=3, shuffle=False, callbacks=[cb.TerminateOnNaN()], verbose=0)
    assert model.stop_training and all(np.isfinite(w).all() for w in model.get_weights())
    assert history.epoch == [0] and np.isnan(history.history["loss"][0])  # Keras: the cut epoch still ends


def test_backup_and_restore_resumes_after_a_kill(tmp_path):
    class Kill(cb.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("killed")

    model, x, y = model_and_data(seed=3)
    backup = cb.BackupAndRestore(str(tmp_path / "backup"))
    with pytest.raises(RuntimeError, match="killed"):
        model.fit(x, y, epochs=4, shuffle=False, callbacks=[backup, Kill()], verbose=0)
    saved = [w.copy() for w in model.get_weights()]
    fresh, _, _ = model_and_data(seed=9)
    seen = []
    history = fresh.fit(x, y, epochs=4, shuffle=False, verbose=0,
                        callbacks=[cb.BackupAndRestore(str(tmp_path / "backup")),
                                   cb.LambdaCallback(on_epoch_begin=lambda e, l: seen.append(e))])
    assert seen == [2, 3] and history.epoch == [2, 3]
    assert not (tmp_path / "backup" / "latest.pt").exists()
    # The restored run continued from the weights saved at the end of epoch 1.
    assert not all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), saved))
    assert fresh.optimizer.iterations >= 2


def test_stop_training_from_batch_hook():
    class StopAt(cb.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    model, x, y = model_and_data()
    history = model.fit(x, y, batch_size=8, epochs=3, callbacks=[StopAt()], verbose=0)
    assert history.epoch == [0] and model.optimizer.iterations == 2


class _Goodness(keras.metrics.Mean):
    """A metric whose name gives no hint; its `_direction` says higher is better (as Keras's IoU)."""

    _direction = "up"

    def update_state(self, y_true, y_pred, sample_weight=None):
        return super().update_state(-((y_true - y_pred) ** 2))


def test_auto_mode_takes_the_direction_of_the_model_metric():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=[_Goodness(name="goodness")])
    stop = keras.callbacks.EarlyStopping(monitor="val_goodness", mode="auto")
    reduce = keras.callbacks.ReduceLROnPlateau(monitor="goodness")
    check = keras.callbacks.ModelCheckpoint("unused.keras", monitor="goodness")
    loss_stop = keras.callbacks.EarlyStopping(monitor="val_loss")
    assert stop._monitor.mode == "min"  # no hint in the name before the model is known
    x, y = np.zeros((8, 3), "float32"), np.ones((8, 1), "float32")
    model.fit(x, y, validation_data=(x, y), epochs=1, verbose=0, callbacks=[stop, reduce, loss_stop])
    assert (stop._monitor.mode, reduce._monitor.mode) == ("max", "max")
    assert stop.best == pytest.approx(-1.0, abs=0.5)  # a (negative) goodness, not +inf's replacement
    assert loss_stop._monitor.mode == "min"
    check.set_model(model)
    assert check._monitor.settle(model, check.best) == -np.inf and check._monitor.mode == "max"
