"""HashedCrossing against bins computed by real Keras 3.15 with TensorFlow
(tools/keras_crosscheck/hashed_crossing.py)."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import lamina as keras

REFERENCE = json.loads((Path(__file__).parent / "keras_values" / "hashed_crossing.json").read_text("utf-8"))


def _array(values, kind):
    return np.array(values, dtype=object if kind == "str" else kind)


@pytest.mark.parametrize("index", range(len(REFERENCE["cases"])))
def test_bins_match_keras(index):
    case = REFERENCE["cases"][index]
    layer = keras.layers.HashedCrossing(num_bins=case["num_bins"])
    got = layer([_array(v, k) for v, k in zip(case["inputs"], case["kinds"])])
    assert got.dtype == torch.int64
    assert got.tolist() == case["bins"]


def test_integer_tensors_cross_like_arrays():
    case = REFERENCE["cases"][-1]
    a, b = (torch.tensor(v, dtype=torch.int32) for v in case["inputs"])
    assert keras.layers.HashedCrossing(num_bins=case["num_bins"])((a, b)).tolist() == case["bins"]


@pytest.mark.parametrize("name", sorted(REFERENCE["shapes"]))
def test_shapes_and_one_hot_match_keras(name):
    want = REFERENCE["shapes"][name]
    rank, mode = name.split("_", 1)
    reshape = {"scalar": (), "vector": (3,), "column": (3, 1)}[rank]
    n = int(np.prod(reshape)) if reshape else 1
    a = np.array(["A", "B", "C"][:n], dtype=object).reshape(reshape)
    b = np.array([1, 2, 3][:n]).reshape(reshape)
    layer = keras.layers.HashedCrossing(num_bins=4, output_mode=mode)
    got = layer((a, b))
    assert list(got.shape) == want["shape"]
    assert got.tolist() == want["values"]
    assert str(got.dtype).replace("torch.", "") == want["dtype"]
    assert layer.compute_output_shape((a.shape, b.shape)) == tuple(want["shape"][len(reshape) == 0:]) or rank == "scalar"


def test_config_matches_keras():
    layer = keras.layers.HashedCrossing(num_bins=7, output_mode="one_hot", name="cross")
    assert layer.get_config() == REFERENCE["config"]
    assert keras.layers.HashedCrossing(num_bins=3, name=REFERENCE["int_config"]["name"]).get_config() == \
        REFERENCE["int_config"]
    again = keras.layers.HashedCrossing.from_config(REFERENCE["int_config"])
    assert again((np.array(["A"]), np.array([101]))).dtype == torch.int64


def test_inside_a_functional_model_fed_a_dict_and_saved(tmp_path):
    country = keras.Input(shape=(1,), dtype="string", name="country")
    code = keras.Input(shape=(1,), dtype="int64", name="code")
    crossed = keras.layers.HashedCrossing(num_bins=11, output_mode="one_hot", name="cross")((country, code))
    model = keras.Model({"country": country, "code": code}, keras.layers.Dense(1, name="out")(crossed))
    data = {"country": np.array([["FR"], ["US"], ["FR"]]), "code": np.array([[1], [2], [1]])}
    first = model.predict(data, verbose=0)
    assert first.shape == (3, 1) and np.allclose(first[0], first[2])
    model.save(tmp_path / "cross.keras")
    reloaded = keras.saving.load_model(tmp_path / "cross.keras")
    np.testing.assert_allclose(reloaded.predict(data, verbose=0), first, atol=1e-6)


@pytest.mark.parametrize("inputs, match", [
    (np.array(["A"]), "list or tuple"),
    ((np.array(["A"]),), "at least two inputs"),
    ((np.array(["A", "B"]), np.array([1])), "equal shape"),
    ((np.array([["A", "B"]]), np.array([[1, 2]])), r"shape `\(\)`"),
    ((np.array([1.5]), np.array([1])), "integer or string dtype.*float"),
])
def test_bad_inputs_are_named(inputs, match):
    with pytest.raises(ValueError, match=match):
        keras.layers.HashedCrossing(num_bins=3, name="cross")(inputs)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="output_mode='multi_hot'"):
        keras.layers.HashedCrossing(num_bins=3, output_mode="multi_hot")
    with pytest.raises(ValueError, match="num_bins=0"):
        keras.layers.HashedCrossing(num_bins=0)
    with pytest.raises(ValueError, match="sparse=True"):
        keras.layers.HashedCrossing(num_bins=3, sparse=True)
