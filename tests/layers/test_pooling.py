"""Pooling layers: Keras "same" semantics, global pooling with masks and keepdims, errors."""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers as L


def _numpy_pool1d_same(x, size, stride, mode):
    """Direct reference: TF "same" windows, padding ignored (max) / not counted (average)."""
    n, steps, c = x.shape
    out_len = -(-steps // stride)
    total = max((out_len - 1) * stride + size - steps, 0)
    start = -(total // 2)
    out = np.zeros((n, out_len, c))
    for i in range(out_len):
        lo, hi = max(start + i * stride, 0), min(start + i * stride + size, steps)
        window = x[:, lo:hi]
        out[:, i] = window.max(axis=1) if mode == "max" else window.mean(axis=1)
    return out


@pytest.mark.parametrize("cls,mode", [(L.MaxPooling1D, "max"), (L.AveragePooling1D, "avg")])
@pytest.mark.parametrize("size,stride,steps", [(3, 2, 9), (2, 2, 7), (4, 3, 10), (3, 1, 5)])
def test_same_padding_matches_reference(cls, mode, size, stride, steps):
    x = np.random.default_rng(0).standard_normal((2, steps, 3)).astype("float32")
    out = cls(size, stride, padding="same")(torch.from_numpy(x))
    np.testing.assert_allclose(out.numpy(), _numpy_pool1d_same(x, size, stride, mode), rtol=1e-5, atol=1e-6)


def test_max_same_padding_ignores_padding_on_negative_inputs():
    x = -torch.ones(1, 3, 3, 1)
    out = L.MaxPooling2D(2, padding="same")(x)
    assert tuple(out.shape) == (1, 2, 2, 1) and (out == -1).all()


def test_strides_default_to_pool_size_and_shapes():
    layer = L.AveragePooling2D((2, 3))
    assert layer.strides == (2, 3)
    assert layer.compute_output_shape((None, 8, 9, 4)) == (None, 4, 3, 4)
    assert L.MaxPooling3D(padding="same", data_format="channels_first").compute_output_shape(
        (None, 2, 5, 5, 5)) == (None, 2, 3, 3, 3)


def test_channels_first_matches_channels_last():
    x = torch.randn(2, 7, 7, 3)
    last = L.AveragePooling2D(3, 2, padding="same")(x)
    first = L.AveragePooling2D(3, 2, padding="same", data_format="channels_first")(x.permute(0, 3, 1, 2))
    torch.testing.assert_close(first.permute(0, 2, 3, 1), last)


def test_global_average_pooling_1d_averages_only_unmasked_steps():
    x = torch.arange(12, dtype=torch.float32).reshape(1, 4, 3)
    mask = torch.tensor([[True, True, False, False]])
    out = L.GlobalAveragePooling1D()(x, mask=mask)
    torch.testing.assert_close(out, x[:, :2].mean(dim=1))
    # Keras's GlobalMaxPooling1D ignores the mask; so do we (same numbers as Keras).
    out_max = L.GlobalMaxPooling1D()(x, mask=mask)
    torch.testing.assert_close(out_max, x[:, 3])


def test_global_pooling_mask_from_embedding_in_a_model():
    inputs = keras.Input(shape=(4,), dtype="int64")
    embedded = L.Embedding(10, 3, mask_zero=True)(inputs)
    model = keras.Model(inputs, L.GlobalAveragePooling1D()(embedded))
    ids = torch.tensor([[1, 2, 0, 0]])
    table = model.layers[1].get_weights()[0]
    np.testing.assert_allclose(model(ids).detach().numpy(), table[[1, 2]].mean(axis=0, keepdims=True), rtol=1e-6)


def test_global_pooling_keepdims_and_data_format():
    x = torch.randn(2, 3, 4, 5)
    assert tuple(L.GlobalMaxPooling2D(keepdims=True)(x).shape) == (2, 1, 1, 5)
    out = L.GlobalAveragePooling2D(data_format="channels_first")(x)
    torch.testing.assert_close(out, x.mean(dim=(2, 3)))
    assert L.GlobalAveragePooling3D(keepdims=True).compute_output_shape((None, 2, 3, 4, 5)) == (None, 1, 1, 1, 5)


@pytest.mark.parametrize("factory,match", [
    (lambda: L.MaxPooling2D(padding="full"), r"MaxPooling2D layer 'max_pooling2d'.*`padding`.*'full'"),
    (lambda: L.AveragePooling1D(2, data_format="NWC"), r"`data_format`.*'NWC'"),
    (lambda: L.MaxPooling2D(pool_size=(2, 2, 2)), r"`pool_size`.*tuple of 2 ints"),
    (lambda: L.AveragePooling2D(2, strides=0), r"`strides`.*strictly positive"),
    (lambda: L.GlobalMaxPooling2D(data_format="x"), r"`data_format`"),
])
def test_bad_arguments(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


def test_pool_larger_than_valid_input_fails_at_build():
    with pytest.raises(ValueError, match=r"MaxPooling2D layer 'pool': pool_size=\(3, 3\).*\(2, 5\).*'valid'"):
        L.MaxPooling2D(3, name="pool")(keras.Input(shape=(2, 5, 1)))
    assert tuple(L.MaxPooling2D(3, padding="same")(keras.Input(shape=(2, 5, 1))).shape) == (None, 1, 2, 1)
    # Eager calls name the window too (checked only once torch has failed: no per-call cost).
    with pytest.raises(ValueError, match=r"AveragePooling1D layer 'eager': pool_size=\(4,\).*\(2,\).*'valid'"):
        L.AveragePooling1D(4, name="eager")(torch.ones(1, 2, 3))
