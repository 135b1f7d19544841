"""Adamax on `torch.optim.Adamax` (foreach), with Keras's epsilon placement."""

import torch

from lamina.optimizers._arguments import scalar_dtype
from lamina.optimizers.optimizer import Optimizer

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax, the infinity-norm variant of Adam (Kingma & Ba, 2014), Keras formula.

    Keras: `u = max(b2 * u, |g|)` and `w -= lr * m / ((1 - b1^t) * (u + eps))`.
    torch keeps `s = max(b2 * s, |g| + eps)` and divides by `s`. Keeping torch's
    state at `s = u + eps / b2` between steps makes its update produce exactly
    `u_new + eps`; adding `eps * (1 - b2) / b2` afterwards restores the offset.
    The saved `exp_inf` therefore holds `u + eps / b2`.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        beta_1: decay of the first moment, in [0, 1). Defaults to 0.9.
        beta_2: decay of the infinity norm, in (0, 1). Defaults to 0.999.
        epsilon: stability constant. Defaults to 1e-7.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Example:
        >>> opt = Adamax(learning_rate=0.01)
    """

    _default_name = "adamax"

    _slot_keys = ("exp_avg", "exp_inf")
    _counter_keys = ("step",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if not 0.0 <= beta_1 < 1.0 or not 0.0 < beta_2 < 1.0:
            raise ValueError(
                "Arguments of Adamax must satisfy 0 <= beta_1 < 1 and 0 < beta_2 < 1, but "
                f"received beta_1={beta_1!r}, beta_2={beta_2!r}."
            )
        if epsilon < 0:
            raise ValueError(f"Argument `epsilon` of Adamax must be >= 0, but received epsilon={epsilon!r}.")
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self._shift = epsilon / beta_2

    def _make_torch_optimizer(self, param_groups, impl):
        return torch.optim.Adamax(param_groups, lr=self._current_lr(),
                                  betas=(float(self.beta_1), float(self.beta_2)), eps=float(self.epsilon), **impl)

    def _initial_state(self, param, group, impl):
        return {
            "step": torch.zeros((), dtype=scalar_dtype()),
            "exp_avg": torch.zeros_like(param, memory_format=torch.preserve_format),
            "exp_inf": torch.full_like(param, self._shift, memory_format=torch.preserve_format),
        }

    def _slot_to_keras(self, key, value):
        return value - self._shift if key == "exp_inf" else value

    def _slot_from_keras(self, key, value):
        return value + self._shift if key == "exp_inf" else value

    def _after_torch_step(self, params, lr):
        torch._foreach_add_(self._state_list("exp_inf", params), self._shift - self.epsilon)

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return config
