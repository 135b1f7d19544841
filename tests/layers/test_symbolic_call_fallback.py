"""A layer whose `call` needs values to know its shapes (keras.io's miniature GPT builds its causal
mask with `ops.tile` and repeats from `ops.shape`) is traced once on small real stand-ins."""

import numpy as np

import lamina as keras
from lamina import layers, ops


class CausalMaskedAttention(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.att = layers.MultiHeadAttention(2, 4)

    def call(self, inputs):
        shape = ops.shape(inputs)
        batch, length = shape[0], shape[1]
        mask = ops.arange(length)[:, None] >= ops.arange(length)[None, :]
        repeats = ops.concatenate([ops.expand_dims(batch, -1), ops.convert_to_tensor([1, 1])], 0)
        mask = ops.tile(ops.reshape(mask, [1, length, length]), repeats)
        return self.att(inputs, inputs, attention_mask=mask)


def test_value_dependent_call_builds_symbolically_and_trains():
    inputs = keras.Input((6, 8))
    outputs = CausalMaskedAttention()(inputs)
    assert outputs.shape == (None, 6, 8)
    model = keras.Model(inputs, layers.Dense(1)(outputs))
    model.compile("adam", "mse")
    history = model.fit(np.ones((4, 6, 8), "float32"), np.zeros((4, 6, 1), "float32"), verbose=0)
    assert np.isfinite(history.history["loss"]).all()
