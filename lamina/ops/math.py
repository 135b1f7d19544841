"""Keras's `keras.src.ops.math` on PyTorch: segment reductions, top-k, FFTs, STFT, special functions.

Each op is one eager torch function decorated with `keras_op`; the symbolic call, graph node and
`.keras` entry come from the decorator. Complex results travel as `(real, imag)` pairs, as in Keras.
"""

import collections

import torch
import torch.nn.functional as F

from lamina.backend.dtypes import dtype_name, floatx, standardize_dtype
from lamina.ops._args import check_choice, to_float_tensor
from lamina.ops._dtypes import convert_to_tensor
from lamina.ops._op import keras_op

__all__ = [
    "segment_sum",
    "segment_max",
    "segment_min",
    "segment_prod",
    "top_k",
    "in_top_k",
    "logsumexp",
    "cdist",
    "extract_sequences",
    "fft",
    "fft2",
    "ifft2",
    "rfft",
    "irfft",
    "stft",
    "istft",
    "rsqrt",
    "erf",
    "erfc",
    "erfinv",
    "logdet",
    "view_as_complex",
    "view_as_real",
]


# ----------------------------------------------------------------------------------------------
# Segment reductions
# ----------------------------------------------------------------------------------------------


def _segment_reduce(op, data, segment_ids, num_segments, reduce):
    data = convert_to_tensor(data)
    segment_ids = convert_to_tensor(segment_ids, device=data.device)
    if segment_ids.is_floating_point() or segment_ids.is_complex() or segment_ids.dtype == torch.bool:
        raise TypeError(
            f"{op}: `segment_ids` must be an integer tensor, received dtype "
            f"{dtype_name(segment_ids.dtype)}."
        )
    if data.ndim < 1:
        raise ValueError(f"{op}: `data` must have rank >= 1, received a scalar.")
    if segment_ids.ndim != 1 or segment_ids.shape[0] != data.shape[0]:
        raise ValueError(
            f"{op}: `segment_ids` must be a 1-D tensor with one id per row of `data` "
            f"(shape ({data.shape[0]},)), received shape {tuple(segment_ids.shape)}."
        )
    if num_segments is None:
        # Data-dependent: the number of output rows is the largest id + 1.
        num_segments = int(segment_ids.max()) + 1 if segment_ids.numel() else 0
    elif not isinstance(num_segments, int) or num_segments < 0:
        raise ValueError(
            f"{op}: `num_segments` must be a non-negative int or None, "
            f"received num_segments={num_segments!r}."
        )
    ids = segment_ids.long()
    # Ids outside [0, num_segments) are dropped (Keras): they go to one extra row cut off below.
    ids = torch.where((ids >= 0) & (ids < num_segments), ids, torch.full_like(ids, num_segments))
    index = ids.reshape((-1,) + (1,) * (data.ndim - 1)).expand(data.shape)
    if reduce == "sum":
        initial = 0
    elif reduce == "prod":
        initial = 1
    elif data.is_floating_point():
        initial = float("-inf") if reduce == "amax" else float("inf")
    else:
        info = torch.iinfo(data.dtype) if data.dtype != torch.bool else None
        initial = (info.min if reduce == "amax" else info.max) if info else (reduce == "amin")
    out = torch.full((num_segments + 1,) + tuple(data.shape[1:]), initial,
                     dtype=data.dtype, device=data.device)
    out = out.scatter_reduce(0, index, data, reduce=reduce, include_self=True)
    return out[:num_segments]


def _segment_spec(data, segment_ids, num_segments=None, sorted=False):
    # How many segments there are is only known from the ids unless `num_segments` says it.
    from lamina.graph.keras_tensor import KerasTensor

    if len(data.shape) < 1:
        raise ValueError("segment reduction: `data` must have rank >= 1, received a scalar.")
    return KerasTensor((num_segments,) + tuple(data.shape[1:]), dtype=data.dtype)


@keras_op("SegmentSum", config=("num_segments", "sorted"), module="math", output_spec=_segment_spec)
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sum of the rows of `data` that share a segment id (`tf.math.unsorted_segment_sum`;
    torch `scatter_reduce(..., "sum")`).

    Args:
        data: Tensor of shape `(N, ...)`.
        segment_ids: Integer tensor of shape `(N,)`; ids outside `[0, num_segments)` are dropped.
        num_segments: Number of output rows; `None` uses `max(segment_ids) + 1` (eager only).
        sorted: Whether the ids are sorted (accepted for Keras compatibility; any order works).

    Returns:
        Tensor of shape `(num_segments, ...)` and the dtype of `data`.

    Example:
        >>> segment_sum(torch.tensor([1., 2., 3.]), torch.tensor([0, 0, 1]))
        tensor([3., 3.])
    """
    return _segment_reduce("segment_sum", data, segment_ids, num_segments, "sum")


@keras_op("SegmentMax", config=("num_segments", "sorted"), module="math",
          output_spec=_segment_spec)
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maximum of the rows of `data` that share a segment id (`tf.math.unsorted_segment_max`;
    torch `scatter_reduce(..., "amax")`). Empty segments hold `-inf` (the dtype's minimum for
    integers).

    Args:
        data: Tensor of shape `(N, ...)`.
        segment_ids: Integer tensor of shape `(N,)`.
        num_segments: Number of output rows; `None` uses `max(segment_ids) + 1`.
        sorted: Accepted for Keras compatibility.

    Example:
        >>> segment_max(torch.tensor([1., 5., 3.]), torch.tensor([0, 0, 1]))
        tensor([5., 3.])
    """
    return _segment_reduce("segment_max", data, segment_ids, num_segments, "amax")


@keras_op("SegmentMin", config=("num_segments", "sorted"), module="math",
          output_spec=_segment_spec)
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """Minimum of the rows of `data` that share a segment id (`tf.math.unsorted_segment_min`;
    torch `scatter_reduce(..., "amin")`). Empty segments hold `inf`.

    Args:
        data: Tensor of shape `(N, ...)`.
        segment_ids: Integer tensor of shape `(N,)`.
        num_segments: Number of output rows; `None` uses `max(segment_ids) + 1`.
        sorted: Accepted for Keras compatibility.

    Example:
        >>> segment_min(torch.tensor([1., 5., 3.]), torch.tensor([0, 0, 1]))
        tensor([1., 3.])
    """
    return _segment_reduce("segment_min", data, segment_ids, num_segments, "amin")


@keras_op("SegmentProd", config=("num_segments", "sorted"), module="math",
          output_spec=_segment_spec)
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """Product of the rows of `data` that share a segment id (`tf.math.unsorted_segment_prod`;
    torch `scatter_reduce(..., "prod")`). Empty segments hold 1.

    Args:
        data: Tensor of shape `(N, ...)`.
        segment_ids: Integer tensor of shape `(N,)`.
        num_segments: Number of output rows; `None` uses `max(segment_ids) + 1`.
        sorted: Accepted for Keras compatibility.

    Example:
        >>> segment_prod(torch.tensor([2., 5., 3.]), torch.tensor([0, 0, 1]))
        tensor([10., 3.])
    """
    return _segment_reduce("segment_prod", data, segment_ids, num_segments, "prod")


# ----------------------------------------------------------------------------------------------
# Top-k, logsumexp, distances, framing
# ----------------------------------------------------------------------------------------------

TopK = collections.namedtuple("TopK", ["values", "indices"])


@keras_op("TopK", config=("k", "sorted"), module="math")
def top_k(x, k, sorted=True):
    """The `k` largest entries along the last axis and their indices (`jax.lax.top_k`;
    torch `torch.topk`).

    Args:
        x: Tensor of shape `(..., N)`.
        k: Number of entries to keep, `0 <= k <= N`.
        sorted: Whether the results are in descending order.

    Returns:
        A `(values, indices)` pair (also reachable as `.values` / `.indices`) of shape `(..., k)`;
        indices are int32.

    Example:
        >>> top_k(torch.tensor([1., 4., 2.]), 2).values
        tensor([4., 2.])
    """
    x = convert_to_tensor(x)
    if x.ndim < 1:
        raise ValueError("top_k: `x` must have rank >= 1, received a scalar.")
    if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k <= x.shape[-1]:
        raise ValueError(
            f"top_k: `k` must be an int in [0, {x.shape[-1]}] (the size of the last axis of `x`), "
            f"received k={k!r}."
        )
    values, indices = torch.topk(x, k, dim=-1, sorted=sorted)
    return TopK(values, indices.to(torch.int32))


@keras_op("InTopK", config=("k",), module="math")
def in_top_k(targets, predictions, k):
    """Whether each target's prediction is among the `k` largest of its row (ties count as in)
    (`tf.math.in_top_k`; torch `torch.topk` + comparison).

    Args:
        targets: Integer tensor of shape `(batch,)`, the class index of each row.
        predictions: Tensor of shape `(batch, classes)`.
        k: Number of top predictions to consider.

    Returns:
        Bool tensor of shape `(batch,)`.

    Example:
        >>> in_top_k(torch.tensor([1]), torch.tensor([[0.1, 0.7, 0.2]]), 1)
        tensor([True])
    """
    predictions = convert_to_tensor(predictions)
    targets = convert_to_tensor(targets, device=predictions.device)
    if predictions.ndim != 2 or targets.ndim != 1 or targets.shape[0] != predictions.shape[0]:
        raise ValueError(
            "in_top_k: expected `targets` of shape (batch,) and `predictions` of shape "
            f"(batch, classes), received {tuple(targets.shape)} and {tuple(predictions.shape)}."
        )
    if not isinstance(k, int) or not 1 <= k <= predictions.shape[-1]:
        raise ValueError(
            f"in_top_k: `k` must be an int in [1, {predictions.shape[-1]}], received k={k!r}."
        )
    if not torch.compiler.is_compiling() and targets.numel():
        low, high = int(targets.min()), int(targets.max())
        if low < 0 or high >= predictions.shape[-1]:
            raise ValueError(
                f"in_top_k: `targets` holds class indices in [{low}, {high}], but `predictions` "
                f"has {predictions.shape[-1]} classes."
            )
    kth_largest = torch.topk(predictions, k, dim=-1).values[..., -1:]
    target_values = torch.take_along_dim(predictions, targets.long()[:, None], dim=-1)
    return (target_values >= kth_largest)[:, 0]


@keras_op("Logsumexp", config=("axis", "keepdims"), module="math")
def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x)))` along `axis`, computed stably (`scipy.special.logsumexp`;
    torch `torch.logsumexp`).

    Args:
        x: Input tensor.
        axis: An int, a tuple of ints, or `None` for all axes.
        keepdims: Whether to keep the reduced axes with size 1.

    Example:
        >>> logsumexp(torch.tensor([0.0, 0.0]))
        tensor(0.6931)
    """
    x = to_float_tensor(x)
    dims = tuple(range(x.ndim)) if axis is None else axis
    return torch.logsumexp(x, dim=dims, keepdim=keepdims)


@keras_op("CDist", module="math")
def cdist(x, y):
    """Euclidean distance between every row of `x` and every row of `y`
    (`scipy.spatial.distance.cdist`; torch `torch.cdist`).

    Args:
        x: Tensor of shape `(..., P, M)`.
        y: Tensor of shape `(..., R, M)`; leading dimensions broadcast with `x`'s.

    Returns:
        Tensor of shape `(..., P, R)`.

    Example:
        >>> cdist(torch.tensor([[0., 0.]]), torch.tensor([[3., 4.]]))
        tensor([[5.]])
    """
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, device=x.device)
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(
            f"cdist: inputs must have rank >= 2, received shapes x={tuple(x.shape)}, "
            f"y={tuple(y.shape)}."
        )
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(
            "cdist: the last dimension of `x` and `y` must match, received shapes "
            f"x={tuple(x.shape)}, y={tuple(y.shape)}."
        )
    try:
        batch = torch.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    except RuntimeError:
        raise ValueError(
            "cdist: the batch dimensions of `x` and `y` must broadcast, received shapes "
            f"x={tuple(x.shape)}, y={tuple(y.shape)}."
        ) from None
    dtype = torch.promote_types(x.dtype, y.dtype)
    if not dtype.is_floating_point:
        dtype = standardize_dtype(floatx())
    diff = x.to(dtype).unsqueeze(-2) - y.to(dtype).unsqueeze(-3)
    out = torch.sqrt(torch.sum(diff * diff, dim=-1))
    return out.expand(tuple(batch) + out.shape[-2:])


@keras_op("ExtractSequences", config=("sequence_length", "sequence_stride"), module="math")
def extract_sequences(x, sequence_length, sequence_stride):
    """Overlapping frames of the last axis (`tf.signal.frame`; torch `Tensor.unfold`).

    Args:
        x: Tensor of shape `(..., N)`.
        sequence_length: Frame length.
        sequence_stride: Step between frame starts.

    Returns:
        Tensor of shape `(..., 1 + (N - sequence_length) // sequence_stride, sequence_length)`.

    Example:
        >>> extract_sequences(torch.arange(5.), 2, 2)
        tensor([[0., 1.],
                [2., 3.]])
    """
    x = convert_to_tensor(x)
    if x.ndim < 1:
        raise ValueError("extract_sequences: `x` must have rank >= 1, received a scalar.")
    for name, value in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(
                f"extract_sequences: `{name}` must be a positive int, received {name}={value!r}."
            )
    if sequence_length > x.shape[-1]:
        raise ValueError(
            f"extract_sequences: `sequence_length`={sequence_length} is longer than the last axis "
            f"of `x` (shape {tuple(x.shape)})."
        )
    return x.unfold(-1, sequence_length, sequence_stride)


# ----------------------------------------------------------------------------------------------
# Fourier transforms ((real, imag) pairs in and out, as Keras)
# ----------------------------------------------------------------------------------------------


def _complex_from_pair(x, op, min_rank):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(
            f"{op}: `x` must be a (real, imag) pair of tensors, received {type(x).__name__}."
        )
    real = convert_to_tensor(x[0])
    imag = convert_to_tensor(x[1], device=real.device)
    if real.shape != imag.shape:
        raise ValueError(
            f"{op}: the real and imaginary parts must have the same shape, received "
            f"{tuple(real.shape)} and {tuple(imag.shape)}."
        )
    if not (real.is_floating_point() and imag.is_floating_point()):
        raise TypeError(
            f"{op}: the real and imaginary parts must be float tensors, received dtypes "
            f"{dtype_name(real.dtype)} and {dtype_name(imag.dtype)}."
        )
    if real.ndim < min_rank:
        raise ValueError(
            f"{op}: the input must have rank >= {min_rank}, received shape {tuple(real.shape)}."
        )
    return torch.complex(real, imag.to(real.dtype))


@keras_op("FFT", module="math")
def fft(x):
    """1-D discrete Fourier transform over the last axis (`np.fft.fft`; torch `torch.fft.fft`).

    Args:
        x: `(real, imag)` pair of float tensors of the same shape.

    Returns:
        `(real, imag)` pair of the transform.

    Example:
        >>> fft((torch.tensor([1., 0.]), torch.zeros(2)))[0]
        tensor([1., 1.])
    """
    out = torch.fft.fft(_complex_from_pair(x, "fft", 1))
    return out.real, out.imag


@keras_op("FFT2", module="math")
def fft2(x):
    """2-D discrete Fourier transform over the last two axes (`np.fft.fft2`; torch `torch.fft.fft2`).

    Args:
        x: `(real, imag)` pair of float tensors of rank >= 2.

    Returns:
        `(real, imag)` pair of the transform.

    Example:
        >>> fft2((torch.ones(2, 2), torch.zeros(2, 2)))[0]
        tensor([[4., 0.],
                [0., 0.]])
    """
    out = torch.fft.fft2(_complex_from_pair(x, "fft2", 2))
    return out.real, out.imag


@keras_op("IFFT2", module="math")
def ifft2(x):
    """Inverse 2-D discrete Fourier transform (`np.fft.ifft2`; torch `torch.fft.ifft2`).

    Args:
        x: `(real, imag)` pair of float tensors of rank >= 2.

    Returns:
        `(real, imag)` pair of the inverse transform.

    Example:
        >>> ifft2((torch.ones(2, 2), torch.zeros(2, 2)))[0]
        tensor([[1., 0.],
                [0., 0.]])
    """
    out = torch.fft.ifft2(_complex_from_pair(x, "ifft2", 2))
    return out.real, out.imag


@keras_op("RFFT", config=("fft_length",), module="math")
def rfft(x, fft_length=None):
    """Real-input FFT over the last axis (`np.fft.rfft`; torch `torch.fft.rfft`).

    Args:
        x: Real tensor of shape `(..., N)`.
        fft_length: FFT length (the input is cropped or zero-padded); default `N`.

    Returns:
        `(real, imag)` pair of shape `(..., fft_length // 2 + 1)`.

    Example:
        >>> rfft(torch.tensor([1., 1., 1., 1.]))[0]
        tensor([4., 0., 0.])
    """
    x = to_float_tensor(x)
    if x.ndim < 1:
        raise ValueError("rfft: `x` must have rank >= 1, received a scalar.")
    out = torch.fft.rfft(x, n=fft_length, dim=-1)
    return out.real, out.imag


@keras_op("IRFFT", config=("fft_length",), module="math")
def irfft(x, fft_length=None):
    """Inverse of `rfft` over the last axis (`np.fft.irfft`; torch `torch.fft.irfft`).

    Args:
        x: `(real, imag)` pair of shape `(..., M)`.
        fft_length: Output length; default `2 * (M - 1)`.

    Returns:
        Real tensor of shape `(..., fft_length)`.

    Example:
        >>> irfft((torch.tensor([4., 0., 0.]), torch.zeros(3)))
        tensor([1., 1., 1., 1.])
    """
    return torch.fft.irfft(_complex_from_pair(x, "irfft", 1), n=fft_length, dim=-1)


def _stft_window(window, sequence_length, dtype, device, op):
    if window is None:
        return None
    if isinstance(window, str):
        check_choice(window, ("hann", "hamming"), "window", op)
        make = torch.hann_window if window == "hann" else torch.hamming_window
        return make(sequence_length, periodic=True, dtype=dtype, device=device)
    win = convert_to_tensor(window, dtype=dtype, device=device)
    if win.ndim != 1 or win.shape[0] != sequence_length:
        raise ValueError(
            f"{op}: `window` must be 'hann', 'hamming', None or a tensor of shape "
            f"({sequence_length},) (the sequence length), received shape {tuple(win.shape)}."
        )
    return win


def _check_stft_lengths(op, sequence_length, sequence_stride, fft_length):
    for name, value in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride),
                        ("fft_length", fft_length)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{op}: `{name}` must be a positive int, received {name}={value!r}.")
    if fft_length < sequence_length:
        raise ValueError(
            f"{op}: `fft_length` must be >= `sequence_length`, received fft_length={fft_length}, "
            f"sequence_length={sequence_length}."
        )


@keras_op("STFT", config=("sequence_length", "sequence_stride", "fft_length", "window", "center"),
          module="math")
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform along the last axis (`tf.signal.stft`; torch `torch.stft`).

    Args:
        x: float32/float64 tensor of shape `(..., samples)`.
        sequence_length: Window length.
        sequence_stride: Hop between windows.
        fft_length: FFT size (>= `sequence_length`).
        window: `"hann"`, `"hamming"` (periodic), `None` or a tensor of shape `(sequence_length,)`.
        center: Whether to pad `x` on both sides by `fft_length // 2` (reflect) first.

    Returns:
        `(real, imag)` pair of shape `(..., frames, fft_length // 2 + 1)`.

    Example:
        >>> stft(torch.zeros(16), 8, 4, 8)[0].shape
        torch.Size([5, 5])
    """
    x = convert_to_tensor(x)
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError(
            f"stft: `x` must be float32 or float64, received dtype {dtype_name(x.dtype)}."
        )
    _check_stft_lengths("stft", sequence_length, sequence_stride, fft_length)
    if x.ndim < 1:
        raise ValueError("stft: `x` must have rank >= 1, received a scalar.")
    win = _stft_window(window, sequence_length, x.dtype, x.device, "stft")
    if win is None:
        win = torch.ones(sequence_length, dtype=x.dtype, device=x.device)
    batch_shape = x.shape[:-1]
    flat = x.reshape(-1, x.shape[-1])
    out = torch.stft(flat, n_fft=fft_length, hop_length=sequence_stride,
                     win_length=sequence_length, window=win, center=center,
                     pad_mode="reflect", return_complex=True)
    out = out.reshape(batch_shape + out.shape[-2:]).transpose(-2, -1)
    return out.real, out.imag


def _overlap_add(frames, sequence_stride):
    """Sums frames `(..., N, L)` placed `sequence_stride` apart (`tf.signal.overlap_and_add`)."""
    *batch, n, length = frames.shape
    total = sequence_stride * (n - 1) + length
    flat = frames.reshape(-1, n, length).transpose(1, 2)  # (B, L, N): fold's column layout
    out = F.fold(flat, output_size=(1, total), kernel_size=(1, length), stride=(1, sequence_stride))
    return out.reshape(tuple(batch) + (total,))


@keras_op("ISTFT", config=("sequence_length", "sequence_stride", "fft_length", "length", "window",
                           "center"), module="math")
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """Inverse short-time Fourier transform (`tf.signal.inverse_stft`; torch `torch.istft`).

    Args:
        x: `(real, imag)` pair of shape `(..., frames, fft_length // 2 + 1)`.
        sequence_length: Window length used by `stft`.
        sequence_stride: Hop used by `stft`.
        fft_length: FFT size used by `stft`.
        length: Output length to trim or pad to; default: everything the frames cover.
        window: `"hann"`, `"hamming"`, `None` or a tensor of shape `(sequence_length,)`.
        center: Whether `stft` centred its frames (then the padding is cut off again).

    Returns:
        Real tensor of shape `(..., samples)`.

    Example:
        >>> signal = torch.randn(32, dtype=torch.float64)
        >>> torch.allclose(istft(stft(signal, 8, 4, 8), 8, 4, 8, length=32), signal)
        True
    """
    _check_stft_lengths("istft", sequence_length, sequence_stride, fft_length)
    spectrum = _complex_from_pair(x, "istft", 2)
    dtype = spectrum.real.dtype
    win = _stft_window(window, sequence_length, dtype, spectrum.device, "istft")
    if win is None:
        win = torch.ones(sequence_length, dtype=dtype, device=spectrum.device)
    left = (fft_length - sequence_length) // 2
    win = F.pad(win, (left, fft_length - sequence_length - left))
    frames = torch.fft.irfft(spectrum, n=fft_length, dim=-1) * win
    num_frames = frames.shape[-2]
    # Least-squares inverse (scipy/JAX `istft`, `torch.istft`): the overlap-added windowed frames
    # divided, sample by sample, by the overlap-added squared window wherever that is not ~0.
    envelope = _overlap_add((win * win).expand(num_frames, fft_length), sequence_stride)
    envelope = torch.where(envelope > 1e-10, envelope, torch.ones_like(envelope))
    signal = _overlap_add(frames, sequence_stride) / envelope
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = signal.shape[-1] - fft_length // 2
    else:
        end = fft_length + sequence_stride * (num_frames - 1)
    return signal[..., start:end]


# ----------------------------------------------------------------------------------------------
# Elementwise special functions
# ----------------------------------------------------------------------------------------------


@keras_op("Rsqrt", module="math")
def rsqrt(x):
    """Reciprocal square root `1 / sqrt(x)` (torch `torch.rsqrt`). Integers give `floatx()`.

    Args:
        x: Input tensor (positive values for a finite result).

    Example:
        >>> rsqrt(torch.tensor([4.0]))
        tensor([0.5000])
    """
    return torch.rsqrt(to_float_tensor(x))


@keras_op("Erf", module="math")
def erf(x):
    """Gauss error function (`scipy.special.erf`; torch `torch.erf`). Integers give `floatx()`.

    Args:
        x: Input tensor.

    Example:
        >>> erf(torch.tensor([0.0]))
        tensor([0.])
    """
    return torch.erf(to_float_tensor(x))


@keras_op("Erfc", module="math")
def erfc(x):
    """Complementary error function `1 - erf(x)` (`scipy.special.erfc`; torch `torch.erfc`).

    Args:
        x: Input tensor.

    Example:
        >>> erfc(torch.tensor([0.0]))
        tensor([1.])
    """
    return torch.erfc(to_float_tensor(x))


@keras_op("Erfinv", module="math")
def erfinv(x):
    """Inverse error function (`scipy.special.erfinv`; torch `torch.erfinv`).

    Args:
        x: Input tensor with values in [-1, 1] (±1 give ±inf).

    Example:
        >>> erfinv(torch.tensor([0.0]))
        tensor([0.])
    """
    return torch.erfinv(to_float_tensor(x))


@keras_op("Logdet", module="math")
def logdet(x):
    """Log-determinant of square matrices, NaN where the determinant is negative
    (torch `torch.logdet`; NumPy `np.linalg.slogdet`).

    Args:
        x: Tensor of shape `(..., M, M)`.

    Returns:
        Tensor of shape `(...)`.

    Example:
        >>> logdet(torch.eye(2) * 2)
        tensor(1.3863)
    """
    x = to_float_tensor(x)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(
            f"logdet: `x` must be square matrices of shape (..., M, M), received {tuple(x.shape)}."
        )
    return torch.logdet(x)


@keras_op("ViewAsComplex", module="math")
def view_as_complex(x):
    """Pairs `(..., 2)` of (real, imag) as a complex64 tensor of shape `(...)`
    (torch `torch.view_as_complex`).

    Args:
        x: Real tensor of shape `(..., 2)`.

    Example:
        >>> view_as_complex(torch.tensor([1.0, 2.0]))
        tensor(1.+2.j)
    """
    x = convert_to_tensor(x)
    if x.ndim < 1 or x.shape[-1] != 2:
        raise ValueError(
            "view_as_complex: the last dimension of `x` must be 2 (real and imaginary), "
            f"received shape {tuple(x.shape)}."
        )
    return torch.complex(x[..., 0].to(torch.float32), x[..., 1].to(torch.float32))


@keras_op("ViewAsReal", module="math")
def view_as_real(x):
    """A complex tensor as real pairs of shape `(..., 2)` (torch `torch.view_as_real`).

    Args:
        x: Complex tensor (a real one gets a zero imaginary part).

    Example:
        >>> view_as_real(torch.tensor(1.0 + 2.0j))
        tensor([1., 2.])
    """
    x = convert_to_tensor(x)
    if x.is_complex():
        return torch.stack((x.real, x.imag), dim=-1)
    return torch.stack((x, torch.zeros_like(x)), dim=-1)
