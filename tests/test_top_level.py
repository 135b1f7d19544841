"""The top-level Keras names (`keras.Loss`, `keras.Function`, `keras.version`, ...)."""

import torch

import lamina


def test_aliases_are_the_existing_objects():
    assert lamina.Loss is lamina.losses.Loss
    assert lamina.Metric is lamina.metrics.Metric
    assert lamina.Optimizer is lamina.optimizers.Optimizer
    assert lamina.Initializer is lamina.initializers.Initializer
    assert lamina.Regularizer is lamina.regularizers.Regularizer
    assert lamina.DTypePolicy is lamina.mixed_precision.DTypePolicy
    assert lamina.FloatDTypePolicy is lamina.dtype_policies.FloatDTypePolicy
    assert lamina.version() == lamina.__version__


def test_function_runs_a_graph():
    x = lamina.Input((3,))
    f = lamina.Function(x, x * 2 + 1, name="affine")
    torch.testing.assert_close(f(torch.ones(1, 3)), torch.full((1, 3), 3.0))
    assert f.name == "affine"


def test_operation_subclass_runs_eagerly_and_symbolically():
    class AddOne(lamina.Operation):
        def call(self, x):
            return x + 1

    assert torch.equal(AddOne()(torch.zeros(2)), torch.ones(2))
    inputs = lamina.Input((2,))
    model = lamina.Model(inputs, AddOne(name="add_one")(inputs))
    assert torch.equal(model(torch.zeros(1, 2)), torch.ones(1, 2))


def test_quantizer_base():
    class Sign(lamina.Quantizer):
        def __call__(self, x):
            return torch.sign(x)

        def get_config(self):
            return {"output_dtype": self.output_dtype}

    q = Sign.from_config(Sign().get_config())
    assert q.output_dtype == "int8" and torch.equal(q(torch.tensor([-2.0, 3.0])), torch.tensor([-1.0, 1.0]))
    import pytest

    x = torch.ones(1)
    assert lamina.Quantizer()(x) is x  # Keras's base quantizer returns its input
