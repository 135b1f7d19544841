"""Quantized Dense / Embedding / EinsumDense against Keras 3.15's variables and outputs.

Fixture: tests/quantizers/keras_values/layers.npz (tools/keras_crosscheck/make_lora_quant_values.py).
Quantized variables (int8 / packed int4 values, zero points) must match exactly, scales to 1e-6;
outputs to 1e-5 (int8 with activation quantization: identical integers, float rescaling).
"""

import os

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import quantizers as Q

V = np.load(os.path.join(os.path.dirname(__file__), "keras_values", "layers.npz"))

DENSE_CASES = {"int8": ("int8", None), "int4pc": ("int4", Q.Int4QuantizationConfig(block_size=-1)),
               "int4g": ("int4", Q.Int4QuantizationConfig(block_size=4)), "int4d": ("int4", None),
               "float8": ("float8", None), "int8nq": ("int8", Q.Int8QuantizationConfig(activation_quantizer=None))}


def dense_layer():
    layer = keras.layers.Dense(6)
    layer.build((None, 16))
    layer.set_weights([V["dense_kernel"], V["dense_bias"]])
    return layer


@pytest.mark.parametrize("tag", sorted(DENSE_CASES))
def test_dense_quantize_matches_keras(tag):
    mode, config = DENSE_CASES[tag]
    layer = dense_layer()
    layer.quantize(mode, config=config)
    assert layer.dtype_policy.name == str(V[f"dense_{tag}_policy"])
    names = [str(n) for n in V[f"dense_{tag}_names"]]
    assert [w.name for w in layer.weights] == names
    for w, value in zip(layer.get_weights(), [V[f"dense_{tag}_var_{n}"] for n in names]):
        assert w.shape == value.shape and w.dtype == value.dtype
        if w.dtype.kind in "iu":
            np.testing.assert_array_equal(w, value)
        else:
            np.testing.assert_allclose(w, value, rtol=1e-6, atol=1e-7)
    out = layer(torch.from_numpy(V["dense_x"]))
    np.testing.assert_allclose(out.detach().numpy(), V[f"dense_{tag}_out"], rtol=1e-5, atol=1e-5)


EMB_CASES = {"int8": ("int8", None), "int4d": ("int4", None),
             "int4g": ("int4", Q.Int4QuantizationConfig(block_size=4)),
             "int4pc": ("int4", Q.Int4QuantizationConfig(block_size=-1))}


@pytest.mark.parametrize("tag", sorted(EMB_CASES))
def test_embedding_quantize_matches_keras(tag):
    mode, config = EMB_CASES[tag]
    layer = keras.layers.Embedding(12, 10)
    layer.build()
    layer.set_weights([V["emb_table"]])
    layer.quantize(mode, config=config)
    names = [str(n) for n in V[f"emb_{tag}_names"]]
    assert [w.name for w in layer.weights] == names
    for w, name in zip(layer.get_weights(), names):
        value = V[f"emb_{tag}_var_{name}"]
        assert w.shape == value.shape and w.dtype == value.dtype
        np.testing.assert_allclose(w, value, rtol=1e-6, atol=1e-7)
    out = layer(torch.from_numpy(V["emb_ids"]))
    np.testing.assert_allclose(out.detach().numpy(), V[f"emb_{tag}_out"], rtol=1e-5, atol=1e-6)


def test_einsum_dense_float8_matches_keras():
    layer = keras.layers.EinsumDense("abc,cde->abde", (None, 4, 8), bias_axes="de")
    layer.build((None, 5, 3))
    layer.set_weights([V["ein_kernel"], V["ein_bias"]])
    layer.quantize("float8")
    assert [w.name for w in layer.weights][2:] == ["inputs_scale", "inputs_amax_history", "kernel_scale",
                                                    "kernel_amax_history", "outputs_grad_scale",
                                                    "outputs_grad_amax_history"]
    out = layer(torch.from_numpy(V["ein_x"]))
    np.testing.assert_allclose(out.detach().numpy(), V["ein_float8_out"], rtol=1e-5, atol=1e-5)


EIN_EQUATIONS = {"e3": ("abc,cde->abde", (None, 4, 8), "de"), "e2": ("abc,cd->abd", (None, 6), "d"),
                 "e1": ("ab,bc->ac", 6, "c"), "e4": ("abcd,cde->abe", (None, 5), None)}
EIN_MODES = {"int8": ("int8", None), "int8nq": ("int8", Q.Int8QuantizationConfig(activation_quantizer=None)),
             "int4d": ("int4", None), "int4pc": ("int4", Q.Int4QuantizationConfig(block_size=-1)),
             "int4g": ("int4", Q.Int4QuantizationConfig(block_size=2))}


@pytest.mark.parametrize("eq_tag", sorted(EIN_EQUATIONS))
@pytest.mark.parametrize("tag", sorted(EIN_MODES))
def test_einsum_dense_int_quantize_matches_keras(eq_tag, tag):
    equation, out_shape, bias_axes = EIN_EQUATIONS[eq_tag]
    mode, config = EIN_MODES[tag]
    x = torch.from_numpy(V[f"ein_{eq_tag}_x"])
    layer = keras.layers.EinsumDense(equation, out_shape, bias_axes=bias_axes)
    layer.build((None,) + tuple(x.shape[1:]))
    layer.set_weights([V[f"ein_{eq_tag}_w{i}"] for i in range(len(layer.weights))])
    layer.quantize(mode, config=config)
    names = [str(n) for n in V[f"ein_{eq_tag}_{tag}_names"]]
    assert [w.name for w in layer.weights] == names
    for w, name in zip(layer.get_weights(), names):
        value = V[f"ein_{eq_tag}_{tag}_var_{name}"]
        assert w.shape == value.shape and w.dtype == value.dtype, name
        np.testing.assert_allclose(w, value, rtol=1e-6, atol=1e-7)
    out = layer(x)
    np.testing.assert_allclose(out.detach().numpy(), V[f"ein_{eq_tag}_{tag}_out"], rtol=1e-5, atol=1e-5)
    x = x.clone().requires_grad_(True)
    layer(x).sum().backward()  # Keras's custom gradient: through the dequantized kernel
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_quantize_errors():
    layer = keras.layers.Dense(4)
    with pytest.raises(ValueError, match="Cannot quantize a layer that isn't yet built"):
        layer.quantize("int8")
    layer.build((None, 3))
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        layer.quantize("int3")
    with pytest.raises(ValueError, match="Contradictory arguments: mode='int4' but config.mode='int8'"):
        layer.quantize("int4", config=Q.Int8QuantizationConfig())
    with pytest.raises(ValueError, match="For GPTQ, you must pass a `GPTQConfig`"):
        layer.quantize("gptq")
    with pytest.raises(NotImplementedError, match="GPTQ quantization needs calibration"):
        layer.quantize(config=Q.GPTQConfig(dataset=["text"], tokenizer=str))
    layer.quantize("int8")
    with pytest.raises(ValueError, match="is already quantized with dtype_policy='int8_from_float32'"):
        layer.quantize("int8")
    with pytest.raises(NotImplementedError, match="Expected one of \\('int8', 'int4'\\)"):
        emb = keras.layers.Embedding(3, 2)
        emb.build()
        emb.quantize("float8")
    with pytest.raises(NotImplementedError, match="does not have a `quantize` method"):
        keras.layers.Flatten().quantize("int8")


def test_quantized_dtype_policy_at_construction_and_config_round_trip():
    layer = keras.layers.Dense(5, dtype="int8_from_float32")
    layer.build((None, 8))
    assert layer.quantization_mode == "int8" and layer.compute_dtype == "float32"
    assert [w.dtype for w in layer.weights] == [torch.float32, torch.int8, torch.float32]
    config = layer.get_config()
    assert config["dtype"] == {"module": "keras.dtype_policies", "class_name": "QuantizedDTypePolicy",
                               "config": {"mode": "int8", "source_name": "float32"}, "registered_name": None}
    clone = keras.layers.Dense.from_config(config)
    assert clone.dtype_policy == layer.dtype_policy
    int4 = keras.layers.Dense(5, dtype="int4/4_from_float32")
    int4.build((None, 8))
    assert [tuple(w.shape) for w in int4.weights] == [(5,), (8, 3), (2, 5), (2, 5), (8,)]


def test_int8_gradient_reaches_inputs_not_quantized_kernel():
    layer = dense_layer()
    layer.quantize("int8")
    x = torch.from_numpy(V["dense_x"]).requires_grad_(True)
    layer(x).sum().backward()
    kernel = torch.from_numpy(layer.get_weights()[1]).float() / torch.from_numpy(layer.get_weights()[2])
    np.testing.assert_allclose(x.grad.numpy(), kernel.sum(dim=1).expand(20, 16).numpy(), rtol=1e-5)
    assert layer.bias.grad is not None


def test_float8_training_updates_scaling_state():
    layer = dense_layer()
    layer.quantize("float8")
    x = torch.from_numpy(V["dense_x"])
    layer(x, training=True).sum().backward()
    assert float(layer.inputs_amax_history.detach()[0]) == pytest.approx(float(x.abs().max()))
    assert float(layer.kernel_amax_history.detach()[0]) == pytest.approx(float(np.abs(V["dense_kernel"]).max()))
    assert float(layer.outputs_grad_amax_history.detach()[0]) == 1.0
    assert layer.inputs_scale.grad is None  # never a gradient: optimizers leave it alone


def test_model_quantize_filters_and_summary_counts():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, name="keep"), keras.layers.Dense(4, name="q")])
    model.quantize("int8", filters="^q$")
    assert model.get_layer("keep").quantization_mode is None
    assert model.get_layer("q").quantization_mode == "int8"
    with pytest.raises(ValueError, match="`filters` argument must be"):
        model.quantize("int8", filters=3)
    with pytest.raises(NotImplementedError, match="does not run this calibration"):
        model.quantize(config=Q.AWQConfig(dataset=["x"], tokenizer=str))


def test_int8_dot_is_exact_on_both_paths():
    from lamina.layers.core.quantized_ops import int8_dot

    gen = torch.Generator().manual_seed(0)
    for rows, depth, cols in ((32, 64, 16), (3, 10, 5), (40, 1600, 8)):  # _int_mm path, float path, deep sums
        x = torch.randint(-127, 128, (rows, depth), dtype=torch.int8, generator=gen)
        k = torch.randint(-127, 128, (cols, depth), dtype=torch.int8, generator=gen)
        exact = (x.long() @ k.long().t()).double()
        got = int8_dot(x, k).double()
        assert torch.allclose(got, exact, rtol=1e-6, atol=0)


def test_quantized_dense_in_a_fitted_model_trains_the_bias_only():
    model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    model.quantize("int8")
    before = [w.detach().clone() for w in model.weights]
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.standard_normal((32, 16)).astype("float32"), np.ones((32, 1), "float32"), epochs=1, verbose=0)
    changed = [w.name for w, b in zip(model.weights, before) if not torch.equal(w.detach(), b)]
    assert changed == ["bias", "bias"]


def test_setting_a_quantized_dtype_policy_quantizes_as_keras():
    layer = keras.layers.Dense(3)
    layer.build((None, 4))
    layer.dtype_policy = "int8_from_float32"
    assert layer.quantization_mode == "int8" and layer.dtype_policy.name == "int8_from_float32"
    lazy = keras.layers.Dense(3)
    lazy.dtype_policy = "int4_from_float32"  # not built yet: builds quantized (per channel)
    lazy.build((None, 4))
    assert [tuple(w.shape) for w in lazy.weights] == [(3,), (4, 2), (3,)]
    with pytest.raises(ValueError, match="only a quantized dtype policy can be set after construction"):
        lazy.dtype_policy = "float16"


@pytest.mark.parametrize("tied", ["tied", "untied"])
@pytest.mark.parametrize("tag", sorted(EMB_CASES))
def test_reversible_embedding_quantize_matches_keras(tied, tag):
    mode, config = EMB_CASES[tag]
    key = f"rev_{tied}_{tag}"
    layer = keras.layers.ReversibleEmbedding(12, 10, tie_weights=tied == "tied")
    layer.build()
    layer.set_weights([V["emb_table"]] if tied == "tied" else [V["emb_table"], V["rev_reverse_table"]])
    layer.quantize(mode, config=config)
    names = [str(n) for n in V[f"{key}_names"]]
    assert [w.name for w in layer.weights] == names
    for w, name in zip(layer.get_weights(), names):
        value = V[f"{key}_var_{name}"]
        assert w.shape == value.shape and w.dtype == value.dtype, name
        np.testing.assert_allclose(w, value, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(layer(torch.from_numpy(V["emb_ids"])).detach().numpy(), V[f"{key}_out"],
                               rtol=1e-5, atol=1e-6)
    logits = layer(torch.from_numpy(V["rev_hidden"]), reverse=True)
    np.testing.assert_allclose(logits.detach().numpy(), V[f"{key}_logits"], rtol=1e-5, atol=1e-5)
