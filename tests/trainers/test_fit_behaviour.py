"""fit/evaluate/predict behaviour: training flags, data kinds, validation, progress output, seeds, jit."""

import io
import re

import numpy as np
import pytest
import torch

import lamina as keras
from lamina.callbacks import ProgbarLogger


def mlp(dropout=0.3):
    return keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dropout(dropout), keras.layers.Dense(3, activation="softmax")])


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 8)).astype("float32"), rng.integers(0, 3, n)


class FlagRecorder(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, x, training=None):
        self.seen.append(training)
        return x


def test_training_flag_and_mode_restored():
    recorder = FlagRecorder()
    model = keras.Sequential([keras.Input(shape=(8,)), recorder, keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.eval()
    x, y = data(16)
    recorder.seen.clear()
    model.fit(x, y, batch_size=8, verbose=0)
    assert recorder.seen and all(flag is True for flag in recorder.seen)
    assert model.training is False and recorder.training is False
    recorder.seen.clear()
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert recorder.seen and all(flag is False for flag in recorder.seen)
    model.train()
    model.predict(x, verbose=0)
    assert model.training is True


@pytest.mark.parametrize("kind", ["tensor", "dataset", "loader", "generator", "iterable"])
def test_data_kinds(kind):
    from torch.utils.data import DataLoader, TensorDataset

    x, y = data(32)
    model = mlp()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    if kind == "tensor":
        history = model.fit(xt, yt, batch_size=8, epochs=2, verbose=0)
    elif kind == "dataset":
        history = model.fit(TensorDataset(xt, yt), batch_size=8, epochs=2, verbose=0)
    elif kind == "loader":
        history = model.fit(DataLoader(TensorDataset(xt, yt), batch_size=8), epochs=2, verbose=0)
    elif kind == "generator":
        gen = ((x[i:i + 8], y[i:i + 8]) for _ in range(2) for i in range(0, 32, 8))
        history = model.fit(gen, epochs=2, steps_per_epoch=4, verbose=0)
    else:
        class Batches:  # any re-iterable object of (x, y) batches
            def __iter__(self):
                return iter([(x[i:i + 8], y[i:i + 8]) for i in range(0, 32, 8)])

        history = model.fit(Batches(), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and "accuracy" in history.history


def test_validation_split_and_data_keys():
    x, y = data(50)
    model = mlp()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, validation_split=0.2, epochs=2, verbose=0)
    assert sorted(h.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    h = model.fit(x, y, validation_data=(x[:10], y[:10]), epochs=3, validation_freq=2, verbose=0)
    assert len(h.history["loss"]) == 3 and len(h.history["val_loss"]) == 1


def test_non_tty_progress_is_one_plain_line_per_epoch():
    x, y = data(40)
    model = mlp()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    stream = io.StringIO()
    model.fit(x, y, batch_size=8, epochs=3, callbacks=[ProgbarLogger(stream=stream)], verbose="auto")
    text = stream.getvalue()
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text)  # no \r, no ANSI escapes
    lines = text.splitlines()
    assert len(lines) == 3
    assert re.fullmatch(r"Epoch 1/3 - 5/5 - \d+s - \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}", lines[0])


def test_tty_progress_bar_format():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    x, y = data(40)
    model = mlp()
    model.compile("adam", "sparse_categorical_crossentropy")
    stream = Tty()
    model.fit(x, y, batch_size=8, epochs=2, callbacks=[ProgbarLogger(stream=stream)], verbose="auto")
    plain = re.sub(r"\x1b\[\d+m", "", stream.getvalue())
    assert "Epoch 1/2\n" in plain and "Epoch 2/2\n" in plain
    assert re.search(r"5/5 ━{20} \d+s \d+(us|ms|s)/step - loss: \d\.\d{4}", plain)


def test_verbose_zero_and_two(capsys):
    x, y = data(16)
    model = mlp()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, batch_size=8, epochs=1, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/1" and re.fullmatch(r"2/2 - \d+s - \d+(us|ms|s)/step - loss: \d\.\d{4}", lines[1])


def train_once(seed):
    keras.utils.set_random_seed(seed)
    x, y = data(64, seed=3)
    model = mlp(dropout=0.5)
    model.compile("adam", "sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    return history.history["loss"], [w.copy() for w in model.get_weights()]


def test_set_random_seed_makes_training_bit_for_bit_repeatable():
    loss_a, weights_a = train_once(42)
    loss_b, weights_b = train_once(42)
    assert loss_a == loss_b
    assert all(np.array_equal(a, b) for a, b in zip(weights_a, weights_b))
    loss_c, _ = train_once(7)
    assert loss_c != loss_a


def test_custom_train_step_override():
    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            self.calls = 0

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y = data  # Keras passes (x, y) when there are no sample weights
            self.calls += 1
            self.optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(self(x, training=True), y)
            loss.backward()
            self.optimizer.step()
            return {"custom_loss": loss.detach()}

    model = Custom()
    model.compile("sgd", "mse")
    history = model.fit(np.ones((8, 2), "float32"), np.ones((8, 1), "float32"), batch_size=4, epochs=2, verbose=0)
    assert model.calls == 4 and list(history.history) == ["custom_loss"]


def test_predict_and_on_batch_methods():
    x, y = data(10)
    model = mlp()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    out = model.predict(x, batch_size=4, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (10, 3)
    np.testing.assert_allclose(model.predict_on_batch(x), out, rtol=1e-5, atol=1e-6)
    loss, acc = model.train_on_batch(x, y)
    assert np.isfinite(loss) and 0 <= acc <= 1
    assert set(model.test_on_batch(x, y, return_dict=True)) == {"loss", "accuracy"}


def test_keyboard_interrupt_keeps_history_consistent():
    class Interrupt(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise KeyboardInterrupt

    x, y = data(16)
    model = mlp()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.eval()
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=5, callbacks=[Interrupt()], verbose=0)
    assert model.history.epoch == [0, 1] and len(model.history.history["loss"]) == 2
    assert model.training is False
    assert all(p.grad is None for p in model.parameters())


def test_jit_compile_matches_eager():
    def run(jit):
        keras.utils.set_random_seed(5)
        x, y = data(32)
        model = mlp(dropout=0.0)
        model.compile("sgd", "sparse_categorical_crossentropy", jit_compile=jit)
        history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        return history.history["loss"], model.get_weights()

    eager_loss, eager_weights = run(False)
    jit_loss, jit_weights = run(True)
    np.testing.assert_allclose(jit_loss, eager_loss, rtol=1e-5)
    for a, b in zip(jit_weights, eager_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_fit_ends_with_the_ema_weights_and_compile_keeps_model_loss():
    # As Keras: with use_ema (and no overwrite frequency), fit leaves the moving averages in the weights.
    keras.utils.set_random_seed(0)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    loss = keras.losses.MeanSquaredError()
    model.compile(keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5), loss)
    assert model.loss is loss and "loss" not in dict(model.named_modules())
    model.fit(np.random.rand(32, 3), np.random.rand(32, 2), batch_size=8, verbose=0)
    for weight, average in zip(model.optimizer._params, model.optimizer._ema):
        torch.testing.assert_close(weight.detach(), average, rtol=0, atol=0)
    averaged = [w.copy() for w in model.get_weights()]
    model.fit(np.random.rand(8, 3), np.random.rand(8, 2), epochs=0, verbose=0)  # no epoch: nothing changes
    for a, b in zip(averaged, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_class_weight_does_not_weight_the_validation_split():
    # Keras: class weights shape the training loss only; val_loss is the plain loss on the split.
    keras.utils.set_random_seed(0)
    x = np.random.rand(40, 4).astype("float32")
    y = np.random.randint(0, 3, size=40)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    model.compile("sgd", "sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=8, validation_split=0.25, class_weight={0: 5.0, 1: 1.0, 2: 0.1},
                        shuffle=False, verbose=0)
    plain = model.evaluate(x[30:], y[30:], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(plain, rel=1e-6)
    with pytest.raises(ValueError, match="either class_weight or sample_weight"):
        model.fit(x, y, sample_weight=np.ones(40), class_weight={0: 1.0}, validation_split=0.25, verbose=0)


def _padded_sequence_tagger():
    inputs = keras.Input((6,), dtype="int32")
    h = keras.layers.Embedding(20, 6, mask_zero=True)(inputs)
    h = keras.layers.LSTM(8, return_sequences=True)(h)
    model = keras.Model(inputs, keras.layers.TimeDistributed(keras.layers.Dense(5, activation="softmax"))(h))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.integers(1, 20, size=(16, 6))
    x[::2, 3:] = 0
    return model, x, rng.integers(0, 5, size=(16, 6))


def test_metrics_and_loss_weight_steps_by_the_output_mask():
    # As in Keras: padded steps of a sequence output count for nothing, in fit and evaluate.
    keras.utils.set_random_seed(0)
    model, x, y = _padded_sequence_tagger()
    with torch.no_grad():
        probs = model(torch.as_tensor(x))
    mask = probs._keras_mask
    correct = (probs.argmax(-1) == torch.as_tensor(y)).float()
    expected = float((correct * mask).sum() / mask.sum())
    assert expected != pytest.approx(float(correct.mean()))
    history = model.fit(x, y, batch_size=8, shuffle=False, verbose=0).history
    assert history["accuracy"][0] == pytest.approx(expected, abs=1e-6)
    assert model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"] == pytest.approx(expected, abs=1e-6)


def test_on_batch_results_are_the_batch_alone_not_a_running_mean():
    # Keras resets the metrics at each train_on_batch/test_on_batch call.
    keras.utils.set_random_seed(0)
    model, x, y = _padded_sequence_tagger()
    first = model.test_on_batch(x[:8], y[:8], return_dict=True)
    second = model.test_on_batch(x[8:], y[8:], return_dict=True)
    again = model.test_on_batch(x[8:], y[8:], return_dict=True)
    assert second == again and second != first
    assert model.train_on_batch(x[8:], y[8:], return_dict=True) == pytest.approx(second)  # SGD(0): no change


def test_repeated_and_weighted_metric_names_follow_keras():
    # Keras: a repeated name gets `_1`; a weighted metric whose name is taken becomes `weighted_...`.
    x = np.random.default_rng(0).normal(size=(12, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy", "accuracy"],
                  weighted_metrics=["accuracy", "mse"])
    weights = np.linspace(0.0, 1.0, 12).astype("float32")
    logs = model.fit(x, y, sample_weight=weights, epochs=1, verbose=0).history
    assert sorted(logs) == ["accuracy", "accuracy_1", "loss", "mse", "weighted_accuracy"]
    two = keras.Model(inputs, {"a": keras.layers.Dense(1, name="a")(inputs),
                               "b": keras.layers.Dense(1, name="b")(inputs)})
    two.compile(optimizer="sgd", loss="mse", metrics={"a": ["mae"], "b": ["mae"]},
                weighted_metrics={"a": ["mae"]})
    names = sorted(two.evaluate(x, {"a": y, "b": y}, verbose=0, return_dict=True))
    assert names == ["a_loss", "a_mae", "a_weighted_mae", "b_loss", "b_mae", "loss"]
