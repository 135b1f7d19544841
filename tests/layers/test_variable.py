"""`lamina.Variable`: Keras's constructor and API on a `torch.nn.Parameter`."""

import copy

import numpy as np
import pytest
import torch

import lamina as keras


def test_constructed_from_an_initializer_and_shape():
    v = keras.Variable("ones", shape=(2, 3), name="scale")
    assert isinstance(v, torch.nn.Parameter)
    assert v.name == "scale" and v.path == "scale" and v.trainable
    assert v.dtype == torch.float32 and v.numpy().tolist() == [[1.0] * 3] * 2


def test_constructed_from_a_value_with_keras_dtype_rules():
    assert keras.Variable(np.ones(3)).dtype == torch.float32        # float64 -> floatx
    assert keras.Variable(3.0).dtype == torch.float32
    assert keras.Variable(np.arange(3)).dtype == torch.int64
    assert keras.Variable(np.arange(3), dtype="float16").dtype == torch.float16
    v = keras.Variable(torch.zeros(2), trainable=False)
    assert not v.trainable and not v.requires_grad


def test_value_is_the_parameter_so_value_grad_is_its_gradient():
    v = keras.Variable(np.array([1.0, 2.0]))
    assert v.value is v
    (v * v).sum().backward()
    assert v.value.grad.tolist() == [2.0, 4.0]


def test_assign_numpy_and_trainable_setter():
    v = keras.Variable("zeros", shape=(2,))
    v.assign(np.array([3.0, 4.0]))
    assert v.numpy().tolist() == [3.0, 4.0]
    v.trainable = False
    assert not v.requires_grad


def test_layer_weights_have_the_variable_api():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="d")])
    kernel = model.trainable_weights[0]
    assert isinstance(kernel, keras.Variable)
    assert kernel.path == "d/kernel" and kernel.trainable and kernel.value is kernel
    assert kernel.numpy().shape == (4, 2)  # Keras layout


def test_deepcopy_keeps_the_keras_attributes():
    v = keras.Variable("ones", shape=(2,), name="w")
    copied = copy.deepcopy(v)
    assert type(copied) is keras.Variable and copied.name == "w" and copied is not v
    assert torch.equal(copied, v)


def test_unnamed_variables_are_numbered():
    keras.backend.clear_session()
    assert keras.Variable(1.0).name == "variable"
    assert keras.Variable(1.0).name == "variable_1"


def test_errors():
    with pytest.raises(ValueError, match=r"Variable: when created from an initializer \(.*\) it needs a `shape`"):
        keras.Variable("zeros")
    with pytest.raises(ValueError, match=r"Variable 'w': the initial value has shape \(3,\), but shape=\(2,\)"):
        keras.Variable(np.ones(3), shape=(2,), name="w")
    with pytest.raises(TypeError, match=r"Variable: cannot hold a value of dtype <U1"):
        keras.Variable(np.array(["a"]))
    with pytest.raises(ValueError, match=r"`name` must be a string without '/'"):
        keras.Variable(1.0, name="a/b")


def test_assign_add_and_assign_sub_update_in_place():
    # keras.io "Making new layers and models via subclassing": a non-trainable running total.
    class ComputeSum(keras.layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

        def call(self, inputs):
            self.total.assign_add(keras.ops.sum(inputs, axis=0))
            return self.total

    layer = ComputeSum(2)
    layer(np.ones((2, 2), "float32"))
    np.testing.assert_allclose(layer(np.ones((2, 2), "float32")).numpy(), [4.0, 4.0])
    layer.total.assign_sub(1.5)  # a scalar broadcasts, as in Keras
    np.testing.assert_allclose(layer.total.numpy(), [2.5, 2.5])


def test_assign_add_on_a_torch_layout_kernel_speaks_keras_layout():
    dense = keras.layers.Dense(3)
    dense.build((None, 2))
    before = dense.kernel.numpy()
    step = np.arange(6, dtype="float32").reshape(2, 3)
    dense.kernel.assign_add(step)
    np.testing.assert_allclose(dense.kernel.numpy(), before + step)
    with pytest.raises(ValueError, match="Cannot assign_add a value of shape \\(3, 4\\)"):
        dense.kernel.assign_add(np.ones((3, 4), "float32"))
