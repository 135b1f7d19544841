"""The issue-16 layers against Keras 3.15: Keras-written `.keras` files (one per family) load with
equal outputs, a training-mode SpectralNormalization step equals Keras's, and bad arguments fail
with clear messages. Fixtures: `tools/keras_crosscheck/layers16_files.py` (Keras's `save`)."""

import os

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers as L

HERE = os.path.join(os.path.dirname(__file__), "keras_written")
TOL = 1e-5


@pytest.mark.parametrize("family", ["pooling16", "core16", "normalization16", "attention16"])
def test_keras_written_file_loads_with_equal_outputs(family, tmp_path):
    model = keras.saving.load_model(os.path.join(HERE, f"{family}.keras"))
    io = np.load(os.path.join(HERE, f"{family}_io.npz"))
    n = int(io["n_inputs"])
    arrays = [io[f"arr_{i}"] for i in range(len(io.files) - 1)]
    xs = [torch.from_numpy(a) for a in arrays[:n]]
    with torch.no_grad():
        got = model(xs if n > 1 else xs[0])
    got = got if isinstance(got, (list, tuple)) else [got]
    assert len(got) == len(arrays) - n
    for g, want in zip(got, arrays[n:]):
        np.testing.assert_allclose(g.numpy(), want, atol=TOL, rtol=0)
    # and back through a lamina-written file
    path = tmp_path / f"{family}.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    with torch.no_grad():
        out2 = again(xs if n > 1 else xs[0])
    for a, b in zip(got, out2 if isinstance(out2, (list, tuple)) else [out2]):
        torch.testing.assert_close(a, b, atol=0, rtol=0)


def test_spectral_normalization_training_step_equals_keras():
    f = np.load(os.path.join(HERE, "spectral_training.npz"))
    sn = L.SpectralNormalization(L.Dense(4), power_iterations=2)
    sn(torch.from_numpy(f["x"]))
    sn.layer.kernel.assign(f["kernel"])
    sn.layer.bias.assign(f["bias"])
    sn.vector_u.assign(f["u"])
    out = sn(torch.from_numpy(f["x"]), training=True)
    np.testing.assert_allclose(out.detach().numpy(), f["out"], atol=1e-5, rtol=0)
    np.testing.assert_allclose(sn.vector_u.numpy(), f["u_after"], atol=1e-6, rtol=0)
    np.testing.assert_allclose(sn.layer.kernel.numpy(), f["kernel_after"], atol=1e-6, rtol=0)


def test_spectral_normalization_gradient_reaches_kernel_and_inference_leaves_it():
    sn = L.SpectralNormalization(L.Conv2D(3, 2))
    x = torch.randn(2, 5, 5, 2)
    sn(x, training=False)
    before = sn.layer.kernel.numpy()
    sn(x, training=False)
    np.testing.assert_array_equal(sn.layer.kernel.numpy(), before)
    sn(x, training=True).sum().backward()
    assert sn.layer.kernel.grad is not None and sn.vector_u.grad is None
    # training calls renormalize the stored kernel: its largest singular value converges to 1
    for _ in range(20):
        sn(x, training=True)
    w = sn.layer.kernel.numpy().reshape(-1, 3)
    assert abs(np.linalg.svd(w, compute_uv=False)[0] - 1.0) < 1e-3


def test_reversible_embedding_reverse_shapes_and_tied_logits():
    emb = L.ReversibleEmbedding(10, 4, mask_zero=True)
    ids = torch.tensor([[0, 3, 5]])
    h = emb(ids)
    assert h._keras_mask.tolist() == [[False, True, True]]
    logits = emb(h, reverse=True)
    torch.testing.assert_close(logits, h @ emb.embeddings.t())
    assert getattr(logits, "_keras_mask", None) is None
    assert emb.compute_output_shape((None, 3, 4), reverse=True) == (None, 3, 10)
    assert [w.name for w in L.ReversibleEmbedding(10, 4, tie_weights=False).weights] == []  # unbuilt


def test_einsum_dense_weight_shapes_as_keras():
    layer = L.EinsumDense("abc,cd->abd", (5, 4), bias_axes="d")
    layer(torch.ones(2, 5, 6))
    assert tuple(layer.kernel.shape) == (6, 4) and tuple(layer.bias.shape) == (4,)
    layer = L.EinsumDense("ab...,bc->ac...", 3, bias_axes="c")
    assert layer.compute_output_shape((2, 6, 7)) == (2, 3, 7)
    out = layer(torch.ones(2, 6, 7))
    assert tuple(out.shape) == (2, 3, 7) and tuple(layer.bias.shape) == (3, 1)


def test_wrapper_is_the_base_of_spectral_normalization_and_round_trips():
    class Twice(L.Wrapper):
        def call(self, x):
            return 2 * self.layer(x)

    t = Twice(L.Dense(3))
    assert isinstance(L.SpectralNormalization(L.Dense(2)), L.Wrapper)
    out = t(torch.ones(2, 4))
    torch.testing.assert_close(out, 2 * t.layer(torch.ones(2, 4)))
    clone = Twice.from_config(t.get_config())
    assert isinstance(clone.layer, L.Dense) and clone.layer.units == 3


@pytest.mark.parametrize("make, error, match", [
    (lambda: L.AdaptiveAveragePooling2D((2, 3, 4)), TypeError, r"AdaptiveAveragePooling2D.*`output_size` must be"),
    (lambda: L.AdaptiveMaxPooling1D(0), ValueError, r"AdaptiveMaxPooling1D.*positive int.*output_size=0"),
    (lambda: L.AdaptiveMaxPooling3D(2, data_format="nhwc"), ValueError, r"AdaptiveMaxPooling3D.*data_format"),
    (lambda: L.RMSNormalization(axis="last"), ValueError, r"RMSNormalization.*`axis` must be an int"),
    (lambda: L.EinsumDense("ab", 3), ValueError, r"EinsumDense.*`equation` must be a string like"),
    (lambda: L.EinsumDense("ab,bc->ac", 3, dtype="gptq/4/128_from_float32"), NotImplementedError,
     r"EinsumDense.*gptq layers need calibration"),
    (lambda: L.SpectralNormalization(L.Dense(2), power_iterations=0), ValueError,
     r"SpectralNormalization.*`power_iterations`.*power_iterations=0"),
    (lambda: L.SpectralNormalization("dense"), ValueError, r"SpectralNormalization.*keras.layers.Layer"),
    (lambda: L.ReversibleEmbedding(5, 3, reverse_dtype="float17"), (TypeError, ValueError), r"float17"),
    (lambda: L.GroupQueryAttention(4, 3, 2), ValueError, r"GroupQueryAttention.*divisible.*num_query_heads=3"),
    (lambda: L.GroupQueryAttention(4, 2, 2, sliding_window=0), ValueError, r"GroupQueryAttention.*sliding_window=0"),
    (lambda: L.GroupQueryAttention(4, 2, 2, dropout=0.1, flash_attention=True), ValueError,
     r"GroupQueryAttention.*dropout is not supported when flash attention"),
])
def test_bad_arguments_are_refused_clearly(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("call, error, match", [
    (lambda: L.RMSNormalization(axis=3)(torch.ones(2, 3)), ValueError, r"RMSNormalization.*axis=3.*out of range"),
    (lambda: L.EinsumDense("abc,cd->abd", (5, 4))(torch.ones(2, 6)), ValueError, r"EinsumDense.*equation"),
    (lambda: L.EinsumDense("ab->b", 3)(torch.ones(2, 3)), ValueError, r"EinsumDense.*invalid einsum equation 'ab->b'"),
    (lambda: L.EinsumDense("ab,bc->ac", 3, bias_axes="x")(torch.ones(2, 6)), ValueError,
     r"EinsumDense.*bias dimension 'x'"),
    (lambda: L.EinsumDense("abc,cd->abd", (4, 4))(torch.ones(2, 5, 6)), ValueError,
     r"EinsumDense.*shared dimension 'b'.*5.*4"),
    (lambda: L.SpectralNormalization(L.Dropout(0.1))(torch.ones(2, 3)), ValueError,
     r"SpectralNormalization.*no attribute 'kernel' nor 'embeddings'"),
    (lambda: L.GroupQueryAttention(4, 2, 1)(keras.Input((3, 4)), keras.Input((3, 5))), ValueError,
     r"GroupQueryAttention.*last dimension of `query_shape` and `value_shape`"),
    (lambda: L.ReversibleEmbedding(5, 3)(torch.ones(2, 4), reverse=True), ValueError,
     r"ReversibleEmbedding.*output_dim=3.*\(2, 4\)"),
])
def test_bad_inputs_are_refused_clearly(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_group_query_attention_names_and_masks():
    gqa = L.GroupQueryAttention(2, 4, 2)
    assert gqa.name.startswith("grouped_query_attention")  # Keras's automatic name
    q = torch.randn(2, 4, 6)
    mask = torch.tensor([[True, True, False, False], [True, True, True, True]])
    out = gqa(q, q, value_mask=mask)
    # values behind masked keys do not change the output
    v2 = q.clone()
    v2[0, 2:] = 5.0
    torch.testing.assert_close(gqa(q, v2, key=q, value_mask=mask)[0], out[0])
    out2, scores = gqa(q, q, value_mask=mask, return_attention_scores=True)
    torch.testing.assert_close(out, out2, atol=1e-5, rtol=0)
    assert tuple(scores.shape) == (2, 4, 4, 4) and float(scores.detach()[0, :, :, 2:].abs().max()) == 0.0
