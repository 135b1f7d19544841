"""`lamina.activations.get/serialize/deserialize` and the Keras name set."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lamina import activations as A

# `keras.activations` in Keras 3 (ALL_OBJECTS names plus the swish/hard_swish aliases).
KERAS_NAMES = {
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu", "relu6",
    "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign", "sparse_plus",
    "sparse_sigmoid", "sparsemax", "squareplus", "tanh", "tanh_shrink", "threshold",
    "swish", "hard_swish",
}


def test_registry_has_exactly_the_keras_names():
    assert set(A.ALL_ACTIVATIONS) == KERAS_NAMES


@pytest.mark.parametrize("name", sorted(KERAS_NAMES))
def test_get_name_returns_the_public_function(name):
    assert A.get(name) is getattr(A, name)


@pytest.mark.parametrize("name", sorted(KERAS_NAMES - {"swish", "hard_swish"}))
def test_serialize_builtin_is_its_name_and_round_trips(name):
    fn = getattr(A, name)
    assert A.serialize(fn) == name
    assert A.deserialize(name) is fn


def test_aliases_serialize_to_the_canonical_keras_name():
    assert A.serialize(A.swish) == "silu"
    assert A.serialize(A.hard_swish) == "hard_silu"


def test_get_none_is_linear():
    assert A.get(None) is A.linear


def test_get_callable_and_class():
    def custom(x):
        return x * 2

    assert A.get(custom) is custom
    module = A.get(nn.ReLU)  # a class is instantiated, so torch-style code works
    assert isinstance(module, nn.ReLU)


def test_get_unknown_name_lists_valid_names_and_suggests():
    with pytest.raises(ValueError, match=r"Unknown activation: 'rleu'\. Did you mean 'relu'.*"
                                         r"Expected one of \[.*'gelu'.*'tanh'.*\]"):
        A.get("rleu")


def test_get_uninterpretable_value():
    with pytest.raises(ValueError, match=r"Could not interpret activation identifier 3 \(a `int`\)"):
        A.get(3)


def test_deserialize_keras_function_dict():
    config = {
        "module": "keras.activations",
        "class_name": "function",
        "config": "gelu",
        "registered_name": "gelu",
    }
    assert A.deserialize(config) is A.gelu
    assert A.get(config) is A.gelu


def my_activation(x):
    return x * 3


def test_custom_function_round_trip_with_custom_objects():
    config = A.serialize(my_activation)
    assert config == {
        "module": __name__,
        "class_name": "function",
        "config": "my_activation",
        "registered_name": "my_activation",
    }
    assert A.deserialize(config, custom_objects={"my_activation": my_activation}) is my_activation
    with pytest.raises(ValueError, match=r"Unknown activation: 'my_activation'"):
        A.deserialize(config)


def test_lambda_cannot_be_serialized():
    with pytest.raises(ValueError, match=r"Cannot serialize .*no name to be saved by|has none"):
        A.serialize(lambda x: x)


@pytest.mark.parametrize(
    "fn, name",
    [
        (torch.tanh, "tanh"),
        (torch.sigmoid, "sigmoid"),
        (F.relu, "relu"),
        (F.gelu, "gelu"),
        (torch.exp, "exponential"),
        (nn.ReLU(), "relu"),
        (nn.GELU(), "gelu"),
        (nn.SiLU(), "silu"),
        (nn.LeakyReLU(0.2), "leaky_relu"),
        (nn.Softmax(dim=-1), "softmax"),
        (nn.Identity(), "linear"),
    ],
)
def test_torch_equivalents_serialize_to_keras_names(fn, name):
    assert A.serialize(fn) == name


@pytest.mark.parametrize("module", [nn.LeakyReLU(), nn.GELU(approximate="tanh"), nn.Softmax(dim=0)])
def test_torch_modules_with_non_keras_arguments_are_not_renamed(module):
    # These differ from the Keras function of the same name, so no name is guessed.
    with pytest.raises(ValueError, match=r"Cannot serialize activation"):
        A.serialize(module)


class ScaledTanh:
    def __init__(self, scale=1.0):
        self.scale = scale

    def __call__(self, x):
        return self.scale * torch.tanh(x)

    def get_config(self):
        return {"scale": self.scale}


def test_callable_object_with_config_round_trips():
    config = A.serialize(ScaledTanh(2.0))
    assert config == {
        "module": __name__,
        "class_name": "ScaledTanh",
        "config": {"scale": 2.0},
        "registered_name": "ScaledTanh",
    }
    restored = A.deserialize(config, custom_objects={"ScaledTanh": ScaledTanh})
    assert isinstance(restored, ScaledTanh) and restored.scale == 2.0


def test_activations_on_symbolic_tensors_build_graph_nodes():
    # keras.io code applies them to Functional outputs: `keras.activations.sigmoid(logits) * 5`.
    import lamina as keras

    logits = keras.Input((3,))
    model = keras.Model(logits, A.sigmoid(logits) * 5)
    x = torch.tensor([[0.0, 1.0, -2.0]])
    torch.testing.assert_close(model(x), torch.sigmoid(x) * 5)
    for name in ("relu", "gelu", "softmax", "elu", "tanh", "silu", "softplus", "leaky_relu"):
        out = A.get(name)(logits)
        assert isinstance(out, keras.KerasTensor) and out.shape == (None, 3), name
