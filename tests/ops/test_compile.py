"""Models and functions using `lamina.ops` trace with torch.compile(fullgraph=True): no graph breaks.

The eager backend proves there is no graph break (fullgraph raises on one) and keeps this fast.
"""

import torch

import lamina as keras
from lamina import ops


def _compiled(fn):
    return torch.compile(fn, fullgraph=True, backend="eager")


def test_functional_model_of_ops_compiles_with_eager_values():
    x = keras.Input((6, 8), name="tokens")
    q = ops.reshape(keras.layers.Dense(8)(x), (-1, 6, 2, 4))
    y = ops.rearrange(ops.dot_product_attention(q, q, q), "b t h c -> b t (h c)")
    out = ops.concatenate([ops.where(y > 0.1, ops.rsqrt(y * y + 1.0), y), ops.cast(x[:, :, :1] > 0, "float32")], -1)
    model = keras.Model(x, out)
    data = torch.randn(3, 6, 8)
    torch.testing.assert_close(_compiled(model)(data), model(data))


class Block(keras.layers.Layer):
    """A subclassed layer written with ops only (the usual Keras 3 style)."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 4), initializer="glorot_uniform")

    def call(self, x):
        h = ops.matmul(x, self.w)
        h = ops.scatter_update(h, [[0, 0]], ops.ones((1,)), reduction="add")
        h = ops.slice_update(h, (0, 1), ops.zeros((1, 3)))
        steps = ops.associative_scan(lambda a, b: a + b, h, axis=1)
        return ops.stop_gradient(steps[:, :1]) + ops.vectorized_map(lambda row: ops.sum(row * row), h)[:, None]


def test_subclassed_layer_of_ops_compiles_and_trains():
    model = keras.Sequential([keras.Input((5,)), Block()])
    data = torch.randn(4, 5)
    expected = model(data)
    torch.testing.assert_close(_compiled(model)(data), expected)
    _compiled(model)(data).sum().backward()
    assert model.layers[0].w.grad is not None


def test_control_flow_compiles_to_torch_control_flow():
    def loops(x):
        total = ops.fori_loop(0, 3, lambda i, s: s + x * i, ops.zeros_like(x))
        count, value = ops.while_loop(lambda i, v: i < 4, lambda i, v: (i + 1, v * 2.0),
                                      (torch.zeros((), dtype=torch.int64), x))
        chosen = ops.cond(x.sum() > 0, lambda: x + 1.0, lambda: x - 1.0)
        carry, ys = ops.scan(lambda c, row: (c + row, c * row), ops.zeros_like(x[0]), x)
        return total + value + chosen + ys + carry + ops.cast(count, "float32")

    x = torch.randn(3, 2)
    torch.testing.assert_close(_compiled(loops)(x), loops(x))
