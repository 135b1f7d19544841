"""Embedding and Masking: lookups, masks, eager mask propagation, configs, errors."""

import pytest
import torch

import lamina as keras
from lamina import layers


def test_embedding_lookup_mask_and_config():
    layer = layers.Embedding(10, 4, mask_zero=True)
    ids = torch.tensor([[1, 0, 3], [0, 0, 9]])
    out = layer(ids)
    torch.testing.assert_close(out, layer.embeddings[ids])
    assert torch.equal(layer.compute_mask(ids), ids != 0)
    assert torch.equal(out._keras_mask, ids != 0)  # eager mask for subclassed models
    torch.testing.assert_close(layer(ids.float()), out)  # float indices are cast
    config = layer.get_config()
    assert config["mask_zero"] is True and config["embeddings_initializer"]["class_name"] == "RandomUniform"
    assert layers.Embedding.from_config(config).get_config() == config
    assert layers.Embedding(10, 4).compute_mask(ids) is None
    assert layer.compute_output_shape((None, 3)) == (None, 3, 4)
    assert keras.layers.Embedding(5, 2)(keras.Input(shape=(3,), dtype="int32")).shape == (None, 3, 2)


def test_embedding_errors():
    with pytest.raises(ValueError, match="`input_dim` must be a positive int"):
        layers.Embedding(0, 4)
    with pytest.raises(ValueError, match="`output_dim` must be a positive int"):
        layers.Embedding(4, -1)


def test_masking_zeroes_and_masks():
    x = torch.randn(2, 4, 3)
    x[0, 1] = 5.0
    layer = layers.Masking(mask_value=5.0)
    out = layer(x)
    assert torch.all(out[0, 1] == 0)
    assert out._keras_mask.tolist() == [[True, False, True, True], [True] * 4]
    assert layer.get_config()["mask_value"] == 5.0
    with pytest.raises(ValueError, match="`mask_value` must be a number"):
        layers.Masking(mask_value="x")


def test_sequential_mask_flow_matches_explicit_mask():
    ids = torch.tensor([[4, 2, 0, 0], [1, 2, 3, 4]])
    embedding, gru = layers.Embedding(6, 3, mask_zero=True), layers.GRU(2, return_sequences=True)
    model = keras.Sequential([keras.Input(shape=(4,), dtype="int32"), embedding, gru])
    assert model._graph_has_masks
    with torch.no_grad():
        expected = gru(embedding(ids), mask=ids != 0)
        torch.testing.assert_close(model(ids), expected)
    torch.testing.assert_close(expected[0, 3], expected[0, 1])
