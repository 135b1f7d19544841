"""Models rebuilt with lamina code + Keras's weights reproduce Keras's outputs (1e-5)."""

import numpy as np
import torch

import lamina as keras
from keras_weights import keras_weights_in_layer_order  # noqa: E402 (tests/models on sys.path via conftest)


def _check(model, name, fixtures_dir):
    weights = keras_weights_in_layer_order(fixtures_dir / "keras" / f"{name}.keras",
                                           [type(layer).__name__ for layer in model.layers])
    model.set_weights(weights)
    data = np.load(fixtures_dir / "keras" / f"{name}.npz")
    inputs = [torch.from_numpy(data[k]) for k in sorted(k for k in data if k.startswith("in_"))]
    with torch.no_grad():
        out = model(inputs[0] if len(inputs) == 1 else inputs)
    np.testing.assert_allclose(out.numpy(), data["out_0"], rtol=1e-5, atol=1e-5,
                               err_msg=f"fixture {name}")


def test_dense_fixture(fixtures_dir):
    x = keras.Input(shape=(7,))
    model = keras.Model(x, keras.layers.Dense(5, activation="relu")(x))
    _check(model, "dense", fixtures_dir)


def test_dense_on_3d_input_fixture(fixtures_dir):
    x = keras.Input(shape=(3, 6))
    model = keras.Model(x, keras.layers.Dense(4)(x))
    _check(model, "dense_3d", fixtures_dir)


def test_seed_residual_classifier_fixture(fixtures_dir):
    inputs = keras.Input(shape=(20,), name="features")
    x = keras.layers.Dense(128, activation="relu")(inputs)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    shortcut = keras.layers.Dense(64)(inputs)
    x = keras.layers.Add()([x, shortcut])
    x = keras.layers.Activation("relu")(x)
    output = keras.layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=output, name="residual_classifier")
    assert model.count_params() == 12938
    _check(model, "seed_residual_classifier", fixtures_dir)
