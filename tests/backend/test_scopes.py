"""Top-level scopes: device, name_scope, StatelessScope, SymbolicScope, remat, RematScope."""

import numpy as np
import pytest
import torch

import lamina
from lamina.backend.remat import current_remat_mode
from lamina.backend.scopes import current_name_scope, in_stateless_scope, in_symbolic_scope


def test_device_scope_places_new_tensors():
    assert lamina.device("gpu:0") == torch.device("cuda:0")
    with lamina.device("cpu"):
        assert lamina.random.normal((2,)).device.type == "cpu"
        layer = lamina.layers.Dense(2)
        layer.build((None, 3))
        assert layer.kernel.device.type == "cpu"
    with pytest.raises(ValueError, match="invalid device name"):
        lamina.device("abc")
    with pytest.raises(ValueError, match="expected a device name"):
        lamina.device(3)


def test_name_scope_stack():
    assert current_name_scope() == ""
    with lamina.name_scope("outer") as scope:
        assert scope.name == "outer"
        with lamina.name_scope("inner"):
            assert current_name_scope() == "outer/inner"
        with lamina.name_scope("outer"):  # deduplicated
            assert current_name_scope() == "outer"
        with lamina.name_scope("x", override_parent="a/b"):
            assert current_name_scope() == "a/b/x"
        assert current_name_scope() == "outer"
    assert current_name_scope() == ""
    with pytest.raises(ValueError, match="non-empty string"):
        lamina.name_scope("")


def test_stateless_scope_restores_weights():
    dense = lamina.layers.Dense(2)
    dense.build((None, 3))
    before = [w.numpy() for w in dense.weights]
    zeros = [(w, np.zeros(w.numpy().shape, dtype="float32")) for w in dense.weights]
    with lamina.StatelessScope(state_mapping=zeros) as scope:
        assert in_stateless_scope()
        assert torch.equal(dense(torch.ones(1, 3)), torch.zeros(1, 2))
        dense.kernel.assign(np.ones((3, 2), dtype="float32"))
        assert np.array_equal(scope.get_current_value(dense.kernel).numpy(), np.ones((3, 2)))
    assert not in_stateless_scope()
    for w, b in zip(dense.weights, before):
        assert np.array_equal(w.numpy(), b)
    with pytest.raises(ValueError, match="pairs"):
        lamina.StatelessScope(state_mapping=[1])


def test_symbolic_scope_flag():
    assert not in_symbolic_scope()
    with lamina.SymbolicScope():
        assert in_symbolic_scope()
    assert not in_symbolic_scope()


def test_remat_gives_the_same_values_and_gradients():
    def block(x):
        return torch.tanh(x @ x.T).sum(dim=1)

    x1 = torch.randn(4, 3, requires_grad=True)
    x2 = x1.detach().clone().requires_grad_(True)
    block(x1).sum().backward()
    lamina.remat(block)(x2).sum().backward()
    torch.testing.assert_close(x1.grad, x2.grad)
    with pytest.raises(TypeError, match="expected a callable"):
        lamina.remat(3)


def test_remat_scope_stack_and_errors():
    assert current_remat_mode() is None
    with lamina.RematScope(mode="larger_than", output_size_threshold=10) as scope:
        assert current_remat_mode() is scope
    assert current_remat_mode() is None
    with pytest.raises(ValueError, match="`mode` must be one of"):
        lamina.RematScope(mode="bogus")
    with pytest.raises(ValueError, match="needs a non-empty `layer_names`"):
        lamina.RematScope(mode="list_of_layers")
