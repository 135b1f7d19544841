"""Band-limited resampling of waveforms in torch (windowed-sinc polyphase filter).

The rate ratio is reduced to `new / orig` (by their gcd); each of the `new` output phases has its
own low-pass sinc kernel (cut-off `rolloff * min(orig, new) / 2` of the reduced rates, Hann-squared
window of `lowpass_filter_width` zero crossings), applied as one strided `conv1d`. This is the
algorithm of torchaudio's `resample` (its default "sinc_interp_hann"), written here so lamina
needs no torchaudio; it runs on the waveform's device.
"""

import math

import torch

__all__ = ["resample"]


def _kernels(orig, new, lowpass_filter_width, rolloff, dtype, device):
    base = min(orig, new) * rolloff
    width = math.ceil(lowpass_filter_width * orig / base)
    offsets = torch.arange(-width, width + orig, dtype=dtype, device=device)[None, None] / orig
    times = torch.arange(0, -new, -1, dtype=dtype, device=device)[:, None, None] / new + offsets
    times = (times * base).clamp(-lowpass_filter_width, lowpass_filter_width)
    window = torch.cos(times * math.pi / lowpass_filter_width / 2) ** 2
    times = times * math.pi
    sinc = torch.where(times == 0, torch.ones_like(times), torch.sin(times) / torch.where(times == 0,
                                                                                         torch.ones_like(times),
                                                                                         times))
    return sinc * window * (base / orig), width


def resample(waveform, orig_freq, new_freq, lowpass_filter_width=6, rolloff=0.99):
    """Resamples `waveform` (`(..., time)`, float) from `orig_freq` Hz to `new_freq` Hz.

    Args:
        waveform: float tensor with time on the last axis.
        orig_freq, new_freq: positive integer rates.
        lowpass_filter_width: zero crossings of the sinc on each side (sharper filter when larger).
        rolloff: cut-off as a fraction of the lower Nyquist rate (below 1 to leave a transition band).

    Returns:
        `(..., ceil(time * new_freq / orig_freq))` tensor, same dtype and device.

    Example:
        >>> resample(torch.zeros(2, 16000), 16000, 8000).shape
        torch.Size([2, 8000])
    """
    for name, value in (("orig_freq", orig_freq), ("new_freq", new_freq)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"resample: `{name}` should be a positive integer; received {value!r}.")
    if orig_freq == new_freq:
        return waveform
    gcd = math.gcd(orig_freq, new_freq)
    orig, new = orig_freq // gcd, new_freq // gcd
    dtype = waveform.dtype if waveform.dtype in (torch.float32, torch.float64) else torch.float32
    shape = waveform.shape
    signals = waveform.to(dtype).reshape(-1, 1, shape[-1])
    kernels, width = _kernels(orig, new, lowpass_filter_width, rolloff, torch.float64, waveform.device)
    padded = torch.nn.functional.pad(signals, (width, width + orig))
    out = torch.nn.functional.conv1d(padded, kernels.to(dtype), stride=orig)  # (batch, new phases, frames)
    out = out.transpose(1, 2).reshape(signals.shape[0], -1)
    length = math.ceil(new * shape[-1] / orig)
    return out[..., :length].reshape(*shape[:-1], length).to(waveform.dtype)
