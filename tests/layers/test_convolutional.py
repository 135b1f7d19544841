"""Conv layers: Keras numerics beyond the fixtures, shapes, layouts, zero-copy channels_last, errors."""

import math

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers as L


def _numpy_conv2d_same(x, kernel, stride):
    """Direct NHWC conv with TF/Keras "same" padding (odd extra pad at the end)."""
    n, h, w, _ = x.shape
    kh, kw, _, out = kernel.shape
    oh, ow = math.ceil(h / stride), math.ceil(w / stride)
    ph = max((oh - 1) * stride + kh - h, 0)
    pw = max((ow - 1) * stride + kw - w, 0)
    padded = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    y = np.zeros((n, oh, ow, out), dtype=np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = padded[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            y[:, i, j, :] = np.einsum("nhwc,hwco->no", patch, kernel)
    return y


@pytest.mark.parametrize("size,kernel,stride", [(7, 3, 2), (8, 3, 2), (8, 4, 3), (5, 2, 2), (6, 4, 1), (5, 2, 1)])
def test_strided_same_conv_matches_tf_padding(size, kernel, stride):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, size, size, 3)).astype("float32")
    layer = L.Conv2D(4, kernel, strides=stride, padding="same", use_bias=False)
    out = layer(torch.from_numpy(x))
    expected = _numpy_conv2d_same(x.astype(np.float64), layer.get_weights()[0].astype(np.float64), stride)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("n,kernel,stride,padding", [(4, 3, 2, "same"), (4, 4, 2, "same"), (3, 5, 3, "same"),
                                                     (4, 3, 1, "same"), (4, 4, 1, "same"), (4, 3, 2, "valid"),
                                                     (3, 4, 2, "valid")])
def test_conv_transpose_is_the_adjoint_of_conv(n, kernel, stride, padding):
    """Keras's transposed conv is the gradient of the conv with the same kernel and padding."""
    torch.manual_seed(0)
    big = n * stride if padding == "same" else (n - 1) * stride + kernel
    conv = L.Conv2D(5, kernel, strides=stride, padding=padding, use_bias=False)
    y = torch.randn(2, big, big, 3)
    conv_out = conv(y)
    assert tuple(conv_out.shape) == (2, n, n, 5)
    transpose = L.Conv2DTranspose(3, kernel, strides=stride, padding=padding, use_bias=False)
    x = torch.randn(2, n, n, 5)
    transpose(x)
    transpose.set_weights(conv.get_weights())  # Keras (k, k, 3, 5) for both
    lhs = (conv_out * x).sum()
    rhs = (y * transpose(x)).sum()
    torch.testing.assert_close(lhs, rhs, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kwargs,length,expected", [
    (dict(kernel_size=3, strides=2, padding="valid"), 5, 11),
    (dict(kernel_size=1, strides=3, padding="valid"), 5, 15),  # max(k, s) rule
    (dict(kernel_size=3, strides=2, padding="same"), 5, 10),
    (dict(kernel_size=3, strides=2, padding="same", output_padding=0), 5, 9),
    (dict(kernel_size=3, strides=2, padding="valid", output_padding=1), 5, 12),
    (dict(kernel_size=3, dilation_rate=2, padding="valid"), 5, 9),
])
def test_conv_transpose_output_lengths(kwargs, length, expected):
    layer = L.Conv1DTranspose(2, **kwargs)
    out = layer(torch.randn(1, length, 3))
    assert tuple(out.shape) == (1, expected, 2)
    assert layer.compute_output_shape((None, length, 3)) == (None, expected, 2)


def test_kernels_are_stored_in_torch_layout_and_read_in_keras_layout():
    conv = L.Conv2D(6, (3, 2), groups=2)
    conv(torch.randn(1, 5, 5, 4))
    assert tuple(conv.kernel.shape) == (6, 2, 3, 2)
    assert conv.get_weights()[0].shape == (3, 2, 2, 6)
    transpose = L.Conv2DTranspose(6, 3)
    transpose(torch.randn(1, 4, 4, 5))
    assert transpose.get_weights()[0].shape == (3, 3, 6, 5)
    depthwise = L.DepthwiseConv2D(3, depth_multiplier=2)
    depthwise(torch.randn(1, 5, 5, 4))
    assert [w.shape for w in depthwise.get_weights()] == [(3, 3, 4, 2), (8,)]
    separable = L.SeparableConv1D(7, 3, depth_multiplier=2)
    separable(torch.randn(1, 5, 4))
    assert [w.shape for w in separable.get_weights()] == [(3, 4, 2), (1, 8, 7), (7,)]


def test_channels_last_is_computed_without_input_or_output_copies():
    x = torch.randn(2, 8, 8, 3)
    out = L.Conv2D(4, 3, padding="same")(x)
    # torch sees the permuted NHWC input as channels_last memory format and answers in that format,
    # so the NHWC result (a permuted view back) is already contiguous: no copy on either side.
    assert out.is_contiguous()
    assert out.permute(0, 3, 1, 2).is_contiguous(memory_format=torch.channels_last)


def test_channels_first_matches_channels_last():
    x = torch.randn(2, 6, 6, 3)
    last = L.Conv2D(4, 3, strides=2, padding="same")
    first = L.Conv2D(4, 3, strides=2, padding="same", data_format="channels_first")
    expected = last(x)
    first(x.permute(0, 3, 1, 2))
    first.set_weights(last.get_weights())
    torch.testing.assert_close(first(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1), expected)


def test_causal_conv_does_not_see_the_future():
    layer = L.Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = torch.randn(1, 10, 3)
    base = layer(x)
    x2 = x.clone()
    x2[:, 6:] += 1.0
    changed = layer(x2)
    torch.testing.assert_close(changed[:, :6], base[:, :6])
    assert tuple(base.shape) == (1, 10, 2)


def test_activation_and_no_bias():
    layer = L.Conv2D(3, 1, activation="relu", use_bias=False)
    out = layer(torch.randn(2, 4, 4, 2))
    assert len(layer.weights) == 1 and (out >= 0).all()


@pytest.mark.parametrize("factory,match", [
    (lambda: L.Conv2D(4, 3, padding="full"), r"Conv2D layer 'conv2d'.*`padding`.*'full'"),
    (lambda: L.Conv2D(4, 3, padding="causal"), r"`padding`.*'causal'"),
    (lambda: L.DepthwiseConv1D(3, padding="causal"), r"DepthwiseConv1D.*padding='causal' is not available.*ZeroPadding1D"),
    (lambda: L.SeparableConv1D(2, 3, padding="causal"), r"SeparableConv1D.*padding='causal' is not available"),
    (lambda: L.Conv2D(4, 3, data_format="NHWC"), r"`data_format`.*'NHWC'"),
    (lambda: L.Conv2D(0, 3), r"`filters`.*filters=0"),
    (lambda: L.Conv2D(4, (3, 3, 3)), r"`kernel_size`.*tuple of 2 ints"),
    (lambda: L.Conv2D(5, 3, groups=2), r"filters must be evenly divisible.*groups=2, filters=5"),
    (lambda: L.Conv1D(4, 3, strides=2, dilation_rate=2), r"`strides > 1`.*`dilation_rate > 1`"),
    (lambda: L.DepthwiseConv2D(3, depth_multiplier=0), r"depth_multiplier=0"),
    (lambda: L.Conv2DTranspose(4, 3, strides=2, output_padding=2), r"`output_padding` must be smaller"),
])
def test_bad_arguments_fail_at_construction(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


def test_groups_must_divide_input_channels_at_build():
    layer = L.Conv2D(4, 3, groups=2, name="grouped")
    with pytest.raises(ValueError, match=r"'grouped'.*input channels.*groups=2.*3 channels"):
        layer(keras.Input(shape=(8, 8, 3)))


def test_kernel_larger_than_valid_input_fails_at_build():
    layer = L.Conv2D(4, 5, name="big")
    with pytest.raises(ValueError, match=r"Conv2D layer 'big': kernel_size=\(5, 5\).*\(4, 4\).*padding='valid'"):
        layer(keras.Input(shape=(4, 4, 3)))
    L.Conv2D(4, 5, padding="same")(keras.Input(shape=(4, 4, 3)))  # same padding is fine


def test_conv_config_matches_keras_keys():
    config = L.SeparableConv2D(4, 3).get_config()
    assert {"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "depth_multiplier",
            "depthwise_initializer", "pointwise_initializer", "pointwise_constraint"} <= set(config)
    assert "groups" not in config and "kernel_initializer" not in config
    assert "groups" not in L.Conv2DTranspose(2, 3).get_config()
    assert L.Conv2D(2, 3).get_config()["kernel_size"] == [3, 3]


# -- convolution_op: Keras's override point (keras.io "Customizing the convolution operation") --------------


class _StandardizedByOverride(L.Conv2D):
    def convolution_op(self, inputs, kernel):
        mean, var = keras.ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
        return keras.ops.conv(inputs, (kernel - mean) / keras.ops.sqrt(var + 1e-10), padding="valid",
                              strides=list(self.strides))


class _StandardizedByCall(L.Conv2D):
    def call(self, inputs):
        mean, var = keras.ops.moments(self.kernel, axes=[0, 1, 2], keepdims=True)
        result = self.convolution_op(inputs, (self.kernel - mean) / keras.ops.sqrt(var + 1e-10))
        if self.use_bias:
            result = result + self.bias
        return result


def _standardized_reference(x, kernel, bias):
    kernel = (kernel - kernel.mean(axis=(0, 1, 2), keepdims=True)) / np.sqrt(
        kernel.var(axis=(0, 1, 2), keepdims=True) + 1e-10)
    return keras.ops.convert_to_numpy(keras.ops.conv(x, kernel.astype("float32"))) + bias


@pytest.mark.parametrize("cls", [_StandardizedByOverride, _StandardizedByCall])
def test_standardized_conv_subclasses_see_keras_layout_kernel(cls):
    x = np.random.default_rng(0).normal(size=(2, 7, 7, 3)).astype("float32")
    layer = cls(4, 3)
    out = keras.ops.convert_to_numpy(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 3, 3, 4)
    np.testing.assert_allclose(out, _standardized_reference(x, kernel, bias), rtol=1e-4, atol=1e-4)


def test_convolution_op_matches_call_for_builtin_conv():
    x = np.random.default_rng(1).normal(size=(2, 9, 3)).astype("float32")
    layer = L.Conv1D(4, 3, padding="causal", bias_initializer="ones")
    out = keras.ops.convert_to_numpy(layer(x))
    kernel = keras.ops.convert_to_tensor(layer.get_weights()[0])
    via_op = keras.ops.convert_to_numpy(layer.convolution_op(x, kernel)) + 1.0
    np.testing.assert_allclose(out, via_op, rtol=1e-5, atol=1e-5)
