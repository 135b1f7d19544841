"""lamina.ops.core (and einops.rearrange): values against NumPy, gradients, symbolic shapes, errors."""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import ops


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


# ---------------------------------------------------------------- values, table-driven against NumPy

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 10.0

CASES = [
    ("cast_int", lambda: ops.cast(np.array([1.7, -1.7, 3.2]), "int32"), np.array([1, -1, 3], np.int32)),
    ("cast_torch_dtype", lambda: ops.cast(torch.tensor([1, 2]), torch.float16), np.array([1, 2], np.float16)),
    ("cast_python", lambda: ops.cast(3, "float64"), np.array(3.0)),
    ("saturate_uint8", lambda: ops.saturate_cast(np.array([-1.0, 256.0, 7.6, np.inf], np.float32), "uint8"),
     np.array([0, 255, 7, 255], np.uint8)),
    ("saturate_int8_from_int32", lambda: ops.saturate_cast(np.array([-300, 5, 300], np.int32), "int8"),
     np.array([-128, 5, 127], np.int8)),
    ("convert_list", lambda: ops.convert_to_tensor([[1, 2], [3, 4]]), np.array([[1, 2], [3, 4]], np.int32)),
    ("stop_gradient", lambda: ops.stop_gradient(torch.tensor([1.0, 2.0], requires_grad=True)), np.array([1.0, 2.0])),
    ("slice", lambda: ops.slice(X, (0, 1, 1), (2, 2, 3)), X[0:2, 1:3, 1:4]),
    ("slice_tensor_starts", lambda: ops.slice(X, torch.tensor([1, 0, 2]), (1, 3, 2)), X[1:2, 0:3, 2:4]),
    ("slice_update", lambda: ops.slice_update(X, (1, 1, 0), np.ones((1, 2, 4), np.float32)),
     np.concatenate([X[:1], np.concatenate([X[1:, :1], np.ones((1, 2, 4), np.float32)], 1)], 0)),
    ("scatter_repeats_add", lambda: ops.scatter(np.array([[0], [2], [0]]), np.array([1.0, 2.0, 3.0]), (4,)),
     np.array([4.0, 0.0, 2.0, 0.0])),
    ("scatter_2d_rows", lambda: ops.scatter(np.array([[1, 0], [0, 2]]), np.array([[5.0, 6.0], [7.0, 8.0]]), (2, 3, 2)),
     np.array([[[0, 0], [0, 0], [7, 8]], [[5, 6], [0, 0], [0, 0]]], np.float64)),
    ("scatter_update", lambda: ops.scatter_update(np.zeros((2, 3), np.float32), [[0, 1], [1, 2]], [5.0, 6.0]),
     np.array([[0, 5, 0], [0, 0, 6]], np.float32)),
    ("scatter_update_rows", lambda: ops.scatter_update(np.zeros((3, 2), np.float32), [[2]], [[1.0, 2.0]]),
     np.array([[0, 0], [0, 0], [1, 2]], np.float32)),
    ("scatter_update_add", lambda: ops.scatter_update(np.ones(4, np.float32), [[1], [1]], [2.0, 3.0], "add"),
     np.array([1, 6, 1, 1], np.float32)),
    ("scatter_update_max", lambda: ops.scatter_update(np.ones(3, np.float32), [[0], [0], [2]], [5.0, 7.0, -1.0], "max"),
     np.array([7, 1, 1], np.float32)),
    ("scatter_update_mul", lambda: ops.scatter_update(np.full(2, 2.0, np.float32), [[0], [0]], [3.0, 4.0], "mul"),
     np.array([24, 2], np.float32)),
    ("unstack", lambda: torch.stack(ops.unstack(X, axis=-1)), np.moveaxis(X, -1, 0)),
    ("associative_scan_add_odd", lambda: ops.associative_scan(lambda a, b: a + b, np.arange(7.0)), np.cumsum(np.arange(7.0))),
    ("associative_scan_reverse_axis1",
     lambda: ops.associative_scan(lambda a, b: a + b, X, reverse=True, axis=1), np.flip(np.cumsum(np.flip(X, 1), 1), 1)),
    ("associative_scan_max", lambda: ops.associative_scan(torch.maximum, np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])),
     np.maximum.accumulate(np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]))),
    ("associative_scan_structure",
     lambda: ops.associative_scan(lambda a, b: (a[0] + b[0], a[1] * b[1]), (np.arange(5.0), np.arange(1.0, 6.0)))[1],
     np.cumprod(np.arange(1.0, 6.0))),
    ("scan_cumsum", lambda: ops.scan(lambda c, x: (c + x, c * x), np.float32(0.0), np.arange(4.0, dtype=np.float32))[1],
     np.array([0.0, 0.0, 2.0, 9.0], np.float32)),
    ("scan_reverse_length", lambda: ops.scan(lambda c, _: (c + 1, c), torch.tensor(0), length=3, reverse=True)[1],
     np.array([2, 1, 0])),
    ("map", lambda: ops.map(lambda x: x.sum(), X), X.reshape(2, -1).sum(-1)),
    ("map_dict", lambda: ops.map(lambda d: d["a"] * d["b"], {"a": np.ones((2, 2)), "b": np.full((2, 2), 3.0)}),
     np.full((2, 2), 3.0)),
    ("vectorized_map", lambda: ops.vectorized_map(lambda x: x @ x, X[0]), (X[0] * X[0]).sum(-1)),
    ("while_loop", lambda: ops.while_loop(lambda i: i < 10, lambda i: i + 3, torch.tensor(0)), np.array(12)),
    ("while_loop_max_iter", lambda: ops.while_loop(lambda i, s: i < 10, lambda i, s: (i + 1, s * 2), (0, 1),
                                                   maximum_iterations=3)[1], np.array(8)),
    ("fori_loop", lambda: ops.fori_loop(0, 5, lambda i, s: s + i, torch.tensor(0)), np.array(10)),
    ("fori_loop_tensor_bounds", lambda: ops.fori_loop(torch.tensor(1), torch.tensor(4), lambda i, s: s * i, torch.tensor(1)), np.array(6)),
    ("cond_true", lambda: ops.cond(torch.tensor(True), lambda: torch.tensor(1), lambda: torch.tensor(2)), np.array(1)),
    ("cond_python", lambda: ops.cond(False, lambda: torch.tensor(1), lambda: torch.tensor(2)), np.array(2)),
    ("switch_clamped", lambda: ops.switch(7, [lambda x: x + 1, lambda x: x - 1], torch.tensor(5)), np.array(4)),
    ("switch_negative", lambda: ops.switch(torch.tensor(-2), [lambda x: x + 1, lambda x: x - 1], torch.tensor(5)),
     np.array(6)),
    ("rearrange_transpose", lambda: ops.rearrange(X, "b h w -> b w h"), X.transpose(0, 2, 1)),
    ("rearrange_merge", lambda: ops.rearrange(X, "b h w -> (b h) w"), X.reshape(6, 4)),
    ("rearrange_split", lambda: ops.rearrange(X, "b h (w1 w) -> (b w1) h w", w1=2),
     X.reshape(2, 3, 2, 2).transpose(0, 2, 1, 3).reshape(4, 3, 2)),
    ("rearrange_group_out", lambda: ops.rearrange(X, "b (h) (w w1) -> b h (w1 w)", w1=2),
     X.reshape(2, 3, 2, 2).transpose(0, 1, 3, 2).reshape(2, 3, 4)),
]


@pytest.mark.parametrize("name, run, expected", CASES, ids=[c[0] for c in CASES])
def test_values_match_numpy(name, run, expected):
    out = run()
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(_np(out), expected, rtol=1e-6, atol=1e-6)
    if name.startswith(("cast", "saturate", "convert", "scatter_update", "slice")):
        assert _np(out).dtype == np.asarray(expected).dtype


def test_empty_and_nan_inputs():
    assert ops.unstack(torch.zeros(0, 3)) == []
    assert ops.scatter(np.zeros((0, 1), np.int64), np.zeros(0, np.float32), (3,)).tolist() == [0, 0, 0]
    out = ops.saturate_cast(torch.tensor([float("nan"), -float("inf")]), "float16")
    assert torch.isnan(out[0]) and out[1] == torch.finfo(torch.float16).min
    assert ops.associative_scan(lambda a, b: a + b, torch.zeros(0)).shape == (0,)
    carry, ys = ops.scan(lambda c, x: (c, x), torch.tensor(0.0), torch.zeros(0, 2))
    assert ys is None and carry == 0


def test_info_functions():
    assert ops.shape(torch.zeros(2, 3)) == (2, 3)
    assert ops.shape(keras.Input((None, 3))) == (None, None, 3)
    assert ops.dtype(torch.zeros(1, dtype=torch.int8)) == "int8" and ops.dtype(keras.Input((2,))) == "float32"
    assert ops.is_tensor(torch.zeros(1)) and not ops.is_tensor(np.zeros(1)) and not ops.is_tensor(keras.Input((1,)))
    assert isinstance(ops.convert_to_numpy(torch.ones(2, requires_grad=True)), np.ndarray)
    with pytest.raises(ValueError, match="ops.convert_to_numpy: a symbolic tensor"):
        ops.convert_to_numpy(keras.Input((2,)))


def test_devices_follow_the_input():
    x = torch.arange(4.0)
    for out in (ops.cast(x, "int32"), ops.slice(x, (1,), (2,)), ops.scatter_update(x, [[0]], [9.0]),
                ops.associative_scan(lambda a, b: a + b, x), ops.stop_gradient(x)):
        assert out.device == x.device


# ---------------------------------------------------------------- gradients

def test_gradients_flow():
    x = torch.randn(3, 4, requires_grad=True)
    u = torch.randn(1, 2, requires_grad=True)
    total = (ops.slice(x, (1, 1), (2, 2)).sum() + ops.slice_update(x, (0, 0), u).sum()
             + ops.scatter_update(x, [[0, 0]], u[0, :1], "add").sum()
             + ops.associative_scan(lambda a, b: a * b, x, axis=1).sum()
             + ops.scan(lambda c, r: (c + r, c), torch.zeros(4), x)[0].sum()
             + ops.vectorized_map(lambda r: (r * r).sum(), x).sum()
             + ops.cast(x, "float64").sum())
    total.backward()
    assert x.grad is not None and u.grad is not None and torch.isfinite(x.grad).all()
    y = torch.randn(2, requires_grad=True)
    assert not ops.stop_gradient(y * 2).requires_grad


def test_custom_gradient_keyword_and_positional_forms():
    @ops.custom_gradient
    def log1pexp(x):
        e = torch.exp(x)

        def grad(*args, upstream=None):
            return upstream * (1.0 - 1.0 / (1 + e))

        return torch.log(1 + e), grad

    @ops.custom_gradient
    def clip_gradient(x, limit):
        def grad(upstream):
            return torch.clamp(upstream, -limit, limit)

        return x * 1.0, grad

    x = torch.tensor([100.0, 0.0], requires_grad=True)
    log1pexp(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.tensor([1.0, 0.5]))
    z = torch.tensor([1.0], requires_grad=True)
    (clip_gradient(z, 0.25) * 10).sum().backward()
    torch.testing.assert_close(z.grad, torch.tensor([0.25]))


def test_custom_gradient_counts_its_gradients():
    @ops.custom_gradient
    def two_inputs(a, b):
        return a * b, lambda upstream: upstream

    with pytest.raises(ValueError, match="returned 1 gradient\\(s\\) for 2 tensor input\\(s\\)"):
        two_inputs(torch.ones(1, requires_grad=True), torch.ones(1, requires_grad=True)).sum().backward()


# ---------------------------------------------------------------- symbolic shapes

@pytest.mark.parametrize("build, shape, dtype", [
    (lambda x: ops.cast(x, "int32"), (None, 3, 4), "int32"),
    (lambda x: ops.saturate_cast(x, "uint8"), (None, 3, 4), "uint8"),
    (lambda x: ops.convert_to_tensor(x, "float16"), (None, 3, 4), "float16"),
    (lambda x: ops.stop_gradient(x), (None, 3, 4), "float32"),
    (lambda x: ops.slice(x, (0, 1, 0), (2, 2, 4)), (2, 2, 4), "float32"),
    (lambda x: ops.unstack(x, axis=1)[2], (None, 4), "float32"),
    (lambda x: ops.rearrange(x, "b h (w1 w) -> (w1 h) b w", w1=2), (6, None, 2), "float32"),
    (lambda x: ops.associative_scan(lambda a, b: a + b, x, axis=1), (None, 3, 4), "float32"),
    (lambda x: ops.vectorized_map(lambda r: r.sum(-1), x), (None, 3), "float32"),
    (lambda x: ops.map(lambda r: r[0], x), (None, 4), "float32"),
    (lambda x: ops.scan(lambda c, r: (c + r, c), ops.zeros((3, 4)), x)[1], (None, 3, 4), "float32"),
])
def test_symbolic_shapes_and_dtypes(build, shape, dtype):
    out = build(keras.Input((3, 4)))
    assert out.shape == shape and keras.backend.dtype_name(out.dtype) == dtype


def test_symbolic_ops_run_in_a_model_and_save(tmp_path):
    x = keras.Input((3, 4))
    y = ops.rearrange(ops.cast(x, "float16"), "b h w -> b w h")
    z = ops.slice_update(ops.convert_to_tensor(x), (0, 0, 0), ops.zeros((1, 1, 4)))
    a, b, c = ops.unstack(x, axis=1)
    model = keras.Model(x, [y, z, a + c])
    data = torch.randn(2, 3, 4)
    outs = model(data)
    torch.testing.assert_close(outs[0], data.half().transpose(1, 2))
    assert outs[1].shape == (2, 3, 4)
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    for p, q in zip(again(data), outs):
        torch.testing.assert_close(p, q)


def test_cond_on_a_symbolic_predicate_says_what_to_do():
    x = keras.Input((3,))
    with pytest.raises(ValueError, match="ops.cond: the predicate is a symbolic tensor.*ops.where"):
        ops.cond(ops.any(x > 0), lambda: x, lambda: -x)


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("run, error, match", [
    (lambda: ops.cast(torch.ones(1), "float128"), ValueError, "Invalid dtype"),
    (lambda: ops.slice(torch.ones(2, 3), (0,), (1, 1)), ValueError, "ops.slice: `start_indices` \\(1 values\\)"),
    (lambda: ops.slice(torch.ones(2), "a", (1,)), ValueError, "ops.slice: `start_indices` must be a list"),
    (lambda: ops.slice_update(torch.ones(4), (3,), torch.ones(2)), ValueError, "does not fit dimension 0 of size 4"),
    (lambda: ops.scatter([[0.5]], [1.0], (2,)), ValueError, "ops.scatter: `indices` must be integers"),
    (lambda: ops.scatter([[0]], [1.0, 2.0], (2,)), ValueError, "ops.scatter: `values` of shape \\(2,\\)"),
    (lambda: ops.scatter([[0, 0, 0]], [1.0], (2, 2)), ValueError, "address 3 dimensions but the tensor has rank 2"),
    (lambda: ops.scatter_update(torch.ones(3), [[0]], [1.0], "avg"), ValueError, "`reduction` must be None"),
    (lambda: ops.scatter_update(torch.ones(3), [[0], [1]], [1.0], None), ValueError, "`updates` of shape \\(1,\\)"),
    (lambda: ops.unstack(torch.ones(2, 3), num=3), ValueError, "`num`=3 does not match the size 2"),
    (lambda: ops.unstack(torch.ones(2, 3), axis=2), ValueError, "`axis` 2 is out of range"),
    (lambda: ops.cond(torch.ones(2) > 0, lambda: 1, lambda: 2), ValueError, "`pred` must be a scalar"),
    (lambda: ops.cond(True, 1, lambda: 2), TypeError, "`true_fn` must be a callable"),
    (lambda: ops.switch(0, [], 1), ValueError, "`branches` must be a non-empty list"),
    (lambda: ops.while_loop(lambda i: i < 3, lambda i: i + 1, 0, maximum_iterations=-1), ValueError,
     "`maximum_iterations` must be None or a non-negative int"),
    (lambda: ops.scan(lambda c, x: (c, x), 0.0), ValueError, "no `xs` to scan over and no `length`"),
    (lambda: ops.scan(lambda c, x: (c, x), 0.0, [np.ones(2), np.ones(3)]), ValueError, "needs leading size 2"),
    (lambda: ops.scan(lambda c, x: (c, x), 0.0, np.ones(2), unroll=0), ValueError, "`unroll` must be a positive int"),
    (lambda: ops.associative_scan(lambda a, b: a + b, (np.ones(2), np.ones(3))), ValueError, "the same size along axis 0"),
    (lambda: ops.vectorized_map(3, np.ones(2)), TypeError, "`function` must be a callable"),
    (lambda: ops.rearrange(torch.ones(2, 3), "a b c -> c b a"), ValueError, "names 3 input axes, but the tensor has rank 2"),
    (lambda: ops.rearrange(torch.ones(2, 3), "a b -> a"), ValueError, "must name the same axes"),
    (lambda: ops.rearrange(torch.ones(2, 6), "a (b c) -> a b c"), ValueError, "needs the lengths of all but one"),
    (lambda: ops.rearrange(torch.ones(2, 6), "a (b c) -> a b c", b=4), ValueError, "is not divisible by 4"),
    (lambda: ops.rearrange(torch.ones(2, 6), "a b -> b a", z=2), ValueError, "`axes_lengths` names \\['z'\\]"),
    (lambda: ops.rearrange(torch.ones(2, 6), "a b", z=2), ValueError, "`pattern` must be a string"),
    (lambda: ops.cast(torch.ones(1), "float128"), ValueError, "float128"),
])
def test_bad_input_errors_name_the_op_and_argument(run, error, match):
    with pytest.raises(error, match=match):
        run()


def test_symbolic_bad_input_fails_at_graph_construction():
    x = keras.Input((None, 2))
    with pytest.raises(ValueError, match="ops.unstack: the size of axis 1 .* is unknown; pass `num=`"):
        ops.unstack(x, axis=1)
    with pytest.raises(ValueError, match="ops.rearrange: pattern 'a b -> b a' names 2 input axes, but the tensor has rank 3"):
        ops.rearrange(x, "a b -> b a")
