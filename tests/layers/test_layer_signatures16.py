"""Keras 3.15 signatures of the conv, pooling, normalization, regularization and attention layers
(positional order and defaults), and MultiHeadAttention's `sliding_window` against Keras values
(`tests/layers/keras_values/mha_sliding_window.npz`, from `tools/keras_crosscheck/mha_sliding_window.py`)."""

import inspect
import os

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers as L

REQUIRED = inspect.Parameter.empty

# (layer, the leading parameters in Keras 3.15's order with their defaults), from
# `inspect.signature` of Keras 3.15.1's classes.
KERAS_SIGNATURES = {
    "Conv3DTranspose": [("filters", REQUIRED), ("kernel_size", REQUIRED), ("strides", (1, 1, 1)),
                        ("padding", "valid"), ("data_format", None), ("output_padding", None),
                        ("dilation_rate", (1, 1, 1)), ("activation", None)],
    "Convolution3DTranspose": [("filters", REQUIRED), ("kernel_size", REQUIRED), ("strides", (1, 1, 1)),
                               ("padding", "valid"), ("data_format", None), ("output_padding", None),
                               ("dilation_rate", (1, 1, 1))],
    "Conv2DTranspose": [("filters", REQUIRED), ("kernel_size", REQUIRED), ("strides", (1, 1)),
                        ("padding", "valid"), ("output_padding", None), ("data_format", None),
                        ("dilation_rate", (1, 1))],
    "Conv1DTranspose": [("filters", REQUIRED), ("kernel_size", REQUIRED), ("strides", 1), ("padding", "valid"),
                        ("output_padding", None), ("data_format", None), ("dilation_rate", 1)],
    "DepthwiseConv2D": [("kernel_size", REQUIRED), ("strides", (1, 1)), ("padding", "valid"),
                        ("depth_multiplier", 1), ("data_format", None), ("dilation_rate", (1, 1))],
    "DepthwiseConv1D": [("kernel_size", REQUIRED), ("strides", 1), ("padding", "valid"),
                        ("depth_multiplier", 1), ("data_format", None), ("dilation_rate", 1)],
    "SeparableConv2D": [("filters", REQUIRED), ("kernel_size", REQUIRED), ("strides", (1, 1)),
                        ("padding", "valid"), ("data_format", None), ("dilation_rate", (1, 1)),
                        ("depth_multiplier", 1)],
    "SeparableConv1D": [("filters", REQUIRED), ("kernel_size", REQUIRED), ("strides", 1), ("padding", "valid"),
                        ("data_format", None), ("dilation_rate", 1), ("depth_multiplier", 1)],
    "LayerNormalization": [("axis", -1), ("epsilon", 1e-3), ("center", True), ("scale", True),
                           ("beta_initializer", "zeros"), ("gamma_initializer", "ones")],
    "MultiHeadAttention": [("num_heads", REQUIRED), ("key_dim", REQUIRED), ("value_dim", None), ("dropout", 0.0),
                           ("use_bias", True), ("output_shape", None), ("attention_axes", None),
                           ("sliding_window", None), ("flash_attention", None),
                           ("kernel_initializer", "glorot_uniform"), ("bias_initializer", "zeros"),
                           ("kernel_regularizer", None), ("bias_regularizer", None),
                           ("activity_regularizer", None), ("kernel_constraint", None), ("bias_constraint", None),
                           ("use_gate", False), ("seed", None)],
    "BatchNormalization": [("gamma_constraint", None), ("renorm", False), ("renorm_clipping", None),
                           ("renorm_momentum", 0.99), ("synchronized", False)],
}

EXACT = {  # the whole signature, with no **kwargs, as Keras
    "SpatialDropout1D": [("rate", REQUIRED), ("seed", None), ("name", None), ("dtype", None)],
    "SpatialDropout2D": [("rate", REQUIRED), ("data_format", None), ("seed", None), ("name", None), ("dtype", None)],
    "SpatialDropout3D": [("rate", REQUIRED), ("data_format", None), ("seed", None), ("name", None), ("dtype", None)],
}


def _params(name):
    return [(p.name, p.default) for p in inspect.signature(getattr(L, name).__init__).parameters.values()
            if p.name != "self"]


@pytest.mark.parametrize("name", sorted(KERAS_SIGNATURES))
def test_signature_order_and_defaults_are_keras(name):
    params = [p for p in _params(name) if p[0] != "kwargs"]
    want = KERAS_SIGNATURES[name]
    if name == "BatchNormalization":
        params = params[-len(want):]
    assert params[:len(want)] == want


@pytest.mark.parametrize("name", sorted(EXACT))
def test_spatial_dropout_signatures_are_exactly_keras(name):
    assert _params(name) == EXACT[name]
    with pytest.raises(TypeError):
        getattr(L, name)(0.5, trainable=False)


@pytest.mark.parametrize("name", ["AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
                                  "AvgPool1D", "AvgPool2D", "AvgPool3D"])
def test_average_pooling_requires_pool_size(name):
    assert _params(name)[0] == ("pool_size", REQUIRED)
    with pytest.raises(TypeError, match="pool_size"):
        getattr(L, name)()


def test_max_pooling_keeps_its_default_pool_size():
    assert _params("MaxPooling2D")[0] == ("pool_size", (2, 2))


def test_conv3d_transpose_positional_data_format_comes_before_output_padding():
    layer = L.Conv3DTranspose(2, 3, 2, "same", "channels_first", 1)
    assert layer.data_format == "channels_first" and layer.output_padding == (1, 1, 1)
    x = torch.randn(1, 3, 4, 4, 4)
    assert tuple(layer(x).shape) == (1, 2, 8, 8, 8)
    assert L.Conv2DTranspose(2, 3).get_config()["strides"] in ((1, 1), [1, 1])


# ---------------------------------------------------------------------- sliding_window

SW = np.load(os.path.join(os.path.dirname(__file__), "keras_values", "mha_sliding_window.npz"))


LAYER_KWARGS = {"gate": {"use_gate": True}, "gate_window": {"use_gate": True, "use_bias": False}}


@pytest.mark.parametrize("case", ["self", "causal", "value_mask", "scores", "cross", "gate", "gate_window"])
def test_mha_sliding_window_and_gate_equal_keras(case):
    window = int(SW[f"{case}_window"])
    window = None if window < 0 else window
    layer = L.MultiHeadAttention(2, 3, sliding_window=window, **LAYER_KWARGS.get(case, {}))
    q, v = torch.from_numpy(SW[f"{case}_q"]), torch.from_numpy(SW[f"{case}_v"])
    layer(q, v)
    layer.set_weights([SW[f"{case}_w{i}"] for i in range(int(SW[f"{case}_nw"]))])
    kwargs = {"use_causal_mask": case in ("causal", "gate_window"), "return_attention_scores": case == "scores"}
    if case == "value_mask":
        kwargs["value_mask"] = torch.from_numpy(SW["value_mask_value_mask"])
    out = layer(q, v, **kwargs)
    outs = out if isinstance(out, tuple) else (out,)
    for i, o in enumerate(outs):
        np.testing.assert_allclose(o.detach().numpy(), SW[f"{case}_out{i}"], atol=1e-5, rtol=0)
    config = layer.get_config()
    assert config["sliding_window"] == window and config["use_gate"] == (case.startswith("gate"))
    assert L.MultiHeadAttention.from_config(config)._sliding_window == window


def test_keras_written_gated_windowed_attention_loads_and_round_trips(tmp_path):
    model = keras.saving.load_model(os.path.join(os.path.dirname(__file__), "keras_written", "mha_gate_window.keras"))
    x = torch.from_numpy(SW["model_x"])
    with torch.no_grad():
        out = model(x)
    np.testing.assert_allclose(out.numpy(), SW["model_out"], atol=1e-5, rtol=0)
    mha = model.layers[-1]
    assert [w.path for w in mha.weights][4:6] == ["gate/kernel", "gate/bias"]  # between key and value
    model.save(tmp_path / "again.keras")
    with torch.no_grad():
        torch.testing.assert_close(keras.saving.load_model(tmp_path / "again.keras")(x), out, atol=0, rtol=0)


@pytest.mark.parametrize("window", [0, -1, 1.5, True])
def test_bad_sliding_window_is_refused_clearly(window):
    with pytest.raises(ValueError, match=r"MultiHeadAttention layer.*`sliding_window` must be None or a positive int"):
        L.MultiHeadAttention(2, 3, sliding_window=window)


def test_sliding_window_needs_sequences():
    layer = L.MultiHeadAttention(2, 3, sliding_window=2, attention_axes=(1, 2))
    x = torch.randn(1, 3, 3, 4)
    with pytest.raises(ValueError, match="sliding_window=2 needs inputs of shape"):
        layer(x, x)
