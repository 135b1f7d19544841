"""`lamina.ops.numpy` shape, joining, splitting, padding and indexing functions against NumPy."""

import numpy as np
import pytest
import torch

import lamina.ops.numpy as knp

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def check(ours, expected):
    expected = np.asarray(expected)
    ours = ours if isinstance(ours, torch.Tensor) else torch.as_tensor(ours)
    assert tuple(ours.shape) == expected.shape, (tuple(ours.shape), expected.shape)
    np.testing.assert_array_equal(ours.detach().cpu().numpy(), expected)


CASES = [
    ("reshape", (X, (4, -1)), {}, lambda: np.reshape(X, (4, -1))),
    ("reshape", (X, 24), {}, lambda: np.reshape(X, 24)),
    ("ravel", (X,), {}, lambda: np.ravel(X)),
    ("transpose", (X,), {}, lambda: np.transpose(X)),
    ("transpose", (X, (1, -1, 0)), {}, lambda: np.transpose(X, (1, 2, 0))),
    ("swapaxes", (X, 0, -1), {}, lambda: np.swapaxes(X, 0, -1)),
    ("moveaxis", (X, 0, -1), {}, lambda: np.moveaxis(X, 0, -1)),
    ("moveaxis", (X, (0, 1), (-1, 0)), {}, lambda: np.moveaxis(X, (0, 1), (-1, 0))),
    ("expand_dims", (X, 1), {}, lambda: np.expand_dims(X, 1)),
    ("expand_dims", (X, (0, -1)), {}, lambda: np.expand_dims(X, (0, -1))),
    ("squeeze", (X[:1, :, :1],), {}, lambda: np.squeeze(X[:1, :, :1])),
    ("squeeze", (X[:1, :, :1], -1), {}, lambda: np.squeeze(X[:1, :, :1], -1)),
    ("squeeze", (X[:1, :, :1], (0, 2)), {}, lambda: np.squeeze(X[:1, :, :1], (0, 2))),
    ("broadcast_to", (X[0, 0], (3, 4)), {}, lambda: np.broadcast_to(X[0, 0], (3, 4))),
    ("flip", (X,), {}, lambda: np.flip(X)),
    ("flip", (X, (0, -1)), {}, lambda: np.flip(X, (0, -1))),
    ("fliplr", (X,), {}, lambda: np.fliplr(X)),
    ("flipud", (X,), {}, lambda: np.flipud(X)),
    ("rot90", (X,), {}, lambda: np.rot90(X)),
    ("rot90", (X, 3, (1, 2)), {}, lambda: np.rot90(X, 3, (1, 2))),
    ("rot90", (X, -1, (0, -1)), {}, lambda: np.rot90(X, -1, (0, -1))),
    ("roll", (X, 2), {}, lambda: np.roll(X, 2)),
    ("roll", (X, -1, 1), {}, lambda: np.roll(X, -1, 1)),
    ("roll", (X, (1, 2), (0, 2)), {}, lambda: np.roll(X, (1, 2), (0, 2))),
    ("tile", (X, 2), {}, lambda: np.tile(X, 2)),
    ("tile", (X, (2, 1, 1, 2)), {}, lambda: np.tile(X, (2, 1, 1, 2))),
    ("repeat", (X, 2), {}, lambda: np.repeat(X, 2)),
    ("repeat", (X, 3, 1), {}, lambda: np.repeat(X, 3, 1)),
    ("repeat", (X, [1, 0, 2], -2), {}, lambda: np.repeat(X, [1, 0, 2], -2)),
    ("concatenate", ([X, X],), {"axis": -1}, lambda: np.concatenate([X, X], axis=-1)),
    ("concatenate", ([X, X[:1]],), {}, lambda: np.concatenate([X, X[:1]])),
    ("concatenate", ([X, X[0]],), {"axis": None}, lambda: np.concatenate([X, X[0]], axis=None)),
    ("stack", ([X, X],), {"axis": -1}, lambda: np.stack([X, X], axis=-1)),
    ("hstack", ([X, X],), {}, lambda: np.hstack([X, X])),
    ("vstack", ([X[0, 0], X[1, 1]],), {}, lambda: np.vstack([X[0, 0], X[1, 1]])),
    ("dstack", ([X[0], X[1]],), {}, lambda: np.dstack([X[0], X[1]])),
    ("append", (X, X[0]), {}, lambda: np.append(X, X[0])),
    ("append", (X, X[:1]), {"axis": 0}, lambda: np.append(X, X[:1], axis=0)),
    ("take", (X, [0, -1, 2]), {}, lambda: np.take(X, [0, -1, 2])),
    ("take", (X, [[0, 2], [1, -1]]), {"axis": 2}, lambda: np.take(X, [[0, 2], [1, -1]], axis=2)),
    ("take", (X, np.array(1)), {"axis": 1}, lambda: np.take(X, 1, axis=1)),
    ("take_along_axis", (X, np.argsort(-X, axis=-1)), {"axis": -1},
     lambda: np.take_along_axis(X, np.argsort(-X, axis=-1), axis=-1)),
    ("take_along_axis", (X, np.zeros((1, 1, 4), np.int64)), {"axis": 0},
     lambda: np.take_along_axis(X, np.zeros((1, 1, 4), np.int64), axis=0)),
    ("take_along_axis", (X, np.array([3, 0])), {"axis": None},
     lambda: np.take_along_axis(X.ravel(), np.array([3, 0]), axis=0)),
    ("diag", (X[0],), {}, lambda: np.diag(X[0])),
    ("diag", (X[0, 0], -1), {}, lambda: np.diag(X[0, 0], -1)),
    ("diagflat", (X[0], 1), {}, lambda: np.diagflat(X[0], 1)),
    ("diagonal", (X,), {}, lambda: np.diagonal(X)),
    ("diagonal", (X, 1, 1, 2), {}, lambda: np.diagonal(X, 1, 1, 2)),
    ("diagonal", (X, -1, -1, 0), {}, lambda: np.diagonal(X, -1, -1, 0)),
    ("tril", (X,), {}, lambda: np.tril(X)),
    ("tril", (X, -1), {}, lambda: np.tril(X, -1)),
    ("triu", (X, 1), {}, lambda: np.triu(X, 1)),
    ("get_item", (X, (slice(None), 1)), {}, lambda: X[:, 1]),
    ("get_item", (X, (Ellipsis, None, slice(1, 3))), {}, lambda: X[..., None, 1:3]),
    ("get_item", (X, np.array([1, 0])), {}, lambda: X[np.array([1, 0])]),
    ("get_item", (X, X > 10), {}, lambda: X[X > 10]),
]


@pytest.mark.parametrize("name, args, kwargs, expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_numpy(name, args, kwargs, expected):
    check(getattr(knp, name)(*args, **kwargs), expected())


@pytest.mark.parametrize("name, args", [("split", (X, 2, 2)), ("split", (X, [1, 3], -1)), ("array_split", (X, 3, 2)),
                                        ("array_split", (X, [1, 5], 1)), ("hsplit", (X, 3)), ("vsplit", (X, [1])),
                                        ("dsplit", (X, 2)), ("split", (X[:0], 2, 0))])
def test_splits(name, args):
    ours = getattr(knp, name)(*args)
    expected = getattr(np, name)(*args)
    assert isinstance(ours, list) and len(ours) == len(expected)
    for a, b in zip(ours, expected):
        check(a, b)


PADS = [(1, "constant"), ((1, 2), "constant"), (((0, 1), (2, 0), (1, 1)), "constant"), (2, "edge"),
        (((1, 2), (3, 1), (0, 4)), "reflect"), (((1, 2), (3, 1), (0, 5)), "symmetric"), (((2, 3), (4, 0), (1, 6)), "wrap"),
        (((1, 0), (0, 2), (1, 1)), "maximum"), (((1, 0), (0, 2), (1, 1)), "minimum"), ((1, 2), "mean"),
        ((1, 1), "median")]


@pytest.mark.parametrize("pad_width, mode", PADS, ids=[f"{m}-{i}" for i, (_, m) in enumerate(PADS)])
def test_pad_matches_numpy(pad_width, mode):
    check(knp.pad(X, pad_width, mode=mode), np.pad(X, pad_width, mode=mode))
    ints = X.astype(np.int32)
    check(knp.pad(ints, pad_width, mode=mode), np.pad(ints, pad_width, mode=mode))


def test_pad_constant_values_and_bool():
    check(knp.pad(X, 1, constant_values=-5.0), np.pad(X, 1, constant_values=-5.0))
    b = X > 10
    check(knp.pad(b, 1, constant_values=True), np.pad(b, 1, constant_values=True))
    with pytest.raises(ValueError, match="ops.pad: `constant_values` can only be given with mode='constant'"):
        knp.pad(X, 1, mode="edge", constant_values=1)
    with pytest.raises(ValueError, match="ops.pad: argument `mode` must be one of"):
        knp.pad(X, 1, mode="linear")


def test_shape_queries_and_meshgrid():
    assert knp.ndim(X) == 3
    size = knp.size(X)
    assert size.dtype == torch.int32 and int(size) == 24
    for indexing in ("xy", "ij"):
        for ours, ref in zip(knp.meshgrid(np.arange(3), np.arange(4), indexing=indexing),
                             np.meshgrid(np.arange(3), np.arange(4), indexing=indexing)):
            check(ours, ref)
    for ours, ref in zip(knp.unravel_index(np.array([5, 22]), (2, 3, 4)), np.unravel_index([5, 22], (2, 3, 4))):
        check(ours, ref)
    for ours, ref in zip(knp.nonzero(X > 20), np.nonzero(X > 20)):
        check(ours, ref)
    assert knp.nonzero(X)[0].dtype == torch.int32
    check(knp.view(np.array([1.0], np.float32), "int32"), np.array([1.0], np.float32).view(np.int32))


def test_shape_errors_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"ops.reshape: cannot reshape a tensor of shape \(2, 3, 4\).*into shape \(5, -1\)"):
        knp.reshape(X, (5, -1))
    with pytest.raises(ValueError, match=r"ops.squeeze: cannot squeeze axis 1 of size 3"):
        knp.squeeze(X, 1)
    with pytest.raises(ValueError, match=r"ops.concatenate: all tensors must match in every axis but axis 0"):
        knp.concatenate([X, X[:, :2, :2]])
    with pytest.raises(ValueError, match=r"ops.stack: all tensors must have the same shape"):
        knp.stack([X, X[:1]])
    with pytest.raises(ValueError, match=r"ops.split: axis 2 of size 4 cannot be split into 3 equal sections"):
        knp.split(X, 3, axis=2)
    with pytest.raises(ValueError, match=r"ops.broadcast_to: cannot broadcast a tensor of shape \(2, 3, 4\)"):
        knp.broadcast_to(X, (3, 4))
    with pytest.raises(ValueError, match=r"ops.transpose: `axes` must be a permutation of all 3 axes"):
        knp.transpose(X, (0, 1))
    with pytest.raises(ValueError, match=r"ops.expand_dims: argument `axis`=5 is out of range"):
        knp.expand_dims(X, 5)
    with pytest.raises(TypeError, match=r"ops.take: argument `indices` must be an integer tensor"):
        knp.take(X, [0.5])


def test_gradients_flow_through_shape_ops():
    x = torch.randn(2, 3, 4, dtype=torch.float64, requires_grad=True)
    for fn in (lambda t: knp.transpose(t, (2, 0, 1)), lambda t: knp.concatenate([t, t], 1),
               lambda t: knp.take(t, [0, 2, 2], axis=1), lambda t: knp.pad(t, 1, mode="reflect"),
               lambda t: knp.repeat(t, 2, axis=0), lambda t: knp.take_along_axis(t, torch.zeros(2, 1, 4, dtype=torch.long), 1),
               lambda t: knp.split(t, [1], axis=2)[1], lambda t: knp.tril(t)):
        assert torch.autograd.gradcheck(fn, (x,))


def test_repeat_with_int_keeps_static_shapes_for_compile():
    fn = torch.compile(lambda t: knp.repeat(t, 2, axis=1), fullgraph=True, backend="eager")
    check(fn(torch.from_numpy(X)), np.repeat(X, 2, axis=1))
