"""A layer with several outputs whose `compute_mask` returns a list attaches each mask to its output,
in eager calls and in Functional graphs (Keras's rule)."""

import numpy as np
import torch

import lamina as keras
from lamina import layers


class SplitFeatures(layers.Layer):
    def call(self, x, mask=None):
        return [x[..., :2], x[..., 2:]]

    def compute_mask(self, x, mask=None):
        return [mask, None]

    def compute_output_shape(self, shape):
        return [shape[:-1] + (2,), shape[:-1] + (shape[-1] - 2,)]


def embedded():
    keras.utils.set_random_seed(0)
    return layers.Embedding(10, 4, mask_zero=True)


def test_eager_outputs_carry_their_own_masks():
    ids = torch.tensor([[1, 2, 0, 0]])
    first, second = SplitFeatures()(embedded()(ids))
    assert first._keras_mask.tolist() == [[True, True, False, False]]
    assert getattr(second, "_keras_mask", None) is None


def test_functional_graph_masks_each_output_and_downstream_layers_use_it():
    embedding = embedded()
    inputs = keras.Input((5,), dtype="int32")
    first, second = SplitFeatures()(embedding(inputs))
    assert first._keras_mask is not None and second._keras_mask is None
    lstm = layers.LSTM(3)
    model = keras.Model(inputs, lstm(first))
    ids = np.array([[1, 2, 0, 0, 0]])
    # The masked LSTM ignores the padded steps: same result as on the two real steps alone.
    alone = lstm(SplitFeatures()(embedding(torch.as_tensor(ids[:, :2])))[0])
    np.testing.assert_allclose(model.predict(ids, verbose=0), alone.detach().numpy(), rtol=1e-5, atol=1e-6)
