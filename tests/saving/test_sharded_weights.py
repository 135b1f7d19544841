"""Keras 3's sharded weights (`save_weights(..., max_shard_size=)`), both ways.

Files in keras_sharded/ were written by Keras 3.15.1 (tools/keras_crosscheck/sharded_weights.py);
the other direction was checked with the same script's `check` mode (see the report in the
commit message / CHANGELOG)."""

import json
import os
import shutil

import numpy as np
import pytest

import lamina as keras
from lamina.saving.errors import CorruptFileError, SavingError

HERE = os.path.join(os.path.dirname(__file__), "keras_sharded")
MAX_SHARD_GB = 2e-5  # as in the generator: dense's kernel fills shard 0, its bias starts shard 1


def _build():
    inputs = keras.Input((33,))
    x = keras.layers.Dense(160, activation="relu")(inputs)
    x = keras.layers.Dense(16, activation="tanh")(x)
    return keras.Model(inputs, keras.layers.Dense(3)(x))


def test_loads_keras_written_shards():
    model = _build()
    model.load_weights(os.path.join(HERE, "keras_written.weights.json"))
    data = np.load(os.path.join(HERE, "expected.npz"))
    np.testing.assert_allclose(model.predict(data["x"], verbose=0), data["y"], atol=1e-5)


def test_writes_keras_index_and_file_names(tmp_path):
    model = _build()
    model.load_weights(os.path.join(HERE, "keras_written.weights.json"))
    model.save_weights(tmp_path / "keras_written.weights.json", max_shard_size=MAX_SHARD_GB)
    assert sorted(os.listdir(tmp_path)) == ["keras_written.weights.json", "keras_written_00000.weights.h5",
                                            "keras_written_00001.weights.h5"]
    ours = json.loads((tmp_path / "keras_written.weights.json").read_text())
    theirs = json.load(open(os.path.join(HERE, "keras_written.weights.json")))
    assert ours == theirs
    # Same arrays as Keras's shards, dataset by dataset.
    import h5py

    for name in ("keras_written_00000.weights.h5", "keras_written_00001.weights.h5"):
        with h5py.File(tmp_path / name, "r") as a, h5py.File(os.path.join(HERE, name), "r") as b:
            found_a, found_b = {}, {}
            a.visititems(lambda k, v: found_a.__setitem__(k, v[()]) if isinstance(v, h5py.Dataset) else None)
            b.visititems(lambda k, v: found_b.__setitem__(k, v[()]) if isinstance(v, h5py.Dataset) else None)
            assert sorted(found_a) == sorted(found_b)
            for key in found_a:
                np.testing.assert_array_equal(found_a[key], found_b[key])


def test_round_trip_and_model_method(tmp_path):
    model = _build()
    x = np.random.default_rng(0).normal(size=(3, 33)).astype("float32")
    keras.saving.save_weights(model, tmp_path / "m.weights.json", max_shard_size=MAX_SHARD_GB)
    other = _build()
    keras.saving.load_weights(other, tmp_path / "m.weights.json")
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0), atol=0)
    # One shard when the limit is large; Model.save_weights takes max_shard_size too.
    model.save_weights(str(tmp_path / "one.weights.json"), max_shard_size=1)
    assert sorted(p for p in os.listdir(tmp_path) if p.startswith("one")) == [
        "one.weights.json", "one_00000.weights.h5"]


def test_h5_path_with_max_shard_size_is_renamed(tmp_path):
    with pytest.warns(UserWarning, match="requires `\\*.json`"):
        _build().save_weights(str(tmp_path / "r.weights.h5"), max_shard_size=1)
    assert os.path.exists(tmp_path / "r.weights.json")


def test_bad_arguments(tmp_path):
    model = _build()
    with pytest.raises(SavingError, match="size of weight '0'.*exceeds max_shard_size"):
        model.save_weights(str(tmp_path / "s.weights.json"), max_shard_size=1e-6)
    with pytest.raises(SavingError, match="max_shard_size.*positive"):
        model.save_weights(str(tmp_path / "s.weights.json"), max_shard_size=0)
    with pytest.raises(SavingError, match="needs a path ending in '.weights.json'"):
        model.save_weights(str(tmp_path / "s.bin"), max_shard_size=1)
    with pytest.raises(SavingError, match="ending in '.weights.h5'"):
        model.save_weights(str(tmp_path / "s.weights.json"))
    with pytest.raises(TypeError, match="unexpected keyword arguments \\['foo'\\]"):
        keras.saving.save_weights(model, str(tmp_path / "s.weights.h5"), foo=1)
    with pytest.raises(TypeError, match="unexpected keyword arguments \\['foo'\\]"):
        model.load_weights(str(tmp_path / "s.weights.h5"), foo=1)
    with pytest.raises(ValueError, match="by_name=True is only supported for Keras 2-format"):
        model.load_weights(str(tmp_path / "s.weights.h5"), by_name=True)


def test_index_cannot_reach_outside_its_folder(tmp_path):
    for name in os.listdir(HERE):
        shutil.copy(os.path.join(HERE, name), tmp_path / name)
    index = json.loads((tmp_path / "keras_written.weights.json").read_text())
    index["weight_map"]["/layers/dense_2/vars"] = ["../../etc/passwd.weights.h5"]
    (tmp_path / "bad.weights.json").write_text(json.dumps(index))
    with pytest.raises(CorruptFileError, match="plain file name"):
        _build().load_weights(str(tmp_path / "bad.weights.json"))
    (tmp_path / "bad.weights.json").write_text(json.dumps({"metadata": {}}))
    with pytest.raises(CorruptFileError, match="no 'weight_map'"):
        _build().load_weights(str(tmp_path / "bad.weights.json"))
    os.remove(tmp_path / "keras_written_00001.weights.h5")
    with pytest.raises(CorruptFileError, match="keras_written_00001.weights.h5.*missing"):
        _build().load_weights(str(tmp_path / "keras_written.weights.json"))


def test_mismatched_architecture_is_refused(tmp_path):
    inputs = keras.Input((33,))
    model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Dense(16)(keras.layers.Dense(161)(inputs))))
    with pytest.raises(keras.saving.WeightMismatchError, match="shape"):
        model.load_weights(os.path.join(HERE, "keras_written.weights.json"))


def test_keras2_h5_through_load_weights(tmp_path):
    """A Keras 2-format `.h5` goes to the legacy reader (by order, or by_name as Keras's)."""
    import h5py

    from lamina.saving import legacy_h5

    def build():
        inputs = keras.Input((33,), name="x")
        hidden = keras.layers.Dense(8, name="hidden")(inputs)
        return keras.Model(inputs, keras.layers.Dense(3, name="out")(hidden))

    source = build()
    with h5py.File(tmp_path / "k2.h5", "w") as handle:
        legacy_h5.save_weights_to_hdf5_group(handle, source)
    x = np.random.default_rng(2).normal(size=(2, 33)).astype("float32")
    by_order = build()
    keras.saving.load_weights(by_order, str(tmp_path / "k2.h5"))
    np.testing.assert_allclose(by_order.predict(x, verbose=0), source.predict(x, verbose=0), atol=0)
    by_name = build()
    by_name.load_weights(str(tmp_path / "k2.h5"), by_name=True)
    np.testing.assert_allclose(by_name.predict(x, verbose=0), source.predict(x, verbose=0), atol=0)
