"""Adadelta on `torch.optim.Adadelta`, whose update is Keras's formula term for term."""

import torch

from lamina.optimizers.optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), Keras formula.

    Per step: `acc_g = rho * acc_g + (1 - rho) * g^2`,
    `delta = sqrt(acc_d + eps) / sqrt(acc_g + eps) * g`,
    `acc_d = rho * acc_d + (1 - rho) * delta^2`, `w -= lr * delta`.
    torch's Adadelta computes exactly this (epsilon inside both square roots), so
    its state tensors are Keras's `accumulated_grad` / `accumulated_delta_var`
    slots unchanged.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001 (Keras's
            default; the paper uses 1.0).
        rho: decay rate of both running averages. Defaults to 0.95.
        epsilon: stability constant inside the square roots. Defaults to 1e-7.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Example:
        >>> opt = Adadelta(learning_rate=1.0, rho=0.95)
    """

    _default_name = "adadelta"

    _slot_keys = ("square_avg", "acc_delta")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if not 0.0 <= rho <= 1.0 or epsilon < 0:
            raise ValueError(
                "Adadelta expects `rho` in [0, 1] and `epsilon` >= 0, but received "
                f"rho={rho!r}, epsilon={epsilon!r}."
            )
        self.rho = rho
        self.epsilon = epsilon

    def _make_torch_optimizer(self, param_groups, impl):
        return torch.optim.Adadelta(param_groups, lr=self._current_lr(), rho=float(self.rho),
                                    eps=float(self.epsilon), **impl)

    def _initial_state(self, param, group, impl):
        # The layout torch's `_init_group` would create lazily; made up front so the
        # slots exist (and can be saved or loaded) before the first step.
        return {"step": torch.zeros((), dtype=torch.float32),
                "square_avg": torch.zeros_like(param, memory_format=torch.preserve_format),
                "acc_delta": torch.zeros_like(param, memory_format=torch.preserve_format)}

    def get_config(self):
        config = super().get_config()
        config.update(rho=self.rho, epsilon=self.epsilon)
        return config
