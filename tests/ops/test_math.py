"""`lamina.ops.math` against NumPy (and Keras-JAX facts where NumPy has no equivalent)."""

import math

import numpy as np
import pytest
import torch

from lamina.ops import math as m

RNG = np.random.RandomState(0)


def _np(t):
    return t.detach().cpu().numpy()


# ------------------------------------------------------------------------------- segment ops

SEGMENT_CASES = [
    # op, numpy reduction, value of an empty segment
    (m.segment_sum, np.add.reduce, 0.0),
    (m.segment_max, np.maximum.reduce, -np.inf),
    (m.segment_min, np.minimum.reduce, np.inf),
    (m.segment_prod, np.multiply.reduce, 1.0),
]


def _segment_reference(reduce, empty, data, ids, num_segments):
    out = np.full((num_segments,) + data.shape[1:], empty, dtype=data.dtype)
    for s in range(num_segments):
        rows = data[ids == s]
        if len(rows):
            out[s] = reduce(rows, axis=0)
    return out


@pytest.mark.parametrize("op,reduce,empty", SEGMENT_CASES, ids=lambda c: getattr(c, "__name__", ""))
@pytest.mark.parametrize("num_segments", [None, 5, 2])
def test_segment_reductions_match_numpy(op, reduce, empty, num_segments):
    data = RNG.randn(7, 3).astype("float32")
    ids = np.array([0, 0, 3, 1, 3, 3, -1])  # segment 2 empty, -1 dropped
    n = 4 if num_segments is None else num_segments
    expected = _segment_reference(reduce, empty, data, ids, n)
    got = op(torch.tensor(data), torch.tensor(ids), num_segments=num_segments)
    assert got.dtype == torch.float32 and tuple(got.shape) == (n, 3)
    np.testing.assert_allclose(_np(got), expected, rtol=1e-5, atol=1e-6)


def test_segment_sum_integer_data_keeps_dtype_and_has_gradient():
    out = m.segment_sum(torch.tensor([1, 2, 3], dtype=torch.int32), torch.tensor([1, 1, 0]))
    assert out.dtype == torch.int32 and out.tolist() == [3, 3]
    data = torch.randn(4, 2, requires_grad=True)
    m.segment_sum(data, torch.tensor([0, 1, 0, 1]), num_segments=2).sum().backward()
    assert torch.equal(data.grad, torch.ones(4, 2))


def test_segment_errors_name_the_argument():
    with pytest.raises(ValueError, match="segment_sum: `segment_ids` must be a 1-D tensor"):
        m.segment_sum(torch.zeros(3), torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="segment_max: `segment_ids` must be an integer"):
        m.segment_max(torch.zeros(3), torch.zeros(3))


# ------------------------------------------------------------------------------- top-k and co.


def test_top_k_values_indices_and_errors():
    x = torch.tensor([[1.0, 4.0, 2.0, 3.0]])
    values, indices = m.top_k(x, 2)
    assert values.tolist() == [[4.0, 3.0]] and indices.tolist() == [[1, 3]]
    assert indices.dtype == torch.int32
    assert m.top_k(x, 2).values.shape == (1, 2)
    with pytest.raises(ValueError, match="top_k: `k` must be an int in \\[0, 4\\]"):
        m.top_k(x, 5)


def test_in_top_k_rejects_out_of_range_targets():
    with pytest.raises(ValueError, match="in_top_k: `targets` holds class indices in \\[0, 3\\]"):
        m.in_top_k(torch.tensor([0, 3]), torch.ones(2, 3), 1)


def test_in_top_k_counts_ties():
    predictions = torch.tensor([[0.1, 0.5, 0.5], [0.9, 0.05, 0.05]])
    assert m.in_top_k(torch.tensor([2, 1]), predictions, 1).tolist() == [True, False]
    assert m.in_top_k(torch.tensor([2, 1]), predictions, 2).tolist() == [True, True]


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, True), (-1, False), ((0, 2), False)])
def test_logsumexp_matches_numpy(axis, keepdims):
    x = RNG.randn(2, 3, 4).astype("float32")
    expected = np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))
    np.testing.assert_allclose(_np(m.logsumexp(torch.tensor(x), axis, keepdims)), expected,
                               rtol=1e-5)


def test_logsumexp_of_integers_is_float_and_handles_inf():
    assert m.logsumexp(torch.tensor([1, 2])).dtype == torch.float32
    assert m.logsumexp(torch.tensor([-np.inf, 0.0])).item() == 0.0


def test_cdist_broadcasts_batch_dimensions():
    x = RNG.randn(2, 3, 4).astype("float32")
    y = RNG.randn(5, 4).astype("float32")[None]
    expected = np.sqrt(((x[:, :, None, :] - y[:, None, :, :]) ** 2).sum(-1))
    got = m.cdist(torch.tensor(x), torch.tensor(y))
    assert tuple(got.shape) == (2, 3, 5)
    np.testing.assert_allclose(_np(got), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="cdist: the last dimension"):
        m.cdist(torch.zeros(2, 3), torch.zeros(2, 4))


def test_extract_sequences_frames_the_last_axis():
    x = torch.arange(10.0).reshape(2, 5)
    out = m.extract_sequences(x, 3, 2)
    assert out.tolist() == [[[0, 1, 2], [2, 3, 4]], [[5, 6, 7], [7, 8, 9]]]
    with pytest.raises(ValueError, match="`sequence_length`=6 is longer"):
        m.extract_sequences(x, 6, 1)


# ------------------------------------------------------------------------------- Fourier


def test_fft_family_matches_numpy():
    real, imag = RNG.randn(2, 3, 8).astype("float32")
    z = real + 1j * imag
    for op, ref in ((m.fft, np.fft.fft), (m.fft2, np.fft.fft2), (m.ifft2, np.fft.ifft2)):
        r, i = op((torch.tensor(real), torch.tensor(imag)))
        np.testing.assert_allclose(_np(r) + 1j * _np(i), ref(z), rtol=1e-4, atol=1e-4)
    for n in (None, 6, 12):
        r, i = m.rfft(torch.tensor(real), fft_length=n)
        np.testing.assert_allclose(_np(r) + 1j * _np(i), np.fft.rfft(real, n=n), atol=1e-4)
        back = m.irfft((r, i), fft_length=n)
        np.testing.assert_allclose(_np(back), np.fft.irfft(np.fft.rfft(real, n=n), n=n),
                                   atol=1e-4)


def test_fft_rejects_a_single_tensor_and_mismatched_parts():
    with pytest.raises(ValueError, match="fft: `x` must be a \\(real, imag\\) pair"):
        m.fft(torch.zeros(4))
    with pytest.raises(ValueError, match="same shape"):
        m.fft((torch.zeros(4), torch.zeros(3)))


@pytest.mark.parametrize("sequence_length,stride,fft_length,center",
                         [(8, 4, 8, True), (6, 3, 8, True), (8, 2, 16, True), (8, 4, 8, False)])
def test_stft_matches_a_numpy_framing_and_istft_inverts_it(sequence_length, stride, fft_length,
                                                             center):
    signal = RNG.randn(2, 40)
    got_r, got_i = m.stft(torch.tensor(signal), sequence_length, stride, fft_length, center=center)
    # Reference: reflect-pad, frame, periodic Hann window centred in fft_length, rfft.
    x = np.pad(signal, ((0, 0), (fft_length // 2,) * 2), mode="reflect") if center else signal
    n = np.arange(sequence_length)
    win = 0.5 - 0.5 * np.cos(2 * np.pi * n / sequence_length)
    left = (fft_length - sequence_length) // 2
    win = np.pad(win, (left, fft_length - sequence_length - left))
    frames = np.stack([x[:, s:s + fft_length] for s in
                       range(0, x.shape[-1] - fft_length + 1, stride)], axis=1)
    expected = np.fft.rfft(frames * win, axis=-1)
    np.testing.assert_allclose(_np(got_r) + 1j * _np(got_i), expected, atol=1e-9)
    back = m.istft((got_r, got_i), sequence_length, stride, fft_length, length=40, center=center)
    # Samples the windows cover are recovered exactly (the least-squares inverse).
    covered = slice(0, 40) if center else slice(1, 40 - stride)
    np.testing.assert_allclose(_np(back)[:, covered], signal[:, covered], atol=1e-9)


def test_istft_matches_keras_on_an_uncentred_short_window():
    # Keras 3.15 (JAX backend): istft(stft(x, 6, 3, 8, center=False), 6, 3, 8, center=False) for
    # x = arange(16.) / 4 is [0, 0, 0.5, 0.75, ..., 3.0, 0]: zero where no window reaches.
    x = torch.arange(16.0, dtype=torch.float64) / 4
    back = m.istft(m.stft(x, 6, 3, 8, center=False), 6, 3, 8, center=False)
    expected = torch.cat([torch.zeros(2), x[2:13], torch.zeros(1)]).double()
    torch.testing.assert_close(back, expected)


def test_stft_errors():
    with pytest.raises(TypeError, match="stft: `x` must be float32 or float64"):
        m.stft(torch.zeros(16, dtype=torch.int32), 4, 2, 4)
    with pytest.raises(ValueError, match="`fft_length` must be >= `sequence_length`"):
        m.stft(torch.zeros(16), 8, 2, 4)
    with pytest.raises(ValueError, match="`window` must be one of 'hann', 'hamming'"):
        m.stft(torch.zeros(16), 4, 2, 4, window="kaiser")


# ------------------------------------------------------------------------------- elementwise

ELEMENTWISE_CASES = [
    (m.rsqrt, lambda v: 1 / np.sqrt(v), np.array([0.25, 1.0, 4.0])),
    (m.erf, np.vectorize(math.erf), np.array([-2.0, -0.5, 0.0, 0.3, 3.0])),
    (m.erfc, np.vectorize(math.erfc), np.array([-2.0, -0.5, 0.0, 0.3, 3.0])),
]


@pytest.mark.parametrize("op,reference,values", ELEMENTWISE_CASES, ids=["rsqrt", "erf", "erfc"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_elementwise_match_reference(op, reference, values, dtype):
    got = op(torch.tensor(values.astype(dtype)))
    assert str(got.dtype) == f"torch.{dtype}"
    np.testing.assert_allclose(_np(got), reference(values), rtol=1e-6)


def test_elementwise_integer_inputs_give_floatx_and_erfinv_inverts_erf():
    assert m.erf(torch.tensor([0, 1])).dtype == torch.float32
    assert m.rsqrt(np.array([4])).dtype == torch.float32
    x = torch.tensor([-0.9, -0.2, 0.0, 0.5, 0.99], dtype=torch.float64)
    torch.testing.assert_close(m.erf(m.erfinv(x)), x)
    assert torch.isinf(m.erfinv(torch.tensor([1.0]))).all()


def test_logdet_matches_numpy_slogdet():
    a = RNG.randn(3, 4, 4)
    a = a @ a.transpose(0, 2, 1) + np.eye(4)
    np.testing.assert_allclose(_np(m.logdet(torch.tensor(a))), np.linalg.slogdet(a)[1])
    with pytest.raises(ValueError, match="logdet: `x` must be square"):
        m.logdet(torch.zeros(2, 3))


def test_view_as_complex_and_back():
    x = torch.tensor([[1.0, 2.0], [3.0, -4.0]])
    z = m.view_as_complex(x)
    assert z.dtype == torch.complex64 and z.tolist() == [1 + 2j, 3 - 4j]
    assert torch.equal(m.view_as_real(z), x)
    with pytest.raises(ValueError, match="last dimension of `x` must be 2"):
        m.view_as_complex(torch.zeros(3))


def test_gradients_flow():
    x = torch.randn(3, 4, requires_grad=True)
    loss = m.logsumexp(x) + m.top_k(x, 2).values.sum() + m.erf(x).sum()
    loss = loss + m.rfft(x)[0].sum() + m.cdist(x, x + 1).sum()
    loss.backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


# ------------------------------------------------------------------------------- contract

from tests.ops._keras_cases import check_contract, keras_table  # noqa: E402

KERAS = keras_table("ops", module="keras.src.ops.math")


def test_every_keras_math_name_and_nothing_else():
    assert sorted(KERAS) == sorted(m.__all__)


@pytest.mark.parametrize("name", sorted(KERAS))
def test_contract_with_keras(name):
    check_contract(getattr(m, name), KERAS[name], "math")


def test_symbolic_shapes():
    import lamina

    ids = lamina.Input((), dtype="int32")
    assert m.segment_sum(lamina.Input((3,)), ids).shape == (None, 3)  # the ids decide
    assert m.segment_max(lamina.Input((3,)), ids, num_segments=5).shape == (5, 3)
    values, indices = m.top_k(lamina.Input((9,)), 2)
    assert values.shape == indices.shape == (None, 2) and str(indices.dtype) == "torch.int32"
    real, imag = m.stft(lamina.Input((32,)), 8, 4, 8)
    assert real.shape == imag.shape == (None, 9, 5)
    assert m.istft((real, imag), 8, 4, 8).shape == (None, 32)
    assert m.rfft(lamina.Input((16,)))[0].shape == (None, 9)
    assert m.extract_sequences(lamina.Input((10,)), 4, 3).shape == (None, 3, 4)
    assert m.logsumexp(lamina.Input((4, 5)), axis=1, keepdims=True).shape == (None, 1, 5)
    assert m.cdist(lamina.Input((4, 3)), lamina.Input((6, 3))).shape == (None, 4, 6)


def test_docstring_examples_are_true():
    from tests.ops._keras_cases import run_doctests

    failed, attempted = run_doctests("lamina.ops.math")
    assert attempted > 0 and failed == 0


GRADCHECK = [
    ("segment_max", lambda x: m.segment_max(x, torch.tensor([0, 1, 1, 2]), num_segments=3)),
    ("istft", lambda x: m.istft((x[:, :5], x[:, 5:10]), 8, 4, 8)),
    ("logsumexp", lambda x: m.logsumexp(x, axis=1)),
    ("cdist", lambda x: m.cdist(x, x.flip(0) + 0.5)),
    ("erfinv", lambda x: m.erfinv(torch.tanh(x) * 0.9)),
]


@pytest.mark.parametrize("name,fn", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradients_match_finite_differences(name, fn):
    x = torch.randn(4, 10, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(fn, (x,), eps=1e-6, atol=1e-5, fast_mode=True)
