"""`fit` after `predict`: nothing made under predict's `torch.inference_mode` may be reused by autograd
(the fused recurrent layers keep constant tensors between calls)."""

import numpy as np
import pytest

import lamina as keras
from lamina import layers


@pytest.mark.parametrize("rnn", [layers.LSTM, layers.GRU, layers.SimpleRNN])
def test_recurrent_model_trains_after_predict(rnn):
    model = keras.Sequential([keras.Input((4, 3)), rnn(2), layers.Dense(1)])
    x = np.ones((4, 4, 3), "float32")
    model.predict(x, verbose=0)
    model.compile("sgd", "mse")
    assert np.isfinite(model.fit(x, np.zeros((4, 1), "float32"), verbose=0).history["loss"][0])
