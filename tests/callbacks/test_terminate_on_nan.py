"""TerminateOnNaN: weights and optimizer state come back as they were before the bad step."""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import callbacks as cb


def _model(optimizer="adam"):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.Dense(1)])
    model.compile(optimizer, "mse")
    return model


def _data():
    x = np.random.default_rng(0).standard_normal((32, 4)).astype("float32")
    y = x.sum(1, keepdims=True)
    y_bad = y.copy()
    y_bad[16:] = np.nan  # batches 2 and 3 (of 8 samples) have a NaN loss
    return x, y, y_bad


def _optimizer_state(model):
    state = model.optimizer.state_dict()["torch"]["state"]
    return [t.clone() for s in state.values() for _, t in sorted(s.items())]


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", keras.optimizers.AdamW(use_ema=True)])
def test_optimizer_state_is_the_last_good_one(optimizer):
    x, y, y_bad = _data()
    reference = _model(optimizer if isinstance(optimizer, str) else keras.optimizers.AdamW(use_ema=True))
    reference.fit(x[:16], y[:16], batch_size=8, shuffle=False, verbose=0)  # the two good steps only

    model = _model(optimizer)
    model.fit(x, y_bad, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=[cb.TerminateOnNaN()])
    assert model.stop_training and int(model.optimizer.iterations) == 2
    for got, want in zip(_optimizer_state(model), _optimizer_state(reference)):
        assert torch.isfinite(got).all() and torch.equal(got, want)
    for got, want in zip(model.optimizer.variables, reference.optimizer.variables):
        assert torch.equal(got, want)
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)

    # The next fit on clean data trains normally from there.
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    losses = history.history["loss"]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]


def test_raise_error_restores_then_raises():
    x, _, y_bad = _data()
    model = _model()
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
        model.fit(x, y_bad, batch_size=8, shuffle=False, verbose=0, callbacks=[cb.TerminateOnNaN(raise_error=True)])
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert all(torch.isfinite(t).all() for t in _optimizer_state(model))
    assert cb.TerminateOnNaN().raise_error is False
