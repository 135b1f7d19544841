"""Files written by real Keras 3 (tests/saving/keras_written/, see its README) load and match."""

import os
import zipfile

import numpy as np
import pytest
import torch

import lamina as keras
from lamina.saving import LoadError, load_model
from lamina.layers.core.torch_op import KerasOp
from lamina.saving.ops_config import torch_op_from_entry

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_written")
SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "keras")
NAMES = sorted(f[:-len(".keras")] for f in os.listdir(HERE) if f.endswith(".keras"))


def _inputs(name):
    stored = np.load(os.path.join(HERE, f"{name}.inputs.npz"))
    if "single" in stored:
        return stored["single"]
    if all(k.startswith("key_") for k in stored.files):
        return {k[4:]: stored[k] for k in stored.files}
    return [stored[f"item_{i}"] for i in range(len(stored.files))]


def _flat(outputs):
    if isinstance(outputs, dict):
        return [outputs[k] for k in sorted(outputs)]
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


@pytest.mark.parametrize("name", NAMES)
def test_keras_written_model_reproduces_keras_outputs(name, tmp_path):
    model = load_model(os.path.join(HERE, f"{name}.keras"))
    reference = np.load(os.path.join(HERE, f"{name}.npz"))
    outputs = _flat(model.predict(_inputs(name), verbose=0))
    assert len(outputs) == len(reference.files)
    for i, out in enumerate(outputs):
        np.testing.assert_allclose(out, reference[f"arr_{i}"], rtol=0, atol=1e-5)
    # Saved again by lamina (ops as Keras wrote them), the model still loads and agrees.
    model.save(tmp_path / "again.keras")
    again = _flat(load_model(tmp_path / "again.keras").predict(_inputs(name), verbose=0))
    for a, b in zip(outputs, again):
        np.testing.assert_array_equal(a, b)


def test_masking_mask_ops_and_recorded_training_flags_are_understood():
    # Keras writes Masking's mask as NotEqual -> Any(axis=-1) op nodes feeding the RNNs' `mask=`,
    # and every RNN call with `training: false`; lamina replays the ops and ignores the flag.
    with zipfile.ZipFile(os.path.join(HERE, "recurrent.keras")) as archive:
        config = archive.read("config.json").decode()
    assert '"class_name": "Any"' in config and '"training": false' in config
    model = load_model(os.path.join(HERE, "recurrent.keras"))
    ops = [layer for layer in model.layers if isinstance(layer, KerasOp)]
    assert [op.summary_class_name for op in ops] == ["NotEqual", "Any"]


def test_keras_written_dropout_is_active_when_training():
    # Keras records `training: false` on the Dropout call of the seed residual classifier; taken
    # literally, fit would never apply dropout.
    model = load_model(os.path.join(SHARED, "seed_residual_classifier.keras"))
    x = torch.as_tensor(np.load(os.path.join(SHARED, "seed_residual_classifier.npz"))["in_0"])
    assert not torch.equal(model(x, training=True), model(x, training=True))
    torch.testing.assert_close(model(x, training=False), model(x, training=False), rtol=0, atol=0)


def test_lamina_keeps_an_explicit_training_false(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dropout(0.5)(inputs, training=False))
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    x = torch.ones(3, 4)
    torch.testing.assert_close(loaded(x, training=True), x)  # the user's choice: never dropped out


@pytest.mark.parametrize("class_name, config, args, expected", [
    ("Any", {"axis": -1, "keepdims": False}, [torch.tensor([[0, 1], [0, 0]])], torch.tensor([True, False])),
    ("Mean", {"axis": None, "keepdims": False}, [torch.tensor([1, 2, 3, 6])], torch.tensor(3.0)),
    ("Max", {"axis": [0, 1], "keepdims": True, "initial": None}, [torch.arange(6.0).reshape(2, 3)],
     torch.tensor([[5.0]])),
    ("Squeeze", {"axis": 1}, [torch.zeros(2, 1, 3)], torch.zeros(2, 3)),
    ("ExpandDims", {"axis": [0, -1]}, [torch.zeros(2, 3)], torch.zeros(1, 2, 3, 1)),
    ("Cast", {"dtype": "int32"}, [torch.tensor([1.7])], torch.tensor([1], dtype=torch.int32)),
    ("Std", {"axis": -1, "keepdims": False}, [torch.tensor([[1.0, 3.0]])], torch.tensor([1.0])),
    ("Concatenate", {"axis": -1}, [[torch.ones(1, 2), torch.zeros(1, 1)]], torch.tensor([[1.0, 1.0, 0.0]])),
    ("Einsum", {"subscripts": "ij,jk->ik"}, [torch.eye(2), torch.ones(2, 2)], torch.ones(2, 2)),
    ("LeakyRelu", {"negative_slope": 0.5}, [torch.tensor([-2.0, 2.0])], torch.tensor([-1.0, 2.0])),
    ("ZerosLike", {"dtype": "bool"}, [torch.ones(2)], torch.zeros(2, dtype=torch.bool)),
    ("OnesLike", {"dtype": None}, [torch.zeros(2)], torch.ones(2)),
    ("ConvertToTensor", {"dtype": "float32", "sparse": None, "ragged": None}, [torch.tensor([True])],
     torch.tensor([1.0])),
])
def test_keras_op_entries_replay_the_registered_ops(class_name, config, args, expected):
    # Op entries in files become nodes of lamina.ops's registered ops (keras.src.ops.* class names).
    op = torch_op_from_entry({"module": "keras.src.ops.numpy", "class_name": class_name,
                              "config": {"name": "op", **config}, "registered_name": class_name})
    torch.testing.assert_close(op(*args), expected)
    assert op.name == "op" and op.keras_entry()["config"] == {"name": "op", **config}


def test_unreplayable_op_arguments_are_refused_clearly():
    with pytest.raises(LoadError, match=r"Max \(node 'm'\) has config keys \['where'\] that lamina's ops.max does "
                                        r"not take"):
        torch_op_from_entry({"module": "keras.src.ops.numpy", "class_name": "Max",
                             "config": {"name": "m", "axis": 0, "where": 3.0}})
    op = torch_op_from_entry({"module": "keras.src.ops.core", "class_name": "ConvertToTensor",
                              "config": {"name": "c", "dtype": None, "sparse": True, "ragged": None}})
    with pytest.raises(ValueError, match=r"`sparse=True` is not supported by lamina"):
        op(torch.ones(2))


def test_keras_recorded_training_flags_stay_defaults_after_a_lamina_resave(tmp_path):
    model = load_model(os.path.join(SHARED, "seed_residual_classifier.keras"))
    model.save(tmp_path / "again.keras")
    again = load_model(tmp_path / "again.keras")
    x = torch.as_tensor(np.load(os.path.join(SHARED, "seed_residual_classifier.npz"))["in_0"])
    assert not torch.equal(again(x, training=True), again(x, training=True))
