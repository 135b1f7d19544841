"""Sequential: input shapes, lazy building with a None batch, add/pop, errors."""

import pytest
import torch

import lamina as keras
from lamina import layers


def test_input_shape_on_first_layer_builds_at_once():
    model = keras.Sequential([layers.Dense(128, activation="relu", input_shape=(784,)),
                              layers.Dense(10, activation="softmax")])
    assert model.built and model.output_shape == (None, 10)
    assert model.count_params() == 101770
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]


def test_input_first_and_call():
    model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(4)])
    assert model(torch.ones(3, 20)).shape == (3, 4)
    assert model.input_shape == (None, 20)


def test_lazy_build_on_first_call_records_none_batch():
    model = keras.Sequential([layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")])
    assert not model.built
    model(torch.ones(32, 8))
    assert model.built and model.input_shape == (None, 8) and model.output_shape == (None, 10)


def test_build_with_input_shape():
    model = keras.Sequential([layers.Dense(5)])
    model.build((None, 3))
    assert model.count_params() == 20 and model.input_shape == (None, 3)


def test_add_and_pop():
    model = keras.Sequential()
    model.add(keras.Input(shape=(4,)))
    model.add(layers.Dense(3))
    model.add(layers.Dense(2))
    assert model.output_shape == (None, 2)
    popped = model.pop()
    assert popped.units == 2 and model.output_shape == (None, 3)
    assert model(torch.ones(1, 4)).shape == (1, 3)
    assert "dense_1.kernel" not in model.state_dict()


def test_errors():
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, name="d")])
    with pytest.raises(ValueError, match="Name 'd' is already the name of a layer"):
        model.add(layers.Dense(2, name="d"))
    with pytest.raises(TypeError, match="only layers .* can be added; received int"):
        model.add(3)
    with pytest.raises(ValueError, match="Input/InputLayer must be the first element"):
        model.add(keras.Input(shape=(2,)))
    with pytest.raises(TypeError, match="no layers to pop"):
        keras.Sequential().pop()
    with pytest.raises(ValueError, match="has not been built yet, so it has no output shape"):
        keras.Sequential([layers.Dense(2)]).output_shape


def test_plain_torch_module_in_sequential():
    model = keras.Sequential([keras.Input(shape=(6,)), torch.nn.Linear(6, 4), layers.Dense(2)])
    assert model.output_shape == (None, 2)
    assert model(torch.ones(3, 6)).shape == (3, 2)
    assert model.count_params() == 6 * 4 + 4 + 4 * 2 + 2


def test_state_dict_keys():
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(3), layers.Dense(1)])
    assert list(model.state_dict()) == ["dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias"]


def test_unbuilt_sequential_called_on_a_string_input():
    # keras.io memory_efficient_embeddings: Sequential([StringLookup, Embedding]) on Input(dtype="string").
    encoder = keras.Sequential([layers.StringLookup(vocabulary=["a", "b", "c"], mask_token=None, num_oov_indices=0),
                                layers.Embedding(3, 4)])
    user = keras.Input(name="user_id", shape=(), dtype="string")
    out = encoder(user)
    assert out.shape == (None, 4)
    model = keras.Model(user, out)
    import numpy as np
    values = model.predict(np.array(["c", "a"]), verbose=0)
    weights = encoder.layers[1].get_weights()[0]
    np.testing.assert_allclose(values, weights[[2, 0]])
