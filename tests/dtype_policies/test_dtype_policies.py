"""lamina.dtype_policies (keras.dtype_policies' 11 names)."""

import pytest

import lamina
from lamina import dtype_policies as dp


def test_same_object_as_mixed_precision():
    assert dp.DTypePolicy is lamina.mixed_precision.DTypePolicy is lamina.DTypePolicy
    assert issubclass(dp.FloatDTypePolicy, dp.DTypePolicy)
    assert dp.DTypePolicy().name == "float32"


def test_get_serialize_deserialize_round_trip():
    for name in ["float32", "mixed_float16", "bfloat16"]:
        policy = dp.get(name)
        config = dp.serialize(policy)
        assert config == {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name},
                          "registered_name": None}
        assert dp.deserialize(config) == policy
    assert dp.get(None).name == "float32"
    assert dp.get({"class_name": "DTypePolicy", "config": {"name": "float16"}}).name == "float16"
    policy = dp.get("float64")
    assert dp.get(policy) is policy


QUANTIZED = [
    ("int8_from_float32", dp.QuantizedDTypePolicy, {"mode": "int8", "source_name": "float32"}),
    ("float8_from_mixed_bfloat16", dp.QuantizedFloat8DTypePolicy,
     {"mode": "float8", "source_name": "mixed_bfloat16", "amax_history_length": 1024}),
    # as Keras: a bare "int4" is a per-channel QuantizedDTypePolicy, "int4/<block_size>" an Int4DTypePolicy
    ("int4_from_float32", dp.QuantizedDTypePolicy, {"mode": "int4", "source_name": "float32"}),
    ("int4/128_from_float32", dp.Int4DTypePolicy, {"mode": "int4/128", "source_name": "float32"}),
    ("gptq/4/128_from_float32", dp.GPTQDTypePolicy, {"mode": "gptq/4/128", "source_name": "float32"}),
    ("awq/4/128_from_float32", dp.AWQDTypePolicy, {"mode": "awq/4/128", "source_name": "float32"}),
]


@pytest.mark.parametrize("name,cls,config", QUANTIZED)
def test_quantized_policies(name, cls, config):
    policy = dp.get(name)
    assert type(policy) is cls and policy.name == name and policy.get_config() == config
    assert dp.serialize(policy)["module"] == "keras.dtype_policies"
    assert dp.deserialize(dp.serialize(policy)) == policy
    assert policy.quantization_mode == config["mode"].split("/")[0]


def test_quantized_policy_details_and_errors():
    policy = dp.QuantizedDTypePolicy("int8", "mixed_bfloat16")
    assert (policy.compute_dtype, policy.variable_dtype) == ("bfloat16", "float32")
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        dp.QuantizedDTypePolicy("int3")
    with pytest.raises(ValueError, match="doesn't work well with compute_dtype='float16'"):
        dp.QuantizedDTypePolicy("int8", "float16")
    with pytest.raises(TypeError, match="`amax_history_length` must be an integer"):
        dp.QuantizedFloat8DTypePolicy("float8", amax_history_length=2.5)
    with pytest.raises(ValueError, match="cannot be the global policy"):
        lamina.mixed_precision.set_dtype_policy("int8_from_float32")
    assert dp.Int4DTypePolicy("int4/64", "float32").block_size == 64
    with pytest.raises(ValueError, match="Expected format 'int4/<block_size>'"):
        dp.Int4DTypePolicy("int4", "float32")
    with pytest.raises(ValueError, match="Invalid weight_bits in mode"):
        dp.GPTQDTypePolicy("gptq/5/128", "float32")


def test_policy_map():
    m = dp.DTypePolicyMap(default_policy="bfloat16")
    m["encoder/dense"] = "float32"
    m["decoder/.*"] = dp.get("int8_from_float32")
    assert m["encoder/dense"].name == "float32"
    assert m["decoder/dense_1"].name == "int8_from_float32"
    assert m["other"].name == "bfloat16" and m.name == "map_bfloat16"
    assert len(m) == 2 and "encoder/dense" in m
    restored = dp.deserialize(dp.serialize(m))
    assert restored["decoder/x"].name == "int8_from_float32" and restored.default_policy.name == "bfloat16"
    with pytest.raises(ValueError, match="already maps to"):
        m["encoder/dense"] = "float16"
    m["dec.*"] = "float16"
    with pytest.raises(ValueError, match="matches several patterns"):
        m["decoder/y"]
    with pytest.raises(ValueError, match="cannot be a `DTypePolicyMap`"):
        dp.DTypePolicyMap(default_policy=m)


def test_bad_identifiers():
    with pytest.raises(ValueError, match="Unknown dtype policy class"):
        dp.deserialize({"class_name": "Nope", "config": {}})
    with pytest.raises(TypeError, match="expects a DTypePolicy"):
        dp.serialize("float32")
    with pytest.raises(ValueError, match="Cannot interpret `dtype` argument"):
        dp.get(3.5)
