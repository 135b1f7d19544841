"""Keras's input rules when a model built on `Input`s is called or trained: dtype casts, a one-off
rank fixed when the odd axis has size 1, and clear errors otherwise (Keras 3's Functional rules)."""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers


def lstm_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((5, 4)), layers.LSTM(3), layers.Dense(1)])


def test_bool_one_hot_arrays_are_cast_to_the_float_input():
    model = lstm_model()
    x = np.random.default_rng(0).uniform(size=(6, 5, 4)) > 0.5
    as_float = model.predict(x.astype("float32"), verbose=0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), as_float)
    model.compile("adam", "mse")
    history = model.fit(x, np.ones((6, 1), "float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_integer_and_bool_tensors_into_a_functional_float_input(dtype):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Dense(2)(inputs))
    x = torch.tensor([[1, 0, 1, 1], [0, 0, 1, 0]]).to(getattr(torch, dtype))
    torch.testing.assert_close(model(x), model(x.float()))


def test_float_token_ids_are_cast_to_an_integer_input():
    inputs = keras.Input((3,), dtype="int32")
    model = keras.Model(inputs, layers.Embedding(10, 2)(inputs))
    ids = np.array([[1, 2, 3]])
    np.testing.assert_array_equal(model.predict(ids.astype("float32"), verbose=0), model.predict(ids, verbose=0))


def test_float64_arrays_train_as_float32():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 4)), np.ones((4, 1)), verbose=0)  # float64 NumPy, as np.random gives
    assert model.predict(np.ones((2, 4)), verbose=0).dtype == np.float32


def test_missing_trailing_channel_axis_is_added():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(1)])
    images = np.random.default_rng(0).normal(size=(4, 6, 6)).astype("float32")
    np.testing.assert_array_equal(model.predict(images, verbose=0), model.predict(images[..., None], verbose=0))
    model.compile("sgd", "mse")
    model.fit(images, np.zeros((4, 1), "float32"), verbose=0)


def test_extra_trailing_axis_of_one_is_dropped():
    inputs = keras.Input((5,))
    model = keras.Model(inputs, layers.Dense(2)(inputs))
    x = torch.randn(3, 5)
    torch.testing.assert_close(model(x[..., None]), model(x))


def test_rank_two_short_is_an_error_naming_the_input():
    inputs = keras.Input((6, 6, 1), name="image")
    model = keras.Model(inputs, layers.Flatten()(inputs))
    with pytest.raises(ValueError, match=r"Model '.*': input 'image' expects shape \(None, 6, 6, 1\) \(rank 4, batch "
                                         r"first\), but received a tensor of shape \(36,\) \(rank 1\)"):
        model(torch.zeros(36))


def test_several_inputs_are_each_standardized():
    a, b = keras.Input((3,), name="a"), keras.Input((2, 1), name="b")
    model = keras.Model({"a": a, "b": b}, layers.concatenate([a, layers.Flatten()(b)]))
    out = model({"a": torch.ones(2, 3, dtype=torch.int64), "b": torch.ones(2, 2, dtype=torch.bool)})
    assert out.dtype == torch.float32 and out.shape == (2, 5)


@pytest.mark.parametrize("array, what", [(np.array([["a", "b"]]), r"dtype <U1 \(strings\)"),
                                         (np.array([[1, None]], dtype=object), r"dtype object \(object values, shape "
                                                                               r"\(1, 2\)\)")])
def test_strings_and_object_arrays_are_refused_naming_the_input(array, what):
    inputs = keras.Input((2,), name="features")
    model = keras.Model(inputs, layers.Dense(1)(inputs))
    with pytest.raises(TypeError, match=r"Model '.*': input 'features' expects float32 numbers but received a "
                                        r"NumPy array of " + what):
        model(array)


def test_string_inputs_get_the_one_off_rank_fix():
    inputs = keras.Input((1,), dtype="string")
    model = keras.Model(inputs, layers.StringLookup(vocabulary=["a", "b"])(inputs))
    assert model.predict(np.array(["a", "b", "c"]), verbose=0).tolist() == [[1], [2], [0]]
    assert tuple(model(np.array(["b"])).shape) == (1, 1)
    with pytest.raises(ValueError, match="expects strings of shape \\(None, 1\\).*rank 4"):
        model(np.array(["a"]).reshape(1, 1, 1, 1))
