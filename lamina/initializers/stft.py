"""`STFT` initializer: the real or imaginary half of a windowed DFT as a Conv1D kernel.

Keras's `STFTSpectrogram` computes its spectrogram with two strided convolutions whose kernels
come from this initializer. The numbers follow Keras's recipe step by step in the requested
dtype (float32 by default), so a kernel made here equals the one Keras makes.

Windows: "hann", "hamming", "blackman", "bartlett" and "boxcar" are computed here (SciPy's
`get_window` formulas, symmetric unless `periodic=True`); other SciPy window names work when
SciPy is installed; an array of `frame_length` values is used as is.
"""

from __future__ import annotations

import numpy as np
import torch

from lamina.initializers.initializer import Initializer, resolve_device, standardize_dtype

__all__ = ["STFT", "STFTInitializer", "stft", "get_window", "check_window_name"]

# Coefficients of SciPy's general cosine windows.
_COSINE_WINDOWS = {
    "hann": (0.5, 0.5),
    "hanning": (0.5, 0.5),
    "hamming": (0.54, 0.46),
    "blackman": (0.42, 0.50, 0.08),
}
_OWN_WINDOWS = set(_COSINE_WINDOWS) | {"bartlett", "boxcar", "rectangular", "ones", "rect"}


def _symmetric_window(name, length):
    if length == 1:
        return np.ones(1)
    if name in _COSINE_WINDOWS:
        fac = np.linspace(-np.pi, np.pi, length)
        window = np.zeros(length)
        for k, coefficient in enumerate(_COSINE_WINDOWS[name]):
            window += coefficient * np.cos(k * fac)
        return window
    if name == "bartlett":
        n = np.arange(length)
        return np.where(n <= (length - 1) / 2.0, 2.0 * n / (length - 1), 2.0 - 2.0 * n / (length - 1))
    return np.ones(length)  # boxcar and its aliases


def check_window_name(name, owner):
    """Raises a ValueError naming `owner` when `name` is not a window lamina (or SciPy) knows."""
    if name in _OWN_WINDOWS:
        return
    try:
        import scipy.signal
    except ImportError:
        raise ValueError(f"{owner}: unknown window {name!r}. Without SciPy, lamina computes "
                         f"{sorted(_OWN_WINDOWS)}; install SciPy for other window names, or pass the "
                         "window values as an array.") from None
    try:
        scipy.signal.get_window(name, 1)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{owner}: unknown window {name!r} ({error}). Use e.g. 'hann' or 'hamming', "
                         "or pass the window values as an array.") from None


def get_window(name, length, periodic=False):
    """The window `name` of `length` samples as a float64 NumPy array (`scipy.signal.get_window`
    with `fftbins=periodic`).

    Example:
        >>> get_window("hann", 4).round(2).tolist()
        [0.0, 0.75, 0.75, 0.0]
    """
    if name not in _OWN_WINDOWS:
        import scipy.signal

        return np.asarray(scipy.signal.get_window(name, length, periodic), dtype=np.float64)
    if periodic:  # SciPy's periodic window: the symmetric one of length + 1, last sample dropped
        return _symmetric_window(name, length + 1)[:-1]
    return _symmetric_window(name, length)


class STFT(Initializer):
    """Kernel of shape `(frame_length, 1, fft_length // 2 + 1)` computing one side of the STFT.

    Kernel `[t, 0, f] = cos(-2 pi t f / n_fft)` ("real") or `sin(...)` ("imag"), multiplied by
    the window and divided by the window's L2 norm ("density") or L1 norm ("spectrum").

    Args:
        side: "real" (default) or "imag".
        window: a window name ("hann", "hamming", ...), an array of `frame_length` values, or None.
        scaling: "density", "spectrum" or None.
        periodic: use the periodic (DFT-even) form of a named window.

    Example:
        >>> STFT("real", "hann")((16, 1, 9)).shape
        torch.Size([16, 1, 9])
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"STFT initializer: `side` should be 'real' or 'imag'. Received: side={side!r}.")
        if isinstance(window, str):
            check_window_name(window, "STFT initializer")
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError("STFT initializer: `scaling` is invalid, it must be `None`, 'density' or "
                             f"'spectrum'. Received scaling={scaling!r}.")
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None, device=None) -> torch.Tensor:
        dtype = standardize_dtype(dtype)
        device = resolve_device(device)
        if len(shape) != 3:
            raise ValueError("STFT initializer: the shape must be (frame_length, input_channels, "
                             f"fft_length // 2 + 1). Received: shape={tuple(shape)}.")
        frame_length, _, bins = (int(d) for d in shape)
        window = None
        scale = 1.0
        if self.window is not None:
            values = self.window
            if isinstance(values, str):
                values = get_window(values, frame_length, self.periodic)
            window = torch.as_tensor(np.asarray(values), device=device).to(dtype)
            if window.ndim != 1 or window.shape[-1] != frame_length:
                raise ValueError("STFT initializer: the shape of `window` must be equal to [frame_length]="
                                 f"[{frame_length}]. Received: window shape={tuple(window.shape)}.")
            window = window.reshape(frame_length, 1, 1)
            if self.scaling == "density":
                scale = torch.sqrt(torch.sum(window * window))
            elif self.scaling == "spectrum":
                scale = torch.sum(torch.abs(window))
        # Same operation order as Keras (in `dtype`) so float32 round-off matches.
        n_fft = (bins - 1) * 2
        freq = torch.arange(bins, dtype=dtype, device=device).reshape(1, 1, bins) / n_fft
        time = torch.arange(frame_length, dtype=dtype, device=device).reshape(frame_length, 1, 1)
        pi = torch.arccos(torch.tensor(-1.0, dtype=dtype, device=device))
        args = -2 * time * freq * pi
        kernel = torch.cos(args) if self.side == "real" else torch.sin(args)
        if window is not None:
            kernel = kernel * window / scale
        if shape[1] != 1:
            kernel = kernel.expand(frame_length, int(shape[1]), bins).contiguous()
        return kernel

    def get_config(self):
        window = self.window
        if isinstance(window, (np.ndarray, torch.Tensor)):
            window = np.asarray(window.detach().cpu() if isinstance(window, torch.Tensor) else window).tolist()
        return {"side": self.side, "window": window, "periodic": self.periodic, "scaling": self.scaling}


# Keras exports the class under these names too.
STFTInitializer = STFT
stft = STFT
