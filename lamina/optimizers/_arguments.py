"""Validation of the constructor arguments shared by every optimizer."""

import warnings

import torch

__all__ = ["as_learning_rate_float", "check_arguments", "scalar_dtype"]


def scalar_dtype(fused=False):
    """The dtype torch.optim uses for its per-parameter `step` counters."""
    if fused:
        return torch.float32
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


def as_learning_rate_float(value, arg="learning_rate"):
    """Converts a numeric learning rate to a float >= 0, with a clear error otherwise."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"Argument `{arg}` should be a float, a LearningRateSchedule or a callable "
            f"returning the learning rate, but received {arg}={value!r}."
        ) from None
    if out < 0:
        raise ValueError(f"Argument `{arg}` must be >= 0, but received {arg}={value!r}.")
    return out


def check_arguments(kwargs, clipnorm, clipvalue, global_clipnorm, gradient_accumulation_steps, use_ema,
                    ema_momentum, ema_overwrite_frequency, weight_decay):
    """Raises ValueError for invalid common optimizer arguments (Keras's checks).

    `kwargs` holds the unrecognized keyword arguments; a legacy `decay` among them
    is dropped with a warning, as Keras does.
    """
    if kwargs.pop("decay", None) is not None:
        warnings.warn("Argument `decay` is no longer supported and will be ignored.")
    if kwargs:
        raise ValueError(
            f"Argument(s) not recognized: {kwargs}. Valid optimizer arguments are the "
            "constructor's, e.g. learning_rate, weight_decay, clipnorm, clipvalue, "
            "global_clipnorm, use_ema, gradient_accumulation_steps."
        )
    if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
        raise ValueError(
            "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
            f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
        )
    if gradient_accumulation_steps is not None and (
            not isinstance(gradient_accumulation_steps, int) or gradient_accumulation_steps < 2):
        raise ValueError(
            "`gradient_accumulation_steps` must be an integer >= 2. Received: "
            f"gradient_accumulation_steps={gradient_accumulation_steps}"
        )
    if use_ema:
        if not 0 <= ema_momentum <= 1:
            raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}")
        if ema_overwrite_frequency is not None and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1):
            raise ValueError(
                "`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                f"ema_overwrite_frequency={ema_overwrite_frequency}"
            )
    if weight_decay is not None and weight_decay < 0:
        raise ValueError(f"Argument `weight_decay` must be >= 0 or None, but received weight_decay={weight_decay}.")
