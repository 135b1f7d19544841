"""Embedding and Masking: lookups, masks, eager mask propagation, configs, errors."""

import warnings

import numpy as np
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


def test_multi_tensor_calls_do_not_receive_the_input_mask_as_in_keras():
    # Keras 3 fills `mask` only when a call has one tensor argument: an RNN called with
    # `initial_state=` runs over its padding (Keras-computed values: tests/saving/keras_written/
    # seq2seq). lamina computes the same, says so once, and applies an explicit `mask=`.
    tokens = keras.Input((4,), dtype="int32")
    state = keras.Input((3,))
    embedding = layers.Embedding(10, 2, mask_zero=True)
    lstm = layers.LSTM(3, return_sequences=True)
    embedded = embedding(tokens)
    with pytest.warns(UserWarning, match=r"LSTM layer 'lstm\w*' was called with more than one tensor argument "
                                         r"\(the input and `initial_state`\).*Pass `mask=` explicitly"):
        ignored = lstm(embedded, initial_state=[state, state])
    applied = lstm(embedded, initial_state=[state, state], mask=tokens != 0)
    model = keras.Model([tokens, state], [ignored, applied])
    ids = torch.tensor([[1, 2, 0, 0]])
    h = torch.ones(1, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once per layer, at graph construction
        out_ignored, out_applied = model([ids, h])
    unmasked = lstm(embedding(ids).detach().clone(), initial_state=[h, h])  # no mask attached at all
    torch.testing.assert_close(out_ignored, unmasked)
    torch.testing.assert_close(out_applied[:, :2], unmasked[:, :2])
    torch.testing.assert_close(out_applied[:, 2], out_applied[:, 1])  # masked steps repeat the last output
    assert not torch.allclose(out_applied[:, 3], unmasked[:, 3])
    # The output still carries the input's mask, as in Keras.
    assert ignored._keras_mask is not None


def test_not_equal_on_symbolic_tensors_is_a_graph_node():
    tokens = keras.Input((3,), dtype="int32")
    mask = tokens != 0
    assert isinstance(mask, keras.KerasTensor) and mask.dtype == torch.bool
    assert tokens == tokens and len({tokens, mask}) == 2  # identity equality and hashing are kept
    model = keras.Model(tokens, mask)
    np.testing.assert_array_equal(model.predict(np.array([[4, 0, 1]], dtype="int32"), verbose=0),
                                  [[True, False, True]])
