"""Activation values against their reference formulas (computed independently in numpy).

Inputs are float64 so comparisons can be tight (rtol 1e-10 unless the torch kernel
uses a documented approximation); a few Keras docstring examples are checked exactly.
"""

import math

import numpy as np
import pytest
import torch

from lamina import activations as A

X = np.concatenate([np.linspace(-6.0, 6.0, 121), [-3.0, -1.0, -0.5, 0.5, 1.0, 3.0]])
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _x():
    return torch.tensor(X, dtype=torch.float64)


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_softplus(x):
    return np.log1p(np.exp(x))


REFERENCES = {
    "relu": lambda x: np.maximum(x, 0.0),
    "relu6": lambda x: np.clip(x, 0.0, 6.0),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1.0),
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (np.exp(x) - 1.0)),
    "celu": lambda x: np.where(x >= 0, x, np.exp(x) - 1.0),
    "gelu": lambda x: 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0))),
    "silu": lambda x: x * np_sigmoid(x),
    "swish": lambda x: x * np_sigmoid(x),
    "hard_silu": lambda x: x * np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "hard_swish": lambda x: x * np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "mish": lambda x: x * np.tanh(np_softplus(x)),
    "softplus": np_softplus,
    "squareplus": lambda x: (x + np.sqrt(x * x + 4.0)) / 2.0,
    "sparse_plus": lambda x: np.where(x <= -1, 0.0, np.where(x < 1, 0.25 * (x + 1) ** 2, x)),
    "sigmoid": np_sigmoid,
    "hard_sigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "sparse_sigmoid": lambda x: np.where(x <= -1, 0.0, np.where(x >= 1, 1.0, 0.5 * (x + 1))),
    "log_sigmoid": lambda x: -np.log1p(np.exp(-x)),
    "tanh": np.tanh,
    "hard_tanh": lambda x: np.clip(x, -1.0, 1.0),
    "softsign": lambda x: x / (np.abs(x) + 1.0),
    "exponential": np.exp,
    "linear": lambda x: x,
    "soft_shrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0.0)),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0.0),
    "tanh_shrink": lambda x: x - np.tanh(x),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_elementwise_activation_matches_formula(name):
    fn = getattr(A, name)
    out = fn(_x())
    assert out.dtype == torch.float64 and out.shape == (len(X),)
    np.testing.assert_allclose(out.numpy(), REFERENCES[name](X), rtol=1e-10, atol=1e-12)


def test_gelu_approximate_is_the_tanh_formula():
    expected = 0.5 * X * (1 + np.tanh(math.sqrt(2 / math.pi) * (X + 0.044715 * X**3)))
    # 1 + tanh(.) cancels for very negative x, so compare absolutely there.
    np.testing.assert_allclose(
        A.gelu(_x(), approximate=True).numpy(), expected, rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        # The examples in the Keras 3 `relu` docstring.
        ({}, [0.0, 0.0, 0.0, 5.0, 10.0]),
        ({"negative_slope": 0.5}, [-5.0, -2.5, 0.0, 5.0, 10.0]),
        ({"max_value": 5.0}, [0.0, 0.0, 0.0, 5.0, 5.0]),
        ({"threshold": 5.0}, [-0.0, -0.0, 0.0, 0.0, 10.0]),
        ({"max_value": 6}, [0.0, 0.0, 0.0, 5.0, 6.0]),
    ],
)
def test_relu_keras_docstring_examples(kwargs, expected):
    out = A.relu(torch.tensor([-10.0, -5.0, 0.0, 5.0, 10.0]), **kwargs)
    assert out.tolist() == expected


def test_relu_all_arguments_combined_follows_keras_formula():
    x = _x()
    slope, max_value, thr = 0.1, 2.5, -1.0
    # Keras: keep x above the threshold, clip to [0, max], subtract slope * relu(thr - x).
    kept = np.where(X > thr, X, 0.0)
    expected = np.clip(kept, 0.0, max_value) - slope * np.maximum(thr - X, 0.0)
    out = A.relu(x, negative_slope=slope, max_value=max_value, threshold=thr)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


def test_parameterized_elementwise_activations():
    x = _x()
    np.testing.assert_allclose(A.leaky_relu(x, 0.3).numpy(), np.where(X >= 0, X, 0.3 * X))
    np.testing.assert_allclose(
        A.elu(x, alpha=2.0).numpy(), np.where(X > 0, X, 2.0 * (np.exp(X) - 1)), rtol=1e-12
    )
    np.testing.assert_allclose(
        A.celu(x, alpha=2.0).numpy(), np.where(X >= 0, X, 2.0 * (np.exp(X / 2.0) - 1)),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        A.squareplus(x, b=1.0).numpy(), (X + np.sqrt(X * X + 1.0)) / 2, rtol=1e-12
    )
    np.testing.assert_allclose(
        A.soft_shrink(x, 1.0).numpy(), np.where(X > 1, X - 1, np.where(X < -1, X + 1, 0.0))
    )
    np.testing.assert_allclose(A.hard_shrink(x, 1.0).numpy(), np.where(np.abs(X) > 1, X, 0.0))
    np.testing.assert_allclose(A.threshold(x, 0.5, -3.0).numpy(), np.where(X > 0.5, X, -3.0))


def np_softmax(x, axis):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


@pytest.mark.parametrize("axis", [-1, 0, 1, (1, 2), None])
def test_softmax_and_log_softmax_along_axes(axis):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 4)) * 3
    expected = np_softmax(x, axis)
    out = A.softmax(torch.tensor(x), axis=axis)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(
        A.log_softmax(torch.tensor(x), axis=axis).numpy(), np.log(expected), rtol=1e-12
    )


def test_softmax_is_stable_for_large_logits():
    out = A.softmax(torch.tensor([1000.0, 1000.0, -1000.0]))
    assert torch.allclose(out, torch.tensor([0.5, 0.5, 0.0]))


def np_sparsemax(z):
    """Reference: Euclidean projection of a vector onto the probability simplex."""
    u = np.sort(z)[::-1]
    css = np.cumsum(u)
    k = np.arange(1, len(z) + 1)
    rho = k[u - (css - 1) / k > 0][-1]
    tau = (css[rho - 1] - 1) / rho
    return np.maximum(z - tau, 0.0)


def test_sparsemax_matches_simplex_projection():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 7)) * 2
    out = A.sparsemax(torch.tensor(x)).numpy()
    expected = np.stack([np_sparsemax(row) for row in x])
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-12)
    out0 = A.sparsemax(torch.tensor(x.T), axis=0).numpy()
    np.testing.assert_allclose(out0, expected.T, rtol=1e-10, atol=1e-12)


def test_sparsemax_known_values_with_negative_entries():
    # Both entries negative: the support still holds both, tau = (-2.2 - 1) / 2.
    out = A.sparsemax(torch.tensor([[-1.0, -1.2], [1.0, 0.0]], dtype=torch.float64))
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.4], [1.0, 0.0]], rtol=1e-12)


def test_glu_gates_first_half_with_second():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 8))
    expected = x[:, :4] * np_sigmoid(x[:, 4:])
    np.testing.assert_allclose(A.glu(torch.tensor(x)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(
        A.glu(torch.tensor(x.T), axis=0).numpy(), expected.T, rtol=1e-12
    )


def test_glu_odd_axis_is_a_clear_error():
    with pytest.raises(ValueError, match=r"glu: .*even size along `axis`.*\(3, 5\).*size 5"):
        A.glu(torch.zeros(3, 5))


def test_soft_shrink_negative_threshold_is_rejected():
    with pytest.raises(ValueError, match=r"soft_shrink: `threshold` must be non-negative.*-1"):
        A.soft_shrink(torch.zeros(2), threshold=-1.0)


def test_softmax_bad_axis_messages():
    with pytest.raises(TypeError, match=r"softmax: `axis` must be an int, a tuple of ints or None"):
        A.softmax(torch.zeros(2, 2), axis="last")
    with pytest.raises(ValueError, match=r"softmax: every entry of `axis` must be in \[-2, 2\)"):
        A.softmax(torch.zeros(2, 2), axis=(0, 5))


@pytest.mark.parametrize("fn", [A.softmax, A.sigmoid])
def test_softmax_and_sigmoid_record_their_logits(fn):
    x = torch.randn(4, 3)
    out = fn(x)
    assert out._keras_logits is x


def test_other_activations_do_not_record_logits():
    assert not hasattr(A.relu(torch.randn(3)), "_keras_logits")
    assert not hasattr(A.log_softmax(torch.randn(3)), "_keras_logits")


def test_logits_are_skipped_under_torch_compile():
    def model(x):
        return A.softmax(x * 2.0) + A.sigmoid(x)

    compiled = torch.compile(model, backend="eager", fullgraph=True)
    x = torch.randn(3, 4)
    torch.testing.assert_close(compiled(x), model(x))


def test_non_tensor_inputs_are_converted_to_float():
    out = A.relu([-1, 2])
    assert isinstance(out, torch.Tensor) and out.dtype == torch.get_default_dtype()
    assert out.tolist() == [0.0, 2.0]
    assert A.sigmoid(np.zeros(2)).dtype == torch.float64  # numpy keeps its dtype


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32])
@pytest.mark.parametrize("name", ["relu", "gelu", "silu", "sigmoid", "softmax", "hard_sigmoid"])
def test_dtype_is_preserved(name, dtype):
    x = torch.linspace(-3, 3, 8, dtype=dtype)
    assert getattr(A, name)(x).dtype == dtype


def test_linear_returns_its_input_object():
    x = torch.randn(3)
    assert A.linear(x) is x


def test_aliases_are_the_same_functions():
    assert A.swish is A.silu
    assert A.hard_swish is A.hard_silu


def test_activations_are_differentiable():
    x = torch.linspace(-2, 2, 9, dtype=torch.float64, requires_grad=True)
    A.mish(x).sum().backward()
    sp = np_softplus(x.detach().numpy())
    t = np.tanh(sp)
    expected = t + x.detach().numpy() * (1 - t**2) * np_sigmoid(x.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-10)
