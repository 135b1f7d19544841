"""Dense subclasses: a user `call` that reads `self.kernel` gets Keras's (input_dim, units) layout."""

import numpy as np

import lamina as keras


class _MatmulDense(keras.layers.Dense):
    """A user subclass reading `self.kernel` in its own call, as Keras code does."""

    def call(self, inputs):
        return keras.ops.matmul(inputs, self.kernel) + self.bias


def test_subclass_call_sees_keras_layout_kernel():
    layer = _MatmulDense(3, bias_initializer="ones")
    x = np.random.default_rng(0).normal(size=(2, 5)).astype("float32")
    out = keras.ops.convert_to_numpy(layer(x))
    kernel, bias = layer.get_weights()
    assert tuple(layer.kernel.shape) == (5, 3)
    np.testing.assert_allclose(out, x @ kernel + bias, rtol=1e-5, atol=1e-5)
