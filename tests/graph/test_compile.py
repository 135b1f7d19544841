"""Functional and Sequential models trace with torch.compile(fullgraph=True): no graph breaks.

The eager backend is enough to prove there are no graph breaks (fullgraph raises on
one) and keeps the test fast; inductor is measured by the benchmarks.
"""

import torch

import lamina as keras
from lamina import layers


def _compiled(model):
    return torch.compile(model, fullgraph=True, backend="eager")


def test_functional_with_dropout_and_skip_compiles_without_graph_breaks():
    x = keras.Input(shape=(20,))
    h = layers.Dropout(0.2)(layers.Dense(16, activation="relu")(x))
    out = layers.Dense(3, activation="softmax")(layers.Add()([h, layers.Dense(16)(x)]))
    model = keras.Model(x, out)
    data = torch.randn(4, 20)
    torch.testing.assert_close(_compiled(model)(data), model(data))
    assert _compiled(model)(data, training=True).shape == (4, 3)


def test_sequential_compiles():
    model = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(4), layers.Dense(2)])
    data = torch.randn(3, 6)
    torch.testing.assert_close(_compiled(model)(data), model(data))


def test_masked_embedding_lstm_compiles_and_matches_eager():
    tokens = keras.Input(shape=(None,), dtype="int64")
    out = layers.LSTM(4)(layers.Embedding(50, 8, mask_zero=True)(tokens))
    model = keras.Model(tokens, out)
    data = torch.tensor([[1, 2, 0, 0], [3, 0, 0, 0]])
    torch.testing.assert_close(_compiled(model)(data), model(data))


def test_functional_exports_with_torch_export():
    x = keras.Input(shape=(5,))
    model = keras.Model(x, layers.Dense(2)(layers.Dense(3, activation="relu")(x)))
    program = torch.export.export(model, (torch.randn(2, 5),))
    data = torch.randn(2, 5)
    torch.testing.assert_close(program.module()(data), model(data))


def test_gru_compiles_and_trains_like_eager():
    # The fused GRU reorders its gates with an index tensor created on first use: that must
    # trace too (here the first call is the compiled one), with gradients.
    model = keras.Sequential([keras.Input(shape=(5, 3)), layers.GRU(4)])
    compiled = _compiled(model)
    data = torch.randn(2, 5, 3)
    out = compiled(data, training=True)
    out.sum().backward()
    compiled_grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    model(data, training=True).sum().backward()
    for got, expected in zip(compiled_grads, (p.grad for p in model.parameters())):
        torch.testing.assert_close(got, expected)
    torch.testing.assert_close(out, model(data))
