"""Plain torch.nn.Modules called directly on KerasTensors inside a Functional model."""

import numpy as np
import pytest
import torch

import lamina
from lamina.layers import TorchModuleWrapper


def _model():
    inputs = lamina.Input(shape=(8,))
    hidden = torch.nn.Linear(8, 4)(inputs)
    hidden = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Flatten())(hidden)
    outputs = lamina.layers.Dense(1)(hidden)
    return lamina.Model(inputs, outputs)


def test_direct_module_call_becomes_one_wrapper_node():
    model = _model()
    wrappers = [layer for layer in model.layers if isinstance(layer, TorchModuleWrapper)]
    assert [w.name.split("_")[1] for w in wrappers] == ["linear", "sequential"]
    # The Sequential's ReLU/Flatten ran inside the module: no extra nodes.
    assert len(model.layers) == 4
    assert model.outputs[0].shape == (None, 1)
    assert model.count_params() == 8 * 4 + 4 + 4 * 6 + 6 + 6 + 1


def test_eager_output_matches_modules(tmp_path):
    model = _model()
    data = torch.randn(5, 8)
    linear, seq, dense = model.layers[1].module, model.layers[2].module, model.layers[3]
    expected = dense(seq(linear(data)))
    torch.testing.assert_close(model(data), expected)


def test_fit_trains_and_weights_save(tmp_path):
    model = _model()
    model.compile(optimizer="sgd", loss="mse")
    before = [p.detach().clone() for p in model.parameters()]
    x = np.random.rand(32, 8).astype("float32")
    y = np.random.rand(32, 1).astype("float32")
    model.fit(x, y, epochs=1, verbose=0)
    assert all((a != b).any() for a, b in zip(before, model.parameters()))
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    other = _model()
    other.load_weights(path)
    torch.testing.assert_close(other(torch.from_numpy(x)), model(torch.from_numpy(x)))


def test_shared_module_reuses_weights():
    linear = torch.nn.Linear(4, 4)
    inputs = lamina.Input(shape=(4,))
    outputs = linear(linear(inputs))
    model = lamina.Model(inputs, outputs)
    assert model.count_params() == 20
    data = torch.randn(2, 4)
    torch.testing.assert_close(model(data), linear(linear(data)))


def test_eager_module_calls_unaffected():
    linear = torch.nn.Linear(3, 2)
    assert linear(torch.ones(1, 3)).shape == (1, 2)


class _Untraceable(torch.nn.Module):
    def forward(self, x):
        return torch.from_numpy(x.detach().numpy())  # needs real values


def test_untraceable_module_error_suggests_wrapper():
    inputs = lamina.Input(shape=(3,))
    with pytest.raises(ValueError, match=r"(?s)_Untraceable.*TorchModuleWrapper\(module, output_shape"):
        _Untraceable()(inputs)


class _TwoOutputs(torch.nn.Module):
    def forward(self, x):
        return x * 2, x + 1


def test_multi_output_module_error():
    inputs = lamina.Input(shape=(3,))
    with pytest.raises(ValueError, match=r"_TwoOutputs.*single tensor"):
        _TwoOutputs()(inputs)
