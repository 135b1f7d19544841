"""Hostile, damaged and interrupted files: clean errors, never a crash, hang or half-loaded model."""

import io
import json
import os
import random
import sys
import zipfile

import h5py
import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers
from lamina.saving import CorruptFileError, LoadError, WeightMismatchError, load_model, save_model

sys.path.insert(0, os.path.dirname(__file__))
import seed_models  # noqa: E402


@pytest.fixture
def saved(tmp_path):
    model = seed_models.residual()
    path = tmp_path / "m.keras"
    model.save(path)
    return model, path


def _members(path):
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def _write(path, members, extra=()):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in list(members.items()) + list(extra):
            archive.writestr(name, data)
    return path


# ------------------------------------------------------------------ Lambda bytecode

def test_lambda_bytecode_refused_in_safe_mode(tmp_path):
    x = keras.Input(shape=(3,))
    model = keras.Model(x, layers.Lambda(lambda t: t * 3.0)(x))
    model.save(tmp_path / "l.keras")
    with pytest.raises(LoadError, match="safe_mode=False"):
        load_model(tmp_path / "l.keras")
    loaded = load_model(tmp_path / "l.keras", safe_mode=False)
    torch.testing.assert_close(loaded(torch.ones(1, 3)), torch.full((1, 3), 3.0))


# ------------------------------------------------------------------ atomic saves

def test_interrupted_save_keeps_the_previous_file(saved, monkeypatch):
    model, path = saved
    before = path.read_bytes()
    calls = []

    def interrupted(self, name, data, *args, **kwargs):
        calls.append(name)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(self, name, data, *args, **kwargs)

    original = zipfile.ZipFile.writestr
    monkeypatch.setattr(zipfile.ZipFile, "writestr", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_model(seed_models.sequential_mlp(), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["m.keras"]  # no temporary file left behind
    load_model(path)


def test_failing_weights_writer_keeps_the_previous_file(saved, monkeypatch):
    _, path = saved
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("lamina.saving.saving_api.save_weights_to_h5", broken)
    with pytest.raises(OSError, match="disk full"):
        save_model(seed_models.residual(), path)
    assert path.read_bytes() == before


# ------------------------------------------------------------------ damaged archives

def test_not_a_zip(tmp_path):
    (tmp_path / "x.keras").write_bytes(b"definitely not a zip")
    with pytest.raises(CorruptFileError, match="not a valid .keras archive"):
        load_model(tmp_path / "x.keras")


def test_truncated_archive(saved, tmp_path):
    _, path = saved
    data = path.read_bytes()
    (tmp_path / "t.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFileError):
        load_model(tmp_path / "t.keras")


@pytest.mark.parametrize("member", ["config.json", "metadata.json", "model.weights.h5"])
def test_missing_member(saved, tmp_path, member):
    _, path = saved
    members = _members(path)
    del members[member]
    with pytest.raises(CorruptFileError, match=f"no '{member}'"):
        load_model(_write(tmp_path / "x.keras", members))


def test_bad_json(saved, tmp_path):
    _, path = saved
    members = _members(path)
    members["config.json"] = b'{"module": "keras", "class_name": '
    with pytest.raises(CorruptFileError, match="not valid JSON"):
        load_model(_write(tmp_path / "x.keras", members))


def test_deeply_nested_json(saved, tmp_path):
    _, path = saved
    members = _members(path)
    members["config.json"] = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(CorruptFileError):
        load_model(_write(tmp_path / "x.keras", members))


def test_path_traversal_member_name_refused(saved, tmp_path):
    _, path = saved
    hostile = _write(tmp_path / "x.keras", _members(path), extra=[("../../evil.txt", b"x")])
    with pytest.raises(CorruptFileError, match="unsafe path"):
        load_model(hostile)


def test_unknown_class_name(saved, tmp_path):
    _, path = saved
    members = _members(path)
    members["config.json"] = members["config.json"].replace(b'"Dense"', b'"DenseButEvil"')
    with pytest.raises(LoadError, match="DenseButEvil"):
        load_model(_write(tmp_path / "x.keras", members))


def _replace_weights(members, edit):
    buffer = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buffer, "a") as h5:
        edit(h5)
    members["model.weights.h5"] = buffer.getvalue()
    return members


def test_wrong_weight_shape(saved, tmp_path):
    _, path = saved

    def edit(h5):
        del h5["layers/dense/vars/0"]
        h5["layers/dense/vars/0"] = np.zeros((3, 3), "float32")

    with pytest.raises(WeightMismatchError, match=r"holds shape \(3, 3\).*expects \(12, 16\)"):
        load_model(_write(tmp_path / "x.keras", _replace_weights(_members(path), edit)))


def test_absurd_declared_shape_is_refused_without_reading(saved, tmp_path):
    _, path = saved

    def edit(h5):
        del h5["layers/dense/vars/0"]
        h5.create_dataset("layers/dense/vars/0", shape=(2 ** 20, 2 ** 20), dtype="float32")  # 4 TiB declared

    with pytest.raises(WeightMismatchError, match="holds shape"):
        load_model(_write(tmp_path / "x.keras", _replace_weights(_members(path), edit)))


def test_missing_weights_for_a_layer(saved, tmp_path):
    _, path = saved
    with pytest.raises(WeightMismatchError, match="has no weights for it"):
        load_model(_write(tmp_path / "x.keras", _replace_weights(_members(path), lambda h5: h5.__delitem__(
            "layers/dense_1"))))


def test_absurd_build_shape(saved, tmp_path):
    _, path = saved
    members = _members(path)
    config = json.loads(members["config.json"])
    dense = next(e for e in config["config"]["layers"] if e["class_name"] == "Dense")
    dense["build_config"] = {"input_shape": [None, 10 ** 12]}
    members["config.json"] = json.dumps(config).encode()
    with pytest.raises(LoadError, match="Invalid dimension"):
        load_model(_write(tmp_path / "x.keras", members))


def test_huge_config_declared_size_is_refused(saved, tmp_path, monkeypatch):
    _, path = saved
    monkeypatch.setattr("lamina.saving.archive.MAX_JSON_BYTES", 1000)
    with pytest.raises(CorruptFileError, match="limit"):
        load_model(path)


def test_graph_references_to_unknown_layers(saved, tmp_path):
    _, path = saved
    members = _members(path)
    config = json.loads(members["config.json"])
    config["config"]["output_layers"] = ["no_such_layer", 0, 0]
    members["config.json"] = json.dumps(config).encode()
    with pytest.raises(LoadError, match="no_such_layer"):
        load_model(_write(tmp_path / "x.keras", members))


def test_corrupt_weights_h5(saved, tmp_path):
    _, path = saved
    members = _members(path)
    members["model.weights.h5"] = b"\x89HDF\r\n\x1a\n" + b"\x00" * 200
    with pytest.raises(CorruptFileError, match="not a valid h5"):
        load_model(_write(tmp_path / "x.keras", members))


# ------------------------------------------------------------------ fuzzing

def _mutate_json(value, rng):
    """Replaces one random node of a JSON tree with a hostile value."""
    nodes = []

    def collect(v, parent, key):
        nodes.append((parent, key))
        if isinstance(v, dict):
            for k, x in v.items():
                collect(x, v, k)
        elif isinstance(v, list):
            for i, x in enumerate(v):
                collect(x, v, i)

    collect(value, None, None)
    parent, key = rng.choice(nodes[1:])
    parent[key] = rng.choice([None, -1, 10 ** 15, "x", "", [], {}, [None], {"class_name": "__lambda__"},
                              [["a", 0, 0]], 1.5, True, {"class_name": "Dense", "config": {}}])
    return value


def test_fuzzed_archives_raise_only_clean_errors(saved, tmp_path):
    _, path = saved
    original = _members(path)
    rng = random.Random(1234)
    outcomes = {"loaded": 0, "refused": 0}
    for trial in range(120):
        members = dict(original)
        kind = trial % 3
        if kind == 0:  # flip bytes of the whole archive
            data = bytearray(path.read_bytes())
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            target = tmp_path / f"f{trial}.keras"
            target.write_bytes(bytes(data))
        elif kind == 1:  # hostile value somewhere in config.json
            config = _mutate_json(json.loads(members["config.json"]), rng)
            members["config.json"] = json.dumps(config).encode()
            target = _write(tmp_path / f"f{trial}.keras", members)
        else:  # flip bytes inside the weights file
            data = bytearray(members["model.weights.h5"])
            for _ in range(rng.randint(1, 16)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            members["model.weights.h5"] = bytes(data)
            target = _write(tmp_path / f"f{trial}.keras", members)
        try:
            load_model(target)
            outcomes["loaded"] += 1
        except LoadError as error:
            assert str(error)
            outcomes["refused"] += 1
    assert outcomes["refused"] > 0


def test_absurd_layer_size_in_config_fails_fast(saved, tmp_path):
    _, path = saved
    members = _members(path)
    config = json.loads(members["config.json"])
    dense = next(e for e in config["config"]["layers"] if e["class_name"] == "Dense")
    dense["config"]["units"] = 10 ** 12
    dense.pop("build_config", None)
    members["config.json"] = json.dumps(config).encode()
    with pytest.raises(LoadError, match="Could not (rebuild|call) layer"):
        load_model(_write(tmp_path / "x.keras", members))


def test_weights_file_must_be_h5_not_pickle(tmp_path):
    import pickle

    model = seed_models.residual()
    (tmp_path / "w.weights.h5").write_bytes(pickle.dumps({"kernel": [1, 2, 3]}))
    with pytest.raises(CorruptFileError, match="not a valid h5"):
        model.load_weights(tmp_path / "w.weights.h5")
