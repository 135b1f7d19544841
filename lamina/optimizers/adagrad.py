"""Adagrad on `torch.optim.Adagrad` (fused on CPU), with Keras's epsilon placement."""

import torch

from lamina.optimizers.optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), Keras formula.

    Keras: `acc += g^2; w -= lr * g / sqrt(acc + eps)` with `acc` starting at
    `initial_accumulator_value`. torch adds epsilon outside the square root; with
    torch's accumulator started at `initial_accumulator_value + eps` and its
    `eps=0`, `sqrt(acc_torch)` is exactly Keras's denominator. The saved
    accumulator therefore includes `eps`.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        initial_accumulator_value: starting accumulator value, >= 0. Defaults to 0.1.
        epsilon: stability constant inside the square root. Defaults to 1e-7.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Example:
        >>> opt = Adagrad(learning_rate=0.1)
    """

    _default_name = "adagrad"

    _fused_supported = True
    _fused_device_types = ("cpu",)  # torch's fused Adagrad kernel is CPU-only
    _slot_keys = ("sum",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if initial_accumulator_value < 0 or epsilon < 0:
            raise ValueError(
                "Arguments `initial_accumulator_value` and `epsilon` of Adagrad must be >= 0, "
                f"but received initial_accumulator_value={initial_accumulator_value!r}, epsilon={epsilon!r}."
            )
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _make_torch_optimizer(self, param_groups, impl):
        # torch creates this state itself at construction.
        return torch.optim.Adagrad(param_groups, lr=self._current_lr(),
                                   initial_accumulator_value=float(self.initial_accumulator_value + self.epsilon),
                                   eps=0.0, **impl)

    def get_config(self):
        config = super().get_config()
        config.update(initial_accumulator_value=self.initial_accumulator_value, epsilon=self.epsilon)
        return config
