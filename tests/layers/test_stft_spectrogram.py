"""STFTSpectrogram and the STFT initializer against Keras-computed values
(tools/keras_crosscheck/stft_spectrogram.py, Keras 3.15 JAX backend)."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

import lamina as keras

HERE = Path(__file__).parent / "keras_values"
REFERENCE = np.load(HERE / "stft_spectrogram.npz")
CONFIGS = json.loads(str(REFERENCE["configs"]))


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_outputs_match_keras(name):
    config = CONFIGS[name]
    x = REFERENCE["x"]
    if config.get("data_format") == "channels_first":
        x = x.transpose(0, 2, 1)
    layer = keras.layers.STFTSpectrogram(**config)
    got = layer(torch.from_numpy(np.ascontiguousarray(x))).detach().numpy()
    want = REFERENCE[f"{name}_y"]
    assert got.shape == want.shape
    assert layer.compute_output_shape(x.shape) == want.shape
    if config["mode"] == "angle":
        # The phase of a (numerically) zero bin is arbitrary: compare where the bin has energy.
        magnitude = keras.layers.STFTSpectrogram(**{**config, "mode": "magnitude"})(torch.from_numpy(np.ascontiguousarray(x))).detach().numpy()
        keep = magnitude > 1e-3
        diff = np.angle(np.exp(1j * (got - want)))  # wrap to (-pi, pi]
        np.testing.assert_allclose(diff[keep], 0.0, atol=1e-3)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("side", ["real", "imag"])
def test_initializer_matches_keras(side):
    got = keras.initializers.STFT(side, "hann", "density", False)((20, 1, 17)).numpy()
    np.testing.assert_allclose(got, REFERENCE[f"init_{side}"], atol=1e-6)
    custom = keras.initializers.STFTInitializer(side, np.linspace(0.1, 1.0, 12), "spectrum")((12, 1, 9))
    np.testing.assert_allclose(custom.numpy(), REFERENCE[f"init_{side}_custom"], atol=1e-6)


def test_initializer_names_and_config_round_trip():
    init = keras.initializers.get("stft")
    assert isinstance(init, keras.initializers.STFT) and init.side == "real"
    config = keras.initializers.serialize(keras.initializers.STFT("imag", "hamming", None, True))
    assert config == {"module": "keras.initializers", "class_name": "STFT",
                      "config": {"side": "imag", "window": "hamming", "periodic": True, "scaling": None},
                      "registered_name": None}
    again = keras.initializers.deserialize(config)
    assert (again.side, again.window, again.scaling, again.periodic) == ("imag", "hamming", None, True)
    assert type(keras.initializers.get("STFTInitializer")) is keras.initializers.STFT


def test_keras_saved_model_loads_with_its_kernels(tmp_path):
    model = keras.saving.load_model(HERE / "stft_spectrogram.keras")
    got = model(torch.from_numpy(REFERENCE["x"])).detach().numpy()
    np.testing.assert_allclose(got, REFERENCE["model_y"], rtol=1e-4, atol=1e-4)
    # and back: lamina's file gives the same outputs after a reload
    path = tmp_path / "again.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(reloaded(torch.from_numpy(REFERENCE["x"])).detach().numpy(), got, atol=1e-6)
    assert [w.path for w in reloaded.get_layer("stft").weights] == ["stft/real_kernel", "stft/imag_kernel"]


def test_config_matches_keras_keys_and_trainability():
    layer = keras.layers.STFTSpectrogram(mode="real", trainable=False)
    layer.build((None, 512, 1))
    config = layer.get_config()
    for key, value in {"mode": "real", "frame_length": 256, "frame_step": None, "fft_length": None,
                       "window": "hann", "periodic": False, "scaling": "density", "padding": "valid",
                       "data_format": "channels_last", "expand_dims": False}.items():
        assert config[key] == value
    assert [w.path.split("/")[-1] for w in layer.weights] == ["real_kernel"]
    assert layer.trainable_weights == []
    assert keras.layers.STFTSpectrogram.from_config(config).mode == "real"


def test_functional_model_trains_the_kernels():
    inputs = keras.Input((128, 1))
    x = keras.layers.STFTSpectrogram(mode="magnitude", frame_length=32, frame_step=16)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    model.compile("sgd", "mse")
    before = model.layers[1].real_kernel.detach().clone()
    model.fit(np.random.rand(8, 128, 1).astype("float32"), np.random.rand(8, 1).astype("float32"),
              epochs=1, verbose=0)
    assert not torch.equal(before, model.layers[1].real_kernel.detach())


@pytest.mark.parametrize("kwargs, match", [
    ({"mode": "power"}, "mode=.power"),
    ({"frame_step": 300}, "frame_step=300"),
    ({"frame_length": 64, "fft_length": 32}, "fft_length=32"),
    ({"scaling": "l2"}, "scaling='l2'"),
    ({"padding": "causal"}, "padding='causal'"),
    ({"window": "no-such-window"}, "no-such-window"),
    ({"data_format": "nhwc"}, "data_format"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras.layers.STFTSpectrogram(**kwargs)


def test_bad_input_and_window_shape():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        keras.layers.STFTSpectrogram(frame_length=30, fft_length=48)
    assert any("power of two" in str(w.message) for w in caught)
    with pytest.raises(TypeError, match="float16"):
        keras.layers.STFTSpectrogram(frame_length=8)(torch.ones(1, 32, 1, dtype=torch.int32))
    with pytest.raises(ValueError, match=r"window.*\[16\]"):
        keras.layers.STFTSpectrogram(frame_length=16, window=np.ones(5))(torch.ones(1, 32, 1))
    with pytest.raises(ValueError, match="side"):
        keras.initializers.STFT("both")
