"""`MelSpectrogram`: audio waveforms to (log-)mel spectrograms, as Keras's layer.

The STFT is `lamina.ops.math.stft` (Keras's framing, `center=True`), the mel filterbank is the
HTK-style matrix of `tf.signal.linear_to_mel_weight_matrix` that Keras builds, and the dB scaling
clips at `max - top_db` over the whole batch, as Keras does.
"""

import math

import torch

from lamina import backend
from lamina.layers.layer import Layer
from lamina.ops.math import stft

__all__ = ["MelSpectrogram"]

_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _hertz_to_mel(frequencies):
    return _MEL_HIGH_FREQUENCY_Q * torch.log(1.0 + frequencies / _MEL_BREAK_FREQUENCY_HERTZ)


def linear_to_mel_weight_matrix(num_mel_bins, num_spectrogram_bins, sampling_rate, lower_edge_hertz,
                                upper_edge_hertz, dtype=torch.float32, device=None):
    """`(num_spectrogram_bins, num_mel_bins)` triangular filters, linear in mel, DC bin zeroed."""
    zero = torch.tensor(0.0, dtype=dtype, device=device)
    nyquist = float(torch.tensor(float(sampling_rate), dtype=dtype) / 2.0)
    linear = torch.linspace(0.0, nyquist, num_spectrogram_bins, dtype=dtype, device=device)
    bins_mel = _hertz_to_mel(linear[1:]).unsqueeze(1)
    low = _hertz_to_mel(torch.tensor(float(lower_edge_hertz), dtype=dtype, device=device))
    high = _hertz_to_mel(torch.tensor(float(upper_edge_hertz), dtype=dtype, device=device))
    edges = torch.linspace(float(low), float(high), num_mel_bins + 2, dtype=dtype, device=device)
    lower, center, upper = edges[:-2].unsqueeze(0), edges[1:-1].unsqueeze(0), edges[2:].unsqueeze(0)
    lower_slopes = (bins_mel - lower) / (center - lower)
    upper_slopes = (upper - bins_mel) / (upper - center)
    weights = torch.maximum(zero, torch.minimum(lower_slopes, upper_slopes))
    return torch.nn.functional.pad(weights, (0, 0, 1, 0))


class MelSpectrogram(Layer):
    """Computes mel spectrograms of `(samples,)` or `(batch, samples)` waveforms.

    Args:
        fft_length: FFT size (default 2048).
        sequence_stride: hop between frames (default 512).
        sequence_length: window length (default `fft_length`; must be <= fft_length).
        window: "hann", "hamming" or None.
        sampling_rate: sample rate of the audio in Hz.
        num_mel_bins: number of mel bands.
        min_freq, max_freq: frequency range of the bands (max default: sampling_rate / 2).
        power_to_db: convert to decibels. top_db: dynamic range kept below the maximum.
        mag_exp: exponent of the magnitude (2: power spectrogram).
        min_power: floor before the logarithm. ref_power: reference power for 0 dB.

    Shapes:
        `(batch, samples)` -> `(batch, num_mel_bins, frames)` with `frames = 1 + samples // stride`
        for the default window length.

    Example:
        >>> MelSpectrogram(num_mel_bins=64, sampling_rate=8000, sequence_stride=256,
        ...                fft_length=2048)(torch.rand(16000)).shape
        torch.Size([64, 63])
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None, window="hann",
                 sampling_rate=16000, num_mel_bins=128, min_freq=20.0, max_freq=None, power_to_db=True,
                 top_db=80.0, mag_exp=2.0, min_power=1e-10, ref_power=1.0, **kwargs):
        super().__init__(**kwargs)
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.sequence_length > self.fft_length:
            raise ValueError(f"MelSpectrogram layer '{self.name}': `sequence_length` must be less than or "
                             f"equal to `fft_length`. Received: `sequence_length`={self.sequence_length}, "
                             f"`fft_length`={self.fft_length}.")
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        self.built = True

    def call(self, inputs):
        dtype = backend.to_torch_dtype(self.compute_dtype)
        work = torch.float64 if dtype == torch.float64 else torch.float32
        inputs = torch.as_tensor(inputs).to(work)
        real, imag = stft(inputs, sequence_length=self.sequence_length, sequence_stride=self.sequence_stride,
                          fft_length=self.fft_length, window=self.window, center=True)
        spec = torch.sqrt(real * real + imag * imag) ** self.mag_exp
        matrix = linear_to_mel_weight_matrix(self.num_mel_bins, spec.shape[-1], self.sampling_rate,
                                             self.min_freq, self.max_freq, dtype=work, device=spec.device)
        outputs = torch.tensordot(spec, matrix, dims=1)
        if self.power_to_db:
            outputs = 10.0 * torch.log10(torch.clamp(outputs, min=self.min_power))
            outputs = outputs - 10.0 * math.log10(max(abs(self.ref_power), self.min_power))
            outputs = torch.maximum(outputs, outputs.max() - self.top_db)
        return outputs.transpose(-1, -2).to(dtype)

    def _frames(self, samples):
        if samples is None:
            return None
        padded = samples + 2 * (self.fft_length // 2)
        return 1 + (padded - self.fft_length) // self.sequence_stride

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) == 1:
            return (self.num_mel_bins, self._frames(input_shape[0]))
        return (input_shape[0], self.num_mel_bins, self._frames(input_shape[1]))

    def get_config(self):
        return {**super().get_config(), "fft_length": self.fft_length, "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length, "window": self.window,
                "sampling_rate": self.sampling_rate, "num_mel_bins": self.num_mel_bins,
                "min_freq": self.min_freq, "max_freq": self.max_freq, "power_to_db": self.power_to_db,
                "top_db": self.top_db, "mag_exp": self.mag_exp, "min_power": self.min_power,
                "ref_power": self.ref_power}
