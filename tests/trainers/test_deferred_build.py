"""Models without a known input shape build on their first batch in fit/evaluate/predict, as in Keras."""

import numpy as np
import torch

import lamina as keras
from lamina import layers


def data(n=16):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)).astype("float32"), rng.normal(size=(n, 2)).astype("float32")


def test_sequential_without_input_builds_in_fit():
    model = keras.Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    model.compile("adam", "mse")
    x, y = data()
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.input_shape == (None, 3)


def test_sequential_without_input_builds_in_evaluate_and_predict():
    x, y = data()
    model = keras.Sequential([layers.Dense(2)])
    model.compile("adam", "mse")
    assert np.isfinite(model.evaluate(x, y, verbose=0))
    other = keras.Sequential([layers.Dense(2)])
    assert other.predict(x, verbose=0).shape == (16, 2)


def test_subclassed_model_trains_from_a_generator():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(4, activation="relu")
            self.out = layers.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))

    x, y = data(32)

    def batches():
        while True:
            for start in range(0, 32, 8):
                yield x[start:start + 8], y[start:start + 8]

    model = Net()
    model.compile(keras.optimizers.Adam(0.05), "mse")
    history = model.fit(batches(), steps_per_epoch=4, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3 and history.history["loss"][-1] < history.history["loss"][0]
    assert model.optimizer.iterations == 12


def test_deferred_sequential_with_bool_data_builds_a_float_input():
    model = keras.Sequential([layers.Dense(2)])
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 3), bool), np.zeros((4, 2), "float32"), verbose=0)
    assert model.inputs[0].dtype == torch.float32
