"""Parity with Keras 3 reference outputs for the conv / pooling / normalization / reshaping layers."""

import json

import pytest

import lamina as keras
from fixture_utils import FIXTURE_DIR, assert_close, load_fixture, rebuild_single_layer, run_inference

FIXTURES = [
    "avg_pool2d_same", "batch_norm", "batch_norm_conv", "conv1d_causal", "conv1d_transpose",
    "conv2d_channels_first", "conv2d_dilated_groups", "conv2d_same", "conv2d_strided_valid",
    "conv2d_transpose", "conv3d", "cropping2d", "depthwise_conv2d", "global_avg_pool1d",
    "global_max_pool2d", "group_norm", "layer_norm", "max_pool1d", "max_pool2d", "repeat_vector",
    "reshape_permute", "separable_conv2d", "upsampling2d", "zero_padding2d",
]


@pytest.mark.parametrize("name", FIXTURES)
def test_matches_keras_fixture(name):
    fixture = load_fixture(name)
    assert len(fixture.layer_configs) == 1, "these fixtures hold a single layer after the Input"
    layer = rebuild_single_layer(fixture)
    # The rebuilt config equals Keras's (same keys, same values).
    _, keras_config = fixture.layer_configs[0]
    assert layer.get_config() == keras_config
    assert_close(run_inference(layer, fixture.inputs[0]), fixture.outputs[0], name)


@pytest.mark.parametrize("name", FIXTURES)
def test_weights_round_trip_in_keras_layout(name):
    fixture = load_fixture(name)
    layer = rebuild_single_layer(fixture)
    index = json.loads((FIXTURE_DIR / "INDEX.json").read_text())["fixtures"]
    assert layer.count_params() == index[name]["params"]
    expected = fixture.layer_weights(0)
    got = layer.get_weights()
    assert [w.shape for w in got] == [w.shape for w in expected]
    for g, e in zip(got, expected):
        assert (g == e).all()


@pytest.mark.parametrize("name", FIXTURES)
def test_load_model_of_keras_file_matches(name):
    """End to end: the Keras archive itself (config + h5) loads into lamina and gives Keras's output."""
    fixture = load_fixture(name)
    model = keras.saving.load_model(FIXTURE_DIR / f"{name}.keras")
    assert_close(run_inference(model, fixture.inputs[0]), fixture.outputs[0], name)
