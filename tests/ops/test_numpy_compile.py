"""`lamina.ops.numpy` under `torch.compile(fullgraph=True)`: a function using many ops traces in
one graph (no graph break), and gives the eager values."""

import torch

import lamina.ops.numpy as knp


def _many_ops(x, y, i):
    a = knp.sqrt(knp.abs(x) + 1.0) + knp.maximum(x, 0.0) - knp.divide(x, y)
    b = knp.mean(a, axis=1, keepdims=True) + knp.var(a, axis=-1, keepdims=True)
    c = knp.matmul(a, knp.transpose(b * a)) + knp.einsum("ij,kj->ik", a, y)
    d = knp.concatenate([knp.reshape(c, (-1, 3)), knp.pad(knp.reshape(c, (-1, 3)), ((0, 0), (0, 0)), mode="reflect")])
    e = knp.take_along_axis(a, knp.argsort(a, axis=1), axis=1)[:, :2] + knp.take(a, torch.tensor([0, 2]), axis=1)
    f = knp.where(e > 0, e, 0.0) + knp.clip(e, -0.5, 0.5) + knp.cumsum(e, axis=1)
    g = knp.stack(knp.split(a, 2, axis=1)) + knp.repeat(knp.expand_dims(a[:, :2], 0), 2, axis=0)
    h = knp.sum(i, axis=(0, 1)) + knp.argmax(x, axis=1).sum() + knp.quantile(a, 0.3, axis=0).sum()
    r = knp.eye(2).sum() + knp.arange(4).sum() + knp.get_item(a, (slice(None), 1)).sum()
    return d.sum() + f.sum() + g.sum() + h + r + knp.tensordot(a, y, 2)


def test_many_ops_trace_in_one_graph_with_eager_values():
    torch.manual_seed(0)
    x, y = torch.randn(3, 4), torch.randn(3, 4).abs() + 0.5
    i = torch.randint(0, 5, (3, 4), dtype=torch.int32)
    expected = _many_ops(x, y, i)
    compiled = torch.compile(_many_ops, fullgraph=True, backend="eager")
    torch.testing.assert_close(compiled(x, y, i), expected, rtol=1e-5, atol=1e-5)


def test_dynamic_shapes_keep_integer_ranges_and_trace_without_breaks():
    fn = torch.compile(lambda x: knp.arange(x.shape[0]) + knp.zeros((x.shape[0],)) + knp.sum(knp.split(x, 2, axis=0)[0]),
                       dynamic=True, fullgraph=True, backend="eager")
    for n in (4, 6):
        out = fn(torch.ones(n, 3))
        torch.testing.assert_close(out, torch.arange(n, dtype=torch.float32) + n // 2 * 3)
    assert knp.arange(torch.ones(5).shape[0]).dtype == torch.int32
