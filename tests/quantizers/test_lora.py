"""LoRA on Dense / EinsumDense / Embedding: Keras's variables, scaling, merged kernels, configs,
fine-tuning (only LoRA weights change in `fit`) and Keras's save layout (the delta merged into the
base weight, LoRA weights not saved)."""

import os

import numpy as np
import pytest
import torch

import lamina as keras

V = np.load(os.path.join(os.path.dirname(__file__), "keras_values", "layers.npz"))


def test_dense_lora_matches_keras():
    layer = keras.layers.Dense(6, lora_rank=3, lora_alpha=6)
    layer.build((None, 16))
    assert [w.name for w in layer.weights] == ["kernel", "bias", "lora_kernel_a", "lora_kernel_b"]
    assert [w.name for w in layer.trainable_weights] == ["bias", "lora_kernel_a", "lora_kernel_b"]
    layer.set_weights([V["dense_kernel"], V["dense_bias"], V["lora_dense_a"], V["lora_dense_b"]])
    out = layer(torch.from_numpy(V["dense_x"]))
    np.testing.assert_allclose(out.detach().numpy(), V["lora_dense_out"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.kernel.detach().numpy(), V["lora_dense_merged"], rtol=1e-6, atol=1e-6)
    config = layer.get_config()
    # Keras's Dense.build enables LoRA without passing lora_alpha: alpha falls back to the rank (the
    # fixture's output was computed that way too)
    assert (config["lora_rank"], config["lora_alpha"]) == (3, 3)
    assert keras.layers.Dense.from_config(config).lora_rank == 3


def test_embedding_lora_matches_keras():
    layer = keras.layers.Embedding(12, 10, lora_rank=2)
    layer.build()
    layer.set_weights([V["emb_table"], V["lora_emb_a"], V["lora_emb_b"]])
    out = layer(torch.from_numpy(V["emb_ids"]))
    np.testing.assert_allclose(out.detach().numpy(), V["lora_emb_out"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.embeddings.detach().numpy(), V["lora_emb_merged"], rtol=1e-6, atol=1e-6)
    assert layer.get_config()["lora_alpha"] == 2


def test_einsum_dense_lora_matches_keras():
    layer = keras.layers.EinsumDense("abc,cde->abde", (None, 4, 8), bias_axes="de", lora_rank=2)
    layer.build((None, 5, 3))
    assert [tuple(w.shape) for w in layer.weights] == [(3, 4, 8), (4, 8), (3, 4, 2), (2, 8)]
    layer.set_weights([V["ein_kernel"], V["ein_bias"], V["lora_ein_a"], V["lora_ein_b"]])
    out = layer(torch.from_numpy(V["ein_x"]))
    np.testing.assert_allclose(out.detach().numpy(), V["lora_ein_out"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.kernel.detach().numpy(), V["lora_ein_merged"], rtol=1e-6, atol=1e-6)


def test_enable_lora_rules():
    layer = keras.layers.Dense(4)
    with pytest.raises(ValueError, match="Cannot enable lora on a layer that isn't yet built"):
        layer.enable_lora(2)
    layer.build((None, 3))
    y0 = layer(torch.ones(2, 3))
    layer.enable_lora(2, lora_alpha=8)
    assert layer.lora_alpha == 8 and layer.kernel.shape == (3, 4)
    torch.testing.assert_close(layer(torch.ones(2, 3)), y0)  # B starts at zero
    with pytest.raises(ValueError, match="lora is already enabled"):
        layer.enable_lora(2)
    constrained = keras.layers.Dense(4, kernel_constraint="non_neg")
    constrained.build((None, 3))
    with pytest.raises(ValueError, match="Lora is incompatible with kernel constraints"):
        constrained.enable_lora(2)
    # the frozen kernel stays frozen when the layer is unfrozen again
    layer.trainable = False
    layer.trainable = True
    assert [w.name for w in layer.trainable_weights] == ["bias", "lora_kernel_a", "lora_kernel_b"]


def test_lora_on_quantized_int8_saves_keras_merged_requantized_kernel():
    layer = keras.layers.Dense(6)
    layer.build((None, 16))
    layer.set_weights([V["dense_kernel"], V["dense_bias"]])
    layer.quantize("int8")
    layer.enable_lora(3)
    with torch.no_grad():
        layer.lora_kernel_a.copy_(torch.from_numpy(V["lora_dense_a"]))
        layer.lora_kernel_b.copy_(torch.from_numpy(V["lora_dense_b"]))
    out = layer(torch.from_numpy(V["dense_x"]))
    np.testing.assert_allclose(out.detach().numpy(), V["lora_int8_out"], rtol=1e-5, atol=1e-5)
    store = {}
    layer.save_own_variables(store)
    assert sorted(store) == ["0", "1", "2"]
    np.testing.assert_array_equal(store["0"], V["lora_int8_saved_0"])
    np.testing.assert_allclose(store["1"], V["lora_int8_saved_1"], rtol=1e-6)
    np.testing.assert_allclose(store["2"], V["lora_int8_saved_2"], rtol=1e-6)


def test_fit_changes_only_lora_weights_and_summary_counts():
    torch.manual_seed(0)
    inputs = keras.Input((8,))
    hidden = keras.layers.Dense(16, activation="relu", name="base")(inputs)
    outputs = keras.layers.Dense(1, name="head")(hidden)
    model = keras.Model(inputs, outputs)
    model.get_layer("base").enable_lora(2)
    model.get_layer("head").trainable = False
    before = {w.path: w.detach().clone() for w in model.weights}
    model.compile(optimizer="adam", loss="mse")
    x, y = np.random.default_rng(0).standard_normal((64, 8)).astype("float32"), np.ones((64, 1), "float32")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    changed = sorted(p for p, w in before.items() if not torch.equal(w, dict((v.path, v) for v in model.weights)[p]))
    assert changed == ["base/bias", "base/lora_kernel_a", "base/lora_kernel_b"]
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    # trainable: bias 16 + A 8*2 + B 2*16 = 64; frozen: kernel 128 + head 17
    assert "Trainable params: 64" in text and "Non-trainable params: 145" in text


def test_lora_saved_as_keras_merges_and_reloads(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, lora_rank=2, name="d")])
    layer = model.get_layer("d")
    with torch.no_grad():
        layer.lora_kernel_b.copy_(torch.randn(2, 3))
    x = torch.randn(5, 4)
    y = model(x)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    torch.testing.assert_close(loaded(x), y, rtol=1e-5, atol=1e-5)
    lora = loaded.get_layer("d")
    assert lora.lora_enabled and float(lora.lora_kernel_b.detach().abs().sum()) == 0.0  # merged into the kernel


@pytest.mark.parametrize("mode", ["int8", "int4"])
def test_lora_on_quantized_einsum_dense_and_save(mode, tmp_path):
    model = keras.Sequential([keras.Input((5, 3)),
                              keras.layers.EinsumDense("abc,cde->abde", (None, 4, 8), bias_axes="de", name="ein")])
    layer = model.get_layer("ein")
    layer.quantize(mode)
    layer.enable_lora(2)
    assert [tuple(w.shape) for w in (layer.lora_kernel_a, layer.lora_kernel_b)] == [(3, 4, 2), (2, 8)]
    with torch.no_grad():
        layer.lora_kernel_b.normal_(0, 0.1)
    x = torch.randn(2, 5, 3)
    y = model(x)
    path = str(tmp_path / "m.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)  # merged and re-quantized: within a few quantization steps
    np.testing.assert_allclose(reloaded(x).detach().numpy(), y.detach().numpy(), atol=0.05 if mode == "int8" else 0.3)
    assert float(reloaded.get_layer("ein").lora_kernel_b.detach().abs().sum()) == 0.0
