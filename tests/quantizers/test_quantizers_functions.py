"""`lamina.quantizers` functions and classes against values computed by Keras 3.15 (JAX backend).

Fixture: tests/quantizers/keras_values/quantizers.npz, written by
tools/keras_crosscheck/make_lora_quant_values.py. Integer results must match exactly; float results
to 1e-6 relative (float8 helpers to 1e-6 as well: same IEEE operations).
"""

import inspect
import os

import numpy as np
import pytest
import torch

import lamina
from lamina import quantizers as Q

V = np.load(os.path.join(os.path.dirname(__file__), "keras_values", "quantizers.npz"))


def t(name):
    return torch.from_numpy(V[name])


def close(actual, name, rtol=1e-6, atol=1e-7):
    np.testing.assert_allclose(np.asarray(actual.detach() if isinstance(actual, torch.Tensor) else actual),
                               V[name], rtol=rtol, atol=atol)


def test_public_names_match_keras():
    expected = ['AWQConfig', 'AbsMaxQuantizer', 'Float8QuantizationConfig', 'GPTQConfig', 'Int4QuantizationConfig',
                'Int8QuantizationConfig', 'QuantizationConfig', 'Quantizer', 'abs_max_quantize',
                'abs_max_quantize_grouped_with_zero_point', 'compute_float8_amax_history', 'compute_float8_scale',
                'deserialize', 'fake_quant_with_min_max_vars', 'get', 'pack_int4', 'quantize_and_dequantize',
                'serialize', 'unpack_int4']
    assert sorted(Q.__all__) == sorted(expected)
    assert lamina.Quantizer is Q.Quantizer


SIGNATURES = {
    "abs_max_quantize": "(inputs, axis, value_range=(-127, 127), dtype='int8', epsilon=1e-07, to_numpy=False)",
    "abs_max_quantize_grouped_with_zero_point":
        "(inputs, block_size, value_range=(-8, 7), dtype='int8', epsilon=1e-07, to_numpy=False)",
    "compute_float8_amax_history": "(x, amax_history)",
    "compute_float8_scale": "(amax, scale, dtype_max, margin=0)",
    "fake_quant_with_min_max_vars": "(inputs, min_vals, max_vals, num_bits=8, narrow_range=False, axis=None)",
    "pack_int4": "(arr, axis=0, dtype='int8')",
    "unpack_int4": "(packed, orig_len, axis=0, dtype='int8')",
    "quantize_and_dequantize": "(inputs, scale, quantized_dtype, compute_dtype)",
    "get": "(identifier, **kwargs)",
    "serialize": "(initializer)",
    "deserialize": "(config, custom_objects=None)",
    "AbsMaxQuantizer": "(axis=None, value_range=(-127, 127), epsilon=1e-07, output_dtype='int8')",
    "Quantizer": "(output_dtype='int8')",
    "QuantizationConfig": "(weight_quantizer=None, activation_quantizer=None)",
    "Int8QuantizationConfig": "(weight_quantizer=None, activation_quantizer='default')",
    "Int4QuantizationConfig": "(weight_quantizer=None, activation_quantizer='default', block_size=128)",
    "Float8QuantizationConfig": "()",
    "GPTQConfig": "(dataset, tokenizer, *, weight_bits: int = 4, num_samples: int = 128, per_channel: bool = True, "
                  "sequence_length: int = 512, hessian_damping: float = 0.01, group_size: int = 128, "
                  "symmetric: bool = False, activation_order: bool = False, quantization_layer_structure: dict = None)",
    "AWQConfig": "(dataset, tokenizer, *, weight_bits: int = 4, num_samples: int = 128, sequence_length: int = 512, "
                 "group_size: int = 128, num_grid_points: int = 20, quantization_layer_structure: dict = None)",
}


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signatures_match_keras(name):
    assert str(inspect.signature(getattr(Q, name))) == SIGNATURES[name]


def test_abs_max_quantize():
    x = t("amq_x")
    for tag, axis in (("a0", 0), ("a1", -1)):
        q, s = Q.abs_max_quantize(x, axis=axis)
        assert q.dtype == torch.int8
        np.testing.assert_array_equal(q.numpy(), V[f"amq_{tag}_q"])
        close(s, f"amq_{tag}_s")
    q, s = Q.abs_max_quantize(V["amq_x"], axis=0, value_range=(-8, 7), to_numpy=True)  # NumPy input
    np.testing.assert_array_equal(q.numpy(), V["amq_int4_q"])
    close(s, "amq_int4_s")
    q, s = Q.AbsMaxQuantizer()(x)
    np.testing.assert_array_equal(q.numpy(), V["amq_obj_q"])
    close(s, "amq_obj_s")


def test_grouped_with_zero_point():
    q, s, z = Q.abs_max_quantize_grouped_with_zero_point(t("grp_x"), block_size=4, to_numpy=True)
    np.testing.assert_array_equal(q.numpy(), V["grp_q"])
    np.testing.assert_array_equal(z.numpy(), V["grp_z"])
    close(s, "grp_s")
    with pytest.raises(ValueError, match="expects a 2D"):
        Q.abs_max_quantize_grouped_with_zero_point(torch.ones(2, 2, 2), block_size=2)


def test_pack_unpack_int4():
    ints = t("pack_x")
    for axis in (0, 1):
        packed, shape, n = Q.pack_int4(ints, axis=axis)
        np.testing.assert_array_equal(packed.numpy(), V[f"pack_a{axis}"])
        assert shape == tuple(packed.shape) and n == ints.shape[axis]
        np.testing.assert_array_equal(Q.unpack_int4(packed, n, axis=axis).numpy(), V[f"unpack_a{axis}"])
        np.testing.assert_array_equal(Q.unpack_int4(packed, n, axis=axis, dtype="uint8").numpy(),
                                      V[f"unpack_u_a{axis}"])
    with pytest.raises(TypeError, match="Expected int8 tensor for packing, got float32"):
        Q.pack_int4(torch.ones(2))
    with pytest.raises(ValueError, match="Expected dtype to be 'int8' or 'uint8'"):
        Q.unpack_int4(ints, 5, dtype="int4")


def test_float8_helpers():
    scales = torch.stack([Q.compute_float8_scale(a, torch.tensor(0.5), 448.0) for a in t("f8_amax")])
    close(scales, "f8_scale_e4m3")
    close(Q.compute_float8_scale(torch.tensor(3.0), torch.tensor(1.0), 57344.0, margin=2), "f8_scale_margin")
    close(Q.compute_float8_amax_history(t("amq_x"), t("f8_hist")), "f8_hist_new")
    close(Q.quantize_and_dequantize(t("qdq_x"), torch.tensor(0.5), "float8_e4m3fn", "float32"), "qdq_e4m3")
    close(Q.quantize_and_dequantize(t("qdq_x"), torch.tensor(2.0), "float8_e5m2", "float32"), "qdq_e5m2")


@pytest.mark.parametrize("tag,kwargs", [("t", {}), ("n4", {"num_bits": 4, "narrow_range": True}),
                                        ("c", {"axis": -1})])
def test_fake_quant_values_and_straight_through_gradient(tag, kwargs):
    x = t("fq_x").requires_grad_(True)
    lo = t(f"fq_{tag}_min").requires_grad_(True)
    hi = t(f"fq_{tag}_max").requires_grad_(True)
    out = Q.fake_quant_with_min_max_vars(x, lo, hi, **kwargs)
    close(out, f"fq_{tag}_out", rtol=1e-5, atol=1e-6)
    out.backward(t(f"fq_{tag}_up"))
    close(x.grad, f"fq_{tag}_dx")
    close(lo.grad, f"fq_{tag}_dmin", rtol=1e-5)
    close(hi.grad, f"fq_{tag}_dmax", rtol=1e-5)


def test_serialize_get_deserialize():
    config = Q.Int8QuantizationConfig()
    data = Q.serialize(config)
    assert data == {"module": "keras.quantizers", "class_name": "Int8QuantizationConfig", "registered_name": None,
                    "config": {"weight_quantizer": None, "activation_quantizer": {
                        "module": "keras.quantizers", "class_name": "AbsMaxQuantizer", "registered_name": None,
                        "config": {"value_range": [-127, 127], "epsilon": 1e-07, "output_dtype": "int8"}}}}
    restored = Q.deserialize(data)
    assert isinstance(restored, Q.Int8QuantizationConfig)
    assert restored.activation_quantizer.value_range == (-127, 127)
    assert Q.deserialize(Q.serialize(Q.Int4QuantizationConfig(block_size=32))).block_size == 32
    assert isinstance(Q.get("AbsMaxQuantizer"), Q.AbsMaxQuantizer)
    assert isinstance(Q.get("abs_max_quantizer"), Q.AbsMaxQuantizer)
    assert Q.get(None) is None
    gptq = Q.GPTQConfig(dataset=["a"], tokenizer=str, weight_bits=8)
    assert Q.deserialize(Q.serialize(gptq)).weight_bits == 8 and gptq.dtype_policy_string() == "gptq/8/128"
    assert Q.AWQConfig(None, None).dtype_policy_string() == "awq/4/128"
    with pytest.raises(ValueError, match="Could not interpret quantizer identifier"):
        Q.get("nope")
    with pytest.raises(ValueError, match="Unknown quantizer class 'Nope'"):
        Q.deserialize({"class_name": "Nope", "config": {}})


def test_config_validation_messages():
    with pytest.raises(ValueError, match=r"requires value_range to be within the interval \[-128, 127\]"):
        Q.AbsMaxQuantizer(value_range=(-300, 300))
    with pytest.raises(ValueError, match="block_size must be None, -1, or a positive integer"):
        Q.Int4QuantizationConfig(block_size=0)
    with pytest.raises(ValueError, match="does not support custom quantizers"):
        Q.Int4QuantizationConfig(weight_quantizer=Q.AbsMaxQuantizer(value_range=(-8, 7)))
    with pytest.raises(ValueError, match=r"requires a weight_quantizer with value_range=\(-8, 7\)"):
        Q.Int4QuantizationConfig(weight_quantizer=Q.AbsMaxQuantizer(), block_size=None)
    with pytest.raises(ValueError, match="Unsupported weight_bits 5"):
        Q.GPTQConfig(None, None, weight_bits=5)
    with pytest.raises(ValueError, match="AWQ only supports 4-bit"):
        Q.AWQConfig(None, None, weight_bits=8)
    with pytest.raises(NotImplementedError, match="Do not instantiate QuantizationConfig directly"):
        Q.QuantizationConfig().mode


def test_quantizer_base_is_identity_like_keras():
    x = torch.tensor([1.5])
    assert Q.Quantizer()(x) is x
    with pytest.raises(NotImplementedError, match="does not implement get_config"):
        Q.Quantizer().get_config()
