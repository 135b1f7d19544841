"""ReLU, LeakyReLU, PReLU, ELU, Softmax and Rescaling: Keras's formulas, arguments and errors.

Parity with Keras's own outputs: tests/saving/keras_written/noise_and_activations.keras.
"""

import pytest
import torch

import lamina as keras
from lamina import layers


def test_relu_with_ceiling_slope_and_threshold():
    x = torch.tensor([-1.0, 0.1, 0.5, 3.0])
    out = layers.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.2)(x)
    torch.testing.assert_close(out, torch.tensor([-0.12, -0.01, 0.5, 2.0]))


@pytest.mark.parametrize("kwargs, argument", [({"max_value": -1.0}, "max_value"), ({"negative_slope": -0.1},
                                               "negative_slope"), ({"threshold": None}, "threshold")])
def test_relu_refuses_negative_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=rf"ReLU: `{argument}` must be a number >= 0"):
        layers.ReLU(**kwargs)


def test_leaky_relu_default_slope_and_alpha_alias():
    torch.testing.assert_close(layers.LeakyReLU()(torch.tensor([-1.0])), torch.tensor([-0.3]))
    with pytest.warns(UserWarning, match="alpha"):
        layer = layers.LeakyReLU(alpha=0.5)
    assert layer.get_config()["negative_slope"] == 0.5


def test_prelu_shared_axes_and_bad_axes():
    layer = layers.PReLU(alpha_initializer="ones", shared_axes=[1, 2])
    x = torch.randn(2, 4, 5, 3)
    torch.testing.assert_close(layer(x), x)  # alpha = 1 is the identity
    assert tuple(layer.alpha.shape) == (1, 1, 3) and layer.get_weights()[0].shape == (1, 1, 3)
    with pytest.raises(ValueError, match=r"shared axis 3 does not exist"):
        layers.PReLU(shared_axes=3)(keras.Input((4, 5)))
    with pytest.raises(ValueError, match=r"`shared_axes` must be axis indices >= 1"):
        layers.PReLU(shared_axes=0)


def test_elu_keeps_alpha_in_its_config():
    layer = layers.ELU(alpha=0.5)
    assert layers.ELU.from_config(layer.get_config()).alpha == 0.5


def test_softmax_mask_and_several_axes():
    x = torch.randn(2, 3, 4)
    mask = torch.tensor([True, True, False, True])
    out = layers.Softmax()(x, mask=mask)
    assert torch.all(out[..., 2] == 0)
    torch.testing.assert_close(out.sum(-1), torch.ones(2, 3))
    both = layers.Softmax(axis=[1, 2])(x)
    torch.testing.assert_close(both.sum((1, 2)), torch.ones(2))
    with pytest.raises(ValueError, match=r"mask of shape \(3,\) does not broadcast to the input of shape"):
        layers.Softmax(name="sm")(x, mask=torch.ones(3, dtype=torch.bool))


def test_rescaling_integers_to_floats_and_bad_scale():
    out = layers.Rescaling(1 / 127.5, offset=-1)(torch.tensor([0, 255], dtype=torch.uint8))
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, torch.tensor([-1.0, 1.0]))
    with pytest.raises(ValueError, match=r"Rescaling: `scale` must be a number"):
        layers.Rescaling("half")


def test_keras_alias_names():
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.Convolution2D is layers.Conv2D
    assert layers.GlobalAvgPool1D is layers.GlobalAveragePooling1D
