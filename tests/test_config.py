"""lamina.config (keras.config's 25 names): each setting read where it takes effect."""

import logging
import warnings

import numpy as np
import pytest
import torch

import lamina
from lamina import config


@pytest.fixture(autouse=True)
def _restore_settings():
    yield
    config.set_epsilon(1e-7)
    config.set_image_data_format("channels_last")
    config.set_max_epochs(None)
    config.set_max_steps_per_epoch(None)
    config.set_floatx("float32")
    lamina.clear_session(free_memory=False)


def test_has_every_keras_name():
    import json
    import pathlib

    names = ["backend", "disable_flash_attention", "disable_interactive_logging", "disable_traceback_filtering",
             "dtype_policy", "enable_flash_attention", "enable_interactive_logging", "enable_traceback_filtering",
             "enable_unsafe_deserialization", "epsilon", "floatx", "image_data_format",
             "is_flash_attention_enabled", "is_interactive_logging_enabled", "is_nnx_enabled",
             "is_traceback_filtering_enabled", "max_epochs", "max_steps_per_epoch", "set_backend",
             "set_dtype_policy", "set_epsilon", "set_floatx", "set_image_data_format", "set_max_epochs",
             "set_max_steps_per_epoch"]
    assert sorted(config.__all__) == sorted(names)
    assert all(callable(getattr(config, n)) for n in names)


def test_defaults_and_setters():
    assert config.backend() == "torch" and lamina.backend.backend() == "torch"
    assert config.epsilon() == 1e-7 and config.floatx() == "float32"
    assert config.image_data_format() == "channels_last"
    assert config.max_epochs() is None and config.max_steps_per_epoch() is None
    assert config.is_interactive_logging_enabled() is True
    assert config.is_traceback_filtering_enabled() is True
    assert config.is_flash_attention_enabled() is None
    assert config.is_nnx_enabled() is False
    config.set_epsilon(1e-5)
    assert lamina.backend.epsilon() == 1e-5
    config.set_image_data_format("CHANNELS_FIRST")
    assert lamina.backend.image_data_format() == "channels_first"
    config.set_backend("torch")
    config.disable_traceback_filtering()
    assert config.is_traceback_filtering_enabled() is False


def test_bad_values():
    with pytest.raises(ValueError, match="`data_format` argument must be one of"):
        config.set_image_data_format("nhwc")
    with pytest.raises(ValueError, match="lamina runs on PyTorch only"):
        config.set_backend("jax")
    with pytest.raises(ValueError, match="expects a float dtype name"):
        config.set_floatx("int32")


def test_image_data_format_reaches_layers():
    config.set_image_data_format("channels_first")
    conv = lamina.layers.Conv2D(4, 3)
    assert conv.data_format == "channels_first"
    assert conv(torch.zeros(1, 2, 8, 8)).shape == (1, 4, 6, 6)
    assert lamina.layers.MaxPooling2D().data_format == "channels_first"
    assert lamina.layers.Flatten().get_config()["data_format"] == "channels_first"
    assert lamina.layers.Conv2D(4, 3, data_format="channels_last").data_format == "channels_last"


def test_dtype_policy_is_the_mixed_precision_one():
    config.set_dtype_policy("mixed_bfloat16")
    assert config.dtype_policy().name == "mixed_bfloat16"
    assert lamina.mixed_precision.global_policy().name == "mixed_bfloat16"
    assert lamina.layers.Dense(2).dtype_policy.name == "mixed_bfloat16"
    lamina.clear_session(free_memory=False)  # Keras resets the global policy with the session
    assert config.dtype_policy().name == "float32"


def _tiny_model():
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_max_epochs_and_steps_cap_fit():
    config.set_max_epochs(2)
    config.set_max_steps_per_epoch(3)
    model = _tiny_model()
    seen = []
    counter = lamina.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(np.zeros((100, 4)), np.zeros((100, 1)), epochs=5, batch_size=10, verbose=0,
                            callbacks=[counter])
    messages = {str(w.message) for w in caught}
    assert {"Limiting epochs to 2", "Limiting steps_per_epoch to 3"} <= messages
    assert len(history.history["loss"]) == 2 and len(seen) == 6


def test_disabled_interactive_logging_goes_to_the_logger(caplog, capsys):
    config.disable_interactive_logging()
    model = _tiny_model()
    with caplog.at_level(logging.INFO, logger="lamina"):
        model.fit(np.zeros((20, 4)), np.zeros((20, 1)), epochs=2, batch_size=10, verbose=1)
    assert capsys.readouterr().out == ""
    lines = [r.getMessage() for r in caplog.records if r.name == "lamina"]
    epochs = [line for line in lines if line.startswith("Epoch")]
    assert len(epochs) == 2 and epochs[0].startswith("Epoch 1/2 - 2/2") and "loss:" in epochs[0]
    assert [line for line in lines if line not in epochs] == [lines[-1]]  # the thread choice, logged too
    assert lines[-1].startswith("intra-op threads: 1")
    config.enable_interactive_logging()
    model.fit(np.zeros((20, 4)), np.zeros((20, 1)), epochs=1, batch_size=10, verbose=2)
    assert "Epoch 1/1" in capsys.readouterr().out


def test_flash_attention_flag_reaches_multi_head_attention():
    x = torch.randn(2, 5, 8)
    reference = lamina.layers.MultiHeadAttention(2, 4)
    expected = reference(x, x)
    config.disable_flash_attention()
    assert config.is_flash_attention_enabled() is False
    layer = lamina.layers.MultiHeadAttention(2, 4)
    assert layer._flash_attention is False
    layer(x, x)
    layer.load_state_dict(reference.state_dict())
    torch.testing.assert_close(layer(x, x), expected, atol=1e-6, rtol=1e-5)
    config.enable_flash_attention()
    assert config.is_flash_attention_enabled() is None
    flash = lamina.layers.MultiHeadAttention(2, 4, flash_attention=True)
    with pytest.raises(ValueError, match="returning attention scores is not supported"):
        flash(x, x, return_attention_scores=True)
    with pytest.raises(ValueError, match="dropout is not supported when flash attention"):
        lamina.layers.MultiHeadAttention(2, 4, dropout=0.1, flash_attention=True)


def test_enable_unsafe_deserialization_lets_lambda_load(tmp_path):
    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, lamina.layers.Lambda(lambda t: t * 2)(inputs))
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(Exception, match="enable_unsafe_deserialization"):
        lamina.models.load_model(path)
    config.enable_unsafe_deserialization()
    loaded = lamina.models.load_model(path)  # safe_mode=True by default, overridden as in Keras
    torch.testing.assert_close(loaded(torch.ones(1, 3)), torch.full((1, 3), 2.0))
    lamina.clear_session(free_memory=False)  # back to safe
    with pytest.raises(Exception, match="safe_mode=False"):
        lamina.models.load_model(path)


def test_epsilon_is_read_by_losses_at_call_time():
    y_true, y_pred = torch.ones(1, 1), torch.zeros(1, 1)
    default = lamina.losses.binary_crossentropy(y_true, y_pred)
    torch.testing.assert_close(default, torch.tensor([-np.log(1e-7)], dtype=torch.float32), rtol=1e-4, atol=0)
    config.set_epsilon(1e-3)
    loose = lamina.losses.binary_crossentropy(y_true, y_pred)
    torch.testing.assert_close(loose, torch.tensor([-np.log(1e-3)], dtype=torch.float32), rtol=1e-4, atol=0)
