"""`copy.deepcopy(model)` after training and pickling a model (torch.nn.Module habits)."""

import copy
import pickle

import numpy as np
import torch

import lamina as keras
from lamina.trainers import capture


def _trained():
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x, y = rng.random((160, 6)).astype("float32"), rng.integers(0, 3, 160)  # 10 steps
    model.fit(x, y, batch_size=16, verbose=0)
    return model, x, y


def test_a_trained_model_deep_copies_into_an_independent_model():
    model, x, y = _trained()
    # The last step's loss was kept with its autograd graph, which deepcopy refuses.
    twin = copy.deepcopy(model)
    np.testing.assert_allclose(twin.predict(x, verbose=0), model.predict(x, verbose=0))
    before = [w.copy() for w in model.get_weights()]
    twin.fit(x, y, batch_size=16, verbose=0)  # trains its own parameters only
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(before, twin.get_weights()))
    assert not set(map(id, twin.parameters())) & set(map(id, model.parameters()))


def test_a_copy_does_not_take_the_captured_step_of_the_original(monkeypatch):
    monkeypatch.setattr(capture, "AUTO_TRACE_SECONDS", 0.0)
    monkeypatch.setattr(capture, "AUTO_MIN_SECONDS", 1e9)  # trace, but never compile in a test
    model, x, y = _trained()
    assert model.__dict__["_captured"] is not None and model.__dict__["_captured"].key is not None
    twin = copy.deepcopy(model)
    assert twin.__dict__["_captured"] is None  # compiled for the original's parameters


def test_an_uncompiled_model_pickles_with_its_shapes():
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)])
    x = torch.rand(4, 6)
    expected = model(x)
    restored = pickle.loads(pickle.dumps(model))
    torch.testing.assert_close(restored(x), expected)
    assert restored.compute_output_shape((None, 6)) == (None, 3)


def test_a_compiled_trained_model_goes_through_torch_save_and_keeps_training(tmp_path):
    model, x, y = _trained()
    torch.save(model, tmp_path / "model.pt")
    restored = torch.load(tmp_path / "model.pt", weights_only=False)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert int(restored.optimizer.iterations) == int(model.optimizer.iterations) == 10
    logs = restored.evaluate(x, y, verbose=0, return_dict=True)
    assert logs == model.evaluate(x, y, verbose=0, return_dict=True)
    restored.fit(x, y, batch_size=16, verbose=0)
    assert int(restored.optimizer.iterations) == 20


def test_a_two_output_functional_model_with_dict_targets_pickles():
    inputs = keras.Input((4,), name="features")
    hidden = keras.layers.Dense(5, activation="relu")(inputs)
    outputs = {"score": keras.layers.Dense(1, name="score")(hidden),
               "kind": keras.layers.Dense(3, activation="softmax", name="kind")(hidden)}
    model = keras.Model(inputs, outputs)
    model.compile("adam", loss={"score": "mse", "kind": "sparse_categorical_crossentropy"},
                  metrics={"kind": ["accuracy"]})
    rng = np.random.default_rng(1)
    x = rng.random((32, 4)).astype("float32")
    y = {"score": rng.random((32, 1)).astype("float32"), "kind": rng.integers(0, 3, 32)}
    model.fit(x, y, batch_size=8, verbose=0)
    restored = pickle.loads(pickle.dumps(model))
    assert restored.evaluate(x, y, verbose=0, return_dict=True) == model.evaluate(x, y, verbose=0, return_dict=True)


def test_a_deep_copied_functional_model_runs_its_own_layers():
    inputs = keras.Input((4,))
    outputs = keras.layers.Dense(2)(keras.layers.Dense(3, activation="relu")(inputs))
    model = keras.Model(inputs, outputs)
    twin = copy.deepcopy(model)
    x = torch.rand(5, 4)
    torch.testing.assert_close(twin(x), model(x))
    with torch.no_grad():
        for p in twin.parameters():
            p.add_(1.0)
    # The execution plan is rebuilt for the copy: it must not call the original's layers.
    assert not torch.allclose(twin(x), model(x))
    assert twin.layers[1] is not model.layers[1]
