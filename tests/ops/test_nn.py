"""`lamina.ops.nn`: Keras-computed values for every op (fixtures made by
tools/keras_crosscheck/make_opsc_fixtures.py), the contract with Keras's op table, gradients,
dtypes and errors."""

import numpy as np
import pytest
import torch

import lamina.ops.nn as nn
from tests.ops._keras_cases import (
    assert_case_matches,
    check_contract,
    keras_table,
    load_cases,
    run_symbolic,
)

CASES, ARRAYS = load_cases("nn")
KERAS = keras_table("nn")
MODULES = [f"lamina.ops.nn.{name}" for name in (
    "activations",
    "attention",
    "conv",
    "ctc",
    "layout",
    "losses",
    "normalization",
    "pooling",
)]


@pytest.mark.parametrize("name,spec", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(name, spec):
    assert_case_matches(spec, ARRAYS)


@pytest.mark.parametrize("name,spec", CASES, ids=[c[0] for c in CASES])
def test_symbolic_call_gives_kerass_shapes_and_dtypes(name, spec):
    got, want = run_symbolic(spec, ARRAYS)
    assert got == want


def test_every_op_has_a_keras_case():
    covered = {spec["op"].split(".")[1] for _, spec in CASES}
    # Aliases share their function; the rest is checked in the tests below.
    # sparsemax: Keras 3.15's is wrong (rows do not sum to 1), so it is checked against NumPy.
    assert set(KERAS) - covered == {"swish", "hard_swish", "polar", "sparsemax"}


def test_every_keras_name_and_nothing_else():
    assert sorted(KERAS) == sorted(nn.__all__)


@pytest.mark.parametrize("name", sorted(KERAS))
def test_contract_with_keras(name):
    check_contract(getattr(nn, name), KERAS[name], "nn")


# ---------------------------------------------------------------------------- behaviour


def test_aliases_and_polar():
    assert nn.swish is nn.silu and nn.hard_swish is nn.hard_silu
    z = nn.polar(torch.tensor([2.0, 1.0]), torch.tensor([0.0, np.pi / 2]))
    torch.testing.assert_close(z, torch.tensor([2.0 + 0j, 0.0 + 1j]), atol=1e-6, rtol=0)


def _sparsemax_reference(z):
    """Martins & Astudillo (2016), algorithm 1, one row."""
    z_sorted = np.sort(z)[::-1]
    cumulative = np.cumsum(z_sorted)
    k = np.arange(1, len(z) + 1)
    support = 1 + k * z_sorted > cumulative
    k_z = k[support][-1]
    tau = (cumulative[support][-1] - 1) / k_z
    return np.maximum(z - tau, 0)


@pytest.mark.parametrize("axis", [-1, 0])
def test_sparsemax_matches_the_reference_algorithm(axis):
    x = np.random.RandomState(3).uniform(-2, 2, size=(4, 6)).astype("float32")
    expected = np.apply_along_axis(_sparsemax_reference, axis, x)
    got = nn.sparsemax(torch.tensor(x), axis=axis).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got.sum(axis=axis), 1.0, rtol=1e-5)


def test_gradients_flow():
    x = torch.randn(2, 6, 6, 3, requires_grad=True)
    kernel = torch.randn(3, 3, 3, 4, requires_grad=True)
    y = nn.conv(x, kernel, padding="same")
    y = nn.max_pool(y, 2) + nn.average_pool(y, 2, padding="same")
    loss = nn.layer_normalization(y).sum() + nn.conv_transpose(y, torch.randn(2, 2, 5, 4), 2).sum()
    q = torch.randn(2, 4, 2, 8, requires_grad=True)
    loss = loss + nn.dot_product_attention(q, q, q, is_causal=True).sum()
    logits = torch.randn(2, 6, 4, requires_grad=True)
    loss = loss + nn.ctc_loss(torch.tensor([[1, 2], [3, 0]]), logits, torch.tensor([2, 1]),
                              torch.tensor([6, 5])).sum()
    loss.backward()
    for t in (x, kernel, q, logits):
        assert t.grad is not None and torch.isfinite(t.grad).all()


def test_half_precision_normalization_keeps_dtype():
    x = torch.randn(2, 8).half()
    assert nn.layer_normalization(x).dtype == torch.float16
    assert nn.rms_normalization(x).dtype == torch.float16
    mean, variance = nn.moments(x, axes=[1])
    assert mean.dtype == variance.dtype == torch.float16


def test_fully_masked_attention_row_is_uniform_not_nan():
    q = torch.randn(1, 2, 1, 4)
    v = torch.randn(1, 3, 1, 4)
    mask = torch.tensor([[True, True, True], [False, False, False]])
    out = nn.dot_product_attention(q, q.new_zeros(1, 3, 1, 4), v, mask=mask)
    torch.testing.assert_close(out[0, 1, 0], v[0, :, 0].mean(0))


def test_ctc_beam_search_prefers_the_most_likely_labelling():
    # Two frames: "a" is likelier per frame, but "a a" collapses to "a" while "b" needs a blank
    # path; the summed probability of "a" is highest.
    logits = torch.log(torch.tensor([[[0.2, 0.5, 0.3], [0.2, 0.5, 0.3]]]))
    decoded, scores = nn.ctc_decode(logits, torch.tensor([2]), "beam_search", 4, 2)
    assert decoded[0, 0].tolist() == [1, -1] and decoded.dtype == torch.int32
    # P("a") = .5*.5 + .5*.2 + .2*.5
    assert abs(scores[0, 0].item() - np.log(0.45)) < 1e-5


ERRORS = [
    (lambda: nn.conv(torch.ones(1, 5, 3), torch.ones(3, 2, 4)), "conv: the input has 3 channels"),
    (lambda: nn.conv(torch.ones(5, 3), torch.ones(3, 3, 4)), "conv: `inputs` must have rank 3, 4 or 5"),
    (lambda: nn.conv(torch.ones(1, 2, 3), torch.ones(3, 3, 4)), "larger than the input's spatial"),
    (lambda: nn.conv(torch.ones(1, 5, 3), torch.ones(3, 3, 4), padding="full"), "`padding` must be 'valid' or 'same'"),
    (lambda: nn.conv(torch.ones(1, 5, 3), torch.ones(3, 3, 4), data_format="NHWC"), "`data_format` must be"),
    (lambda: nn.conv_transpose(torch.ones(1, 5, 3), torch.ones(3, 4, 3), 2, output_padding=2), "smaller than the"),
    (lambda: nn.depthwise_conv(torch.ones(1, 5, 3), torch.ones(3, 2, 1)), "depthwise_conv: the kernel's input channels"),
    (lambda: nn.max_pool(torch.ones(1, 2, 3), 3), "max_pool: the pool size"),
    (lambda: nn.average_pool(torch.ones(1, 4, 3), (2, 2)), "`pool_size` must be an int or a tuple of 1 ints"),
    (lambda: nn.one_hot(torch.tensor([1]), 0), "one_hot: `num_classes` must be a positive int"),
    (lambda: nn.one_hot(torch.tensor([1]), 3, sparse=True), "sparse=True is not supported"),
    (lambda: nn.multi_hot(torch.tensor([1])), "multi_hot: `num_classes` must be given"),
    (lambda: nn.categorical_crossentropy(torch.ones(2, 3), torch.ones(2, 4)), "same shape"),
    (lambda: nn.sparse_categorical_crossentropy(torch.ones(3), torch.ones(2, 4)), "without the class axis"),
    (lambda: nn.sparse_categorical_crossentropy(torch.tensor([0, 5]), torch.ones(2, 5)), "class indices in \\[0, 5\\], but `output` has 5 classes"),
    (lambda: nn.batch_normalization(torch.ones(2, 3), torch.ones(2), torch.ones(3), axis=-1), "`mean` must hold one value per channel"),
    (lambda: nn.moments(torch.ones(2, 3), axes=[2]), "moments: `axes`=2 is out of range"),
    (lambda: nn.normalize(torch.ones(3), order=0), "normalize: `order` must be an int >= 1"),
    (lambda: nn.dot_product_attention(torch.ones(2, 3, 4), torch.ones(2, 3, 4), torch.ones(2, 3, 4)), "`query` must have rank 4"),
    (lambda: nn.dot_product_attention(*(torch.ones(1, 2, 2, 4),) * 3, bias=torch.ones(1), mask=torch.ones(1)), "not both"),
    (lambda: nn.dot_product_attention(*(torch.ones(1, 2, 2, 4),) * 3, attn_logits_soft_cap=5.0), "only supported by Keras on JAX/TPU"),
    (lambda: nn.ctc_decode(torch.ones(1, 3, 2), torch.tensor([3]), strategy="best"), "`strategy` must be one of"),
    (lambda: nn.ctc_decode(torch.ones(1, 3, 2), torch.tensor([3, 3])), "`sequence_lengths` must have shape \\(1,\\)"),
    (lambda: nn.depth_to_space(torch.ones(1, 2, 2, 6), 2), "divisible by block_size\\*\\*2"),
    (lambda: nn.space_to_depth(torch.ones(1, 3, 2, 1), 2), "must be divisible by block_size=2"),
    (lambda: nn.unfold(torch.ones(2, 3, 4), 2), "unfold: `x` must have rank 4"),
    (lambda: nn.layer_normalization(torch.ones(2, 3), bogus=1), "unexpected keyword arguments"),
]


@pytest.mark.parametrize("call,message", ERRORS, ids=[e[1][:30] for e in ERRORS])
def test_errors_name_op_argument_and_value(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_ops_trace_under_torch_compile_fullgraph():
    # One function over nn, image, math and linalg ops: no graph breaks, same values as eager.
    from lamina import ops

    def f(x, q, img, sig):
        y = ops.average_pool(ops.conv(x, torch.ones(3, 3, 3, 4), 2, "same"), 2, padding="same")
        a = ops.dot_product_attention(q, q, q, is_causal=True)
        r = ops.image.resize(img, (5, 7), "bicubic", antialias=True)
        t = ops.image.affine_transform(img, torch.tensor([1.0, 0.1, 0.3, -0.1, 1.0, 0.2, 0, 0]))
        s = ops.stft(sig, 8, 4, 8)[0]
        return y.sum() + a.sum() + r.sum() + t.sum() + s.sum() + ops.top_k(sig, 3).values.sum()

    torch.manual_seed(0)
    args = (torch.randn(2, 9, 8, 3), torch.randn(2, 4, 2, 8), torch.rand(2, 9, 12, 3),
            torch.randn(2, 32))
    # backend="eager": dynamo must trace it whole (fullgraph); code generation is not under test.
    compiled = torch.compile(f, fullgraph=True, backend="eager")
    torch.testing.assert_close(compiled(*args), f(*args), rtol=1e-4,
                               atol=1e-3)


def test_synchronized_moments_pool_statistics_across_processes(monkeypatch):
    # Two "processes" holding halves of a batch: the all-reduce is simulated by adding the other
    # half's sums, so the result must be the statistics of the whole batch.
    from lamina.ops.nn import normalization

    full = torch.randn(6, 4, dtype=torch.float64)
    halves = [full[:3], full[3:]]
    sums = {}

    def fake_all_reduce(tensor):
        key = tuple(tensor.shape)
        other = sums[key]
        return tensor + other

    monkeypatch.setattr(normalization, "_world_size", lambda: 2)
    monkeypatch.setattr(normalization, "_all_reduce_sum", fake_all_reduce)
    # What the second process contributes to each all-reduce.
    other = halves[1]
    sums[(2, 1, 4)] = torch.stack([other.sum(0, keepdim=True), (other * other).sum(0, keepdim=True)])
    sums[()] = torch.tensor(3.0, dtype=torch.float64)
    mean, variance = nn.moments(halves[0], axes=[0], synchronized=True)
    torch.testing.assert_close(mean, full.mean(0))
    torch.testing.assert_close(variance, full.var(0, correction=0))


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_are_true(module):
    from tests.ops._keras_cases import run_doctests

    failed, attempted = run_doctests(module)
    assert attempted > 0 and failed == 0


def test_attention_bias_with_is_causal_adds_the_causal_mask():
    q = torch.randn(1, 4, 1, 8, dtype=torch.float64)
    bias = torch.randn(1, 1, 4, 4, dtype=torch.float64)
    causal = torch.full((4, 4), float("-inf"), dtype=torch.float64).triu(1)
    expected = nn.dot_product_attention(q, q, q, bias=bias + causal)
    torch.testing.assert_close(nn.dot_product_attention(q, q, q, bias=bias, is_causal=True),
                               expected)


GRADCHECK = [
    ("conv_same_strided", lambda x: nn.conv(x, x[0, :3, :3, :].unsqueeze(-1).expand(3, 3, 2, 2),
                                            2, "same")),
    ("conv_transpose", lambda x: nn.conv_transpose(x, x[0, :2, :2, :].unsqueeze(-1).expand(2, 2, 2, 2), 2, "same")),
    ("average_pool_same", lambda x: nn.average_pool(x, 3, 2, "same")),
    ("layer_norm_axes", lambda x: nn.layer_normalization(x, axis=[1, 3])),
    ("normalize_l1", lambda x: nn.normalize(x, axis=-1, order=1)),
    ("attention_masked", lambda x: nn.dot_product_attention(
        x, x, x, mask=torch.tensor([[True, False, True, True]] * 4))),
]


@pytest.mark.parametrize("name,fn", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradients_match_finite_differences(name, fn):
    x = torch.randn(1, 4, 4, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(fn, (x,), eps=1e-6, atol=1e-5, fast_mode=True)
