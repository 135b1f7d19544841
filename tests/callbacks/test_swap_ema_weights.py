"""`SwapEMAWeights`: evaluation (and prediction) with the optimizer's moving averages of the weights."""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers


def ema_model(use_ema=True):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1, use_ema=use_ema, ema_momentum=0.5), "mse")
    return model


def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")


def weights(model):
    return [w.copy() for w in model.get_weights()]


def test_evaluate_sees_the_averages_and_training_weights_come_back():
    model = ema_model()
    x, y = data()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    raw = weights(model)
    averages = [a.detach().clone() for a in model.optimizer._ema]
    seen = []

    class Look(keras.callbacks.Callback):
        def on_test_batch_begin(self, batch, logs=None):
            seen.append(model.layers[0].bias.detach().clone())

    model.evaluate(x, y, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights(), Look()])
    assert torch.equal(seen[0], averages[1])           # the bias' moving average, during evaluation
    for before, after in zip(raw, weights(model)):      # and the trained weights after it
        np.testing.assert_array_equal(before, after)


def test_predict_swaps_back_too():
    model = ema_model()
    x, y = data()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    raw = weights(model)
    model.predict(x, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
    for before, after in zip(raw, weights(model)):
        np.testing.assert_array_equal(before, after)


def test_swap_on_epoch_keeps_averages_between_epochs_and_ends_on_them():
    model = ema_model()
    x, y = data()
    at_epoch_end = []

    class Look(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            at_epoch_end.append((weights(model), [a.detach().cpu().numpy().copy() for a in model.optimizer._ema]))

    model.fit(x, y, batch_size=4, epochs=2, verbose=0, validation_data=(x, y),
              callbacks=[keras.callbacks.SwapEMAWeights(swap_on_epoch=True), Look()])
    # After SwapEMAWeights' epoch end the model holds the averages (Keras layout vs stored layout: compare bias).
    model_bias, ema_bias = at_epoch_end[0][0][1], at_epoch_end[0][1][1]
    assert not np.array_equal(model_bias, ema_bias)  # the training weights were swapped into the EMA slots
    final_bias = weights(model)[1]
    np.testing.assert_allclose(final_bias, at_epoch_end[-1][0][1])  # fit ends on the averages


def test_requires_use_ema():
    model = ema_model(use_ema=False)
    x, y = data()
    with pytest.raises(ValueError, match=r"SwapEMAWeights must be used when `use_ema=True` is set on the optimizer\. "
                                         r"Received: use_ema=False"):
        model.fit(x, y, verbose=0, validation_data=(x, y), callbacks=[keras.callbacks.SwapEMAWeights()])
