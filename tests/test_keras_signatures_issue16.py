"""Keras parameters added to present functions/classes for issue 16: each accepted by
name with Keras's default and doing what Keras's does (or refused with a clear error
where torch has no meaning)."""

import inspect
import os
import warnings

import numpy as np
import pytest
import torch

import lamina as keras

# SparseCategoricalCrossentropy metric values computed by Keras 3.15.1 (JAX):
# tools/keras_crosscheck/make_signature_values.py.
SCCE_Y_TRUE = np.array([[0, 2, 1, 2], [1, 1, 0, 2]])
SCCE_WEIGHTS = np.array([[1.0, 0.5, 2.0, 1.0], [0.5, 0.5, 1.0, 3.0]], "float32")
SCCE_KERAS = {None: (1.4714549779891968, 1.5510506629943848), 2: (1.06613028049469, 1.744900107383728)}


def _scce_pred():
    yp = np.random.default_rng(3).random((2, 4, 3)).astype("float32")
    return yp / yp.sum(-1, keepdims=True)


@pytest.mark.parametrize("ignore_class", [None, 2])
def test_sparse_categorical_crossentropy_metric_ignore_class_matches_keras(ignore_class):
    yp = _scce_pred()
    m = keras.metrics.SparseCategoricalCrossentropy(ignore_class=ignore_class)
    m.update_state(SCCE_Y_TRUE, yp)
    m.update_state(SCCE_Y_TRUE[:1], yp[:1])
    weighted = keras.metrics.SparseCategoricalCrossentropy(ignore_class=ignore_class)
    weighted.update_state(SCCE_Y_TRUE, yp, sample_weight=SCCE_WEIGHTS)
    expected, expected_weighted = SCCE_KERAS[ignore_class]
    np.testing.assert_allclose(float(m.result()), expected, rtol=1e-5)
    np.testing.assert_allclose(float(weighted.result()), expected_weighted, rtol=1e-5)
    config = m.get_config()
    assert config["ignore_class"] == ignore_class
    assert keras.metrics.SparseCategoricalCrossentropy.from_config(config).ignore_class == ignore_class


def test_scce_metric_positional_order_is_keras():
    params = list(inspect.signature(keras.metrics.SparseCategoricalCrossentropy).parameters)
    assert params == ["name", "dtype", "from_logits", "ignore_class", "axis"]


def test_losses_deserialize_takes_name():
    loss = keras.losses.deserialize(name={"class_name": "Huber", "config": {"delta": 2.0}})
    assert loss.delta == 2.0
    assert keras.losses.deserialize("mse") is keras.losses.deserialize(name="mse")


def test_schedules_serialize_takes_learning_rate_schedule():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    config = keras.optimizers.schedules.serialize(learning_rate_schedule=schedule)
    assert config["class_name"] == "ExponentialDecay"


def test_input_ragged_false_accepted_true_refused():
    x = keras.Input(shape=(3,), ragged=False)
    assert x.shape == (None, 3)
    assert keras.layers.InputLayer(shape=(3,), ragged=None).batch_shape == (None, 3)
    with pytest.raises(ValueError, match="ragged=True is not supported.*pad_sequences"):
        keras.Input(shape=(None,), ragged=True)
    # Keras's positional order: shape, batch_size, dtype, sparse, ragged, batch_shape.
    assert list(inspect.signature(keras.Input).parameters)[:6] == [
        "shape", "batch_size", "dtype", "sparse", "ragged", "batch_shape"]


def _model():
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 3), "float32"), np.zeros((4, 2), "float32"), verbose=0)
    return model


def test_save_model_zipped(tmp_path):
    model = _model()
    x = torch.ones(2, 3)
    folder = str(tmp_path / "unzipped.keras")
    keras.saving.save_model(model, folder, zipped=False)
    assert os.path.isdir(folder)
    restored = keras.saving.load_model(folder)
    torch.testing.assert_close(restored(x), model(x))
    zipped = str(tmp_path / "m.keras")
    model.save(zipped, zipped=True)
    assert os.path.isfile(zipped)
    with pytest.raises(ValueError, match="zipped=True needs a path ending in '.keras'"):
        keras.saving.save_model(model, str(tmp_path / "m_dir"), zipped=True)


def test_save_model_kwargs(tmp_path):
    model = _model()
    path = str(tmp_path / "no_opt.keras")
    keras.saving.save_model(model, path, include_optimizer=False)
    assert keras.saving.load_model(path).optimizer.iterations == 0
    with pytest.warns(UserWarning, match="`save_format` argument is deprecated"):
        model.save(str(tmp_path / "f.keras"), save_format="keras")
    with pytest.raises(ValueError, match="save_format.*deprecated"):
        model.save(str(tmp_path / "f_dir"), save_format="tf")
    with pytest.raises(ValueError, match=r"not supported: \['bogus'\]"):
        model.save(str(tmp_path / "g.keras"), bogus=1)
