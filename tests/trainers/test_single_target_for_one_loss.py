"""`compile(loss=[fn, None])` on a two-output model takes one target, as Keras does (keras.io's
miniature GPT returns its logits and its last hidden states)."""

import numpy as np
import pytest

import lamina as keras
from lamina import layers


def _two_output_model():
    inputs = keras.Input((4,))
    hidden = layers.Dense(3, name="hidden")(inputs)
    logits = layers.Dense(2, name="logits")(hidden)
    return keras.Model(inputs, [logits, hidden])


def test_one_target_goes_to_the_only_output_with_a_loss():
    model = _two_output_model()
    model.compile("adam", loss=[keras.losses.SparseCategoricalCrossentropy(from_logits=True), None])
    history = model.fit(np.ones((8, 4), "float32"), np.zeros((8,), "int64"), verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_one_target_for_two_losses_is_still_refused():
    model = _two_output_model()
    model.compile("adam", loss=["mse", "mse"])
    with pytest.raises(ValueError, match=r"has 2 outputs \['logits', 'hidden'\], but y is a single"):
        model.fit(np.ones((8, 4), "float32"), np.zeros((8, 2), "float32"), verbose=0)


def test_logs_name_only_the_total_loss_when_one_output_has_a_loss():
    # Keras adds `<output>_loss` entries only when more than one output has a loss.
    model = _two_output_model()
    model.compile("adam", loss=[keras.losses.SparseCategoricalCrossentropy(from_logits=True), None])
    history = model.fit(np.ones((8, 4), "float32"), np.zeros((8,), "int64"), verbose=0)
    assert sorted(history.history) == ["loss"]
    both = _two_output_model()
    both.compile("adam", loss=["mse", "mse"])
    history = both.fit(np.ones((8, 4), "float32"), [np.zeros((8, 2)), np.zeros((8, 3))], verbose=0)
    assert sorted(history.history) == ["hidden_loss", "logits_loss", "loss"]
