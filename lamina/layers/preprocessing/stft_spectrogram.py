"""`STFTSpectrogram`: spectrograms of 1-D signals by strided convolutions with STFT kernels.

As in Keras, the real and imaginary DFT kernels (`lamina.initializers.STFT`) are layer weights of
shape `(frame_length, 1, fft_length // 2 + 1)` (Keras's layout, so `.keras` files move both
ways); they are trainable unless the layer is created with `trainable=False`. Every input channel
goes through the same kernels.
"""

import math
import warnings

import torch

from lamina import backend
from lamina.initializers.stft import STFT, check_window_name
from lamina.layers._conv_args import normalize_data_format
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

__all__ = ["STFTSpectrogram"]

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


def _same_padding(length, kernel, stride):
    """(left, right) zero padding of TensorFlow's/XLA's "SAME" convolution."""
    out = -(-length // stride)
    total = max((out - 1) * stride + kernel - length, 0)
    return total // 2, total - total // 2


class STFTSpectrogram(Layer):
    """Short-time Fourier transform of `(batch, time, channels)` signals, as Keras's layer.

    Args:
        mode: "log" (default, log magnitude), "magnitude", "psd" (power spectral density),
            "real", "imag", "angle" (phase) or "stft" (real and imaginary parts concatenated).
        frame_length: samples per frame (window length), default 256.
        frame_step: hop between frames; default `frame_length // 2`.
        fft_length: FFT size (>= frame_length); default the next power of two of `frame_length`.
        window: "hann" (default), "hamming", another window name, an array of `frame_length`
            values, or None.
        periodic: use the periodic form of a named window (default False).
        scaling: "density" (default, divide by the window's L2 norm), "spectrum" (L1) or None.
        padding: "valid" (default) or "same".
        expand_dims: give each channel its own axis (image-like output).
        data_format: "channels_last" (default) or "channels_first".

    Shapes (F = fft_length // 2 + 1, doubled for mode "stft"; T' the number of frames):
        channels_last: `(batch, T, C)` -> `(batch, T', C * F)`, or `(batch, T', F, C)` with
        `expand_dims`; channels_first: `(batch, C, T)` -> `(batch, C * F, T')`, or
        `(batch, C, T', F)` with `expand_dims`.

    Example:
        >>> layer = STFTSpectrogram(frame_length=256, frame_step=128, fft_length=512)
        >>> layer(torch.rand(3, 16000, 1)).shape
        torch.Size([3, 124, 257])
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None, window="hann",
                 periodic=False, scaling="density", padding="valid", expand_dims=False, data_format=None,
                 **kwargs):
        owner = f"STFTSpectrogram layer '{kwargs.get('name') or 'stft_spectrogram'}'"
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError(f"{owner}: `frame_step` should be a positive integer not greater than "
                             f"`frame_length`. Received frame_step={frame_step}, frame_length={frame_length}.")
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(f"{owner}: `fft_length` should be not less than `frame_length`. "
                             f"Received fft_length={fft_length}, frame_length={frame_length}.")
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(f"{owner}: `fft_length` is recommended to be a power of two. "
                          f"Received fft_length={fft_length}.", stacklevel=2)
        if mode not in _MODES:
            raise ValueError(f"{owner}: output mode is invalid, it must be one of {', '.join(_MODES)}. "
                             f"Received: mode={mode!r}.")
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(f"{owner}: scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                             f"Received scaling={scaling!r}.")
        if padding not in ("valid", "same"):
            raise ValueError(f"{owner}: padding is invalid, it should be 'valid' or 'same'. "
                             f"Received: padding={padding!r}.")
        if isinstance(window, str):
            check_window_name(window, owner)
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = normalize_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(shape=shape, name="real_kernel",
                                               initializer=STFT("real", self.window, self.scaling, self.periodic))
        if self.mode != "real":
            self.imag_kernel = self.add_weight(shape=shape, name="imag_kernel",
                                               initializer=STFT("imag", self.window, self.scaling, self.periodic))
        self.built = True

    def _apply_conv(self, inputs, kernel):
        """`(batch, channels, F, frames)` responses of every channel to one kernel."""
        if self.data_format == "channels_last":
            inputs = inputs.transpose(1, 2)
        batch, channels, length = inputs.shape
        signals = inputs.reshape(batch * channels, 1, length)
        if self.padding == "same":
            signals = torch.nn.functional.pad(signals, _same_padding(length, self.frame_length, self._frame_step))
        weight = kernel.to(inputs.dtype).permute(2, 1, 0)  # Keras (k, in, out) -> torch (out, in, k)
        outputs = torch.nn.functional.conv1d(signals, weight, stride=self._frame_step)
        return outputs.reshape(batch, channels, outputs.shape[1], outputs.shape[2])

    def _adjust_shapes(self, outputs):
        batch, channels, freq, frames = outputs.shape
        if self.expand_dims:
            order = (0, 3, 2, 1) if self.data_format == "channels_last" else (0, 1, 3, 2)
            return outputs.permute(*order)
        outputs = outputs.reshape(batch, channels * freq, frames)
        return outputs.transpose(1, 2) if self.data_format == "channels_last" else outputs

    def call(self, inputs):
        inputs = torch.as_tensor(inputs)
        if inputs.dtype not in (torch.float16, torch.float32, torch.float64):
            raise TypeError(f"STFTSpectrogram layer '{self.name}': invalid input type. Expected `float16`, "
                            f"`float32` or `float64`. Received: input type={inputs.dtype}. Cast the signal "
                            "to a float dtype first.")
        real = self._apply_conv(inputs, self.real_kernel) if self.mode != "imag" else None
        imag = self._apply_conv(inputs, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            return self._adjust_shapes(real)
        if self.mode == "imag":
            return self._adjust_shapes(imag)
        if self.mode == "angle":
            return self._adjust_shapes(torch.arctan2(imag, real))
        if self.mode == "stft":
            return self._adjust_shapes(torch.cat([real, imag], dim=2))
        power = real * real + imag * imag
        if self.mode == "psd":
            # One-sided PSD: every bin but DC and Nyquist counts twice.
            doubled = torch.nn.functional.pad(power[:, :, 1:-1, :], (0, 0, 1, 1))
            return self._adjust_shapes(power + doubled)
        eps = backend.epsilon()
        magnitude = self._adjust_shapes(torch.sqrt(torch.clamp(power, min=eps)))
        if self.mode == "magnitude":
            return magnitude
        return torch.log(torch.clamp(magnitude, min=eps))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_last":
            batch, length, channels = input_shape
        else:
            batch, channels, length = input_shape
        freq = self._fft_length // 2 + 1
        if self.mode == "stft":
            freq *= 2
        if length is None:
            frames = None
        elif self.padding == "same":
            frames = -(-length // self._frame_step)
        else:
            frames = (length - self.frame_length) // self._frame_step + 1
        if self.expand_dims:
            if self.data_format == "channels_last":
                return (batch, frames, freq, channels)
            return (batch, channels, frames, freq)
        width = None if channels is None else freq * channels
        return (batch, frames, width) if self.data_format == "channels_last" else (batch, width, frames)

    def get_config(self):
        window = self.window
        if not (window is None or isinstance(window, str)):
            window = [float(v) for v in (window.tolist() if hasattr(window, "tolist") else window)]
        return {**super().get_config(), "mode": self.mode, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length, "window": window,
                "periodic": self.periodic, "scaling": self.scaling, "padding": self.padding,
                "data_format": self.data_format, "expand_dims": self.expand_dims}
